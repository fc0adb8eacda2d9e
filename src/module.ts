import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { PprofOptions, PprofSecureJsonData } from './types/config';
import { PprofQuery } from './types/query';

export const plugin = new DataSourcePlugin<DataSource, PprofQuery, PprofOptions, PprofSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
