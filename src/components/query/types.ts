import { QueryEditorProps } from '@grafana/data';

import { DataSource } from '../../datasource';
import { PprofOptions } from '../../types/config';
import { PprofQuery } from '../../types/query';

/** EditorProps are the props of the query editor and of each per-type editor. */
export type EditorProps<Q extends PprofQuery = PprofQuery> = QueryEditorProps<DataSource, PprofQuery, PprofOptions> & {
  query: Q;
};
