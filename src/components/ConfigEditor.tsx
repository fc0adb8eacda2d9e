import React, { useCallback, useState } from 'react';
import { ConfigSection, DataSourceDescription } from '@grafana/plugin-ui';
import { getBackendSrv } from '@grafana/runtime';
import { Divider, Stack } from '@grafana/ui';

import { ProbeInfo } from '../types/resources';

import { AuthSection } from './config/AuthSection';
import { HeadersEditor } from './config/HeadersEditor';
import { ConfigProps, updateJsonData } from './config/options';
import { ProfilesSection } from './config/ProfilesSection';
import { ScrapeSection } from './config/ScrapeSection';
import { TargetsEditor } from './config/TargetsEditor';
import { selectors } from './selectors';

const DOCS_LINK = 'https://github.com/leakwatch/pprof-datasource#configuration';

/**
 * ConfigEditor edits the data source settings in the layout of Grafana's own data sources
 * (@grafana/plugin-ui): targets, authentication and TLS, custom headers, then the collection
 * and storage settings.
 */
export function ConfigEditor(props: ConfigProps) {
  // The targets as the page opened with them are the saved ones, which the backend can test.
  const [saved] = useState(() => props.options.jsonData.targets ?? []);
  const uid = props.options.uid;
  const probe = useCallback(
    (target: string) =>
      getBackendSrv().get<ProbeInfo>(`/api/datasources/uid/${uid}/resources/probe`, { target }, undefined, {
        showErrorAlert: false,
      }),
    [uid]
  );
  return (
    <Stack direction="column" gap={1}>
      <DataSourceDescription dataSourceName="Go pprof" docsLink={DOCS_LINK} hasRequiredFields={false} />
      <Divider />
      <TargetsEditor
        targets={props.options.jsonData.targets ?? []}
        onChange={(targets) => updateJsonData(props, { targets })}
        saved={saved}
        probe={uid ? probe : undefined}
      />
      <Divider />
      <AuthSection {...props} />
      <HeadersEditor {...props} />
      <Divider />
      <ConfigSection
        title={selectors.config.additional}
        description="How often the targets are scraped and profiled, and how much history is kept."
        isCollapsible
        isInitiallyOpen
      >
        <ScrapeSection {...props} />
        <ProfilesSection {...props} />
      </ConfigSection>
    </Stack>
  );
}
