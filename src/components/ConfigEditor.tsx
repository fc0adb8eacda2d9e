import React, { useCallback, useState } from 'react';
import { getBackendSrv } from '@grafana/runtime';
import { Stack } from '@grafana/ui';

import { ProbeInfo } from '../types/resources';

import { AuthSection } from './config/AuthSection';
import { HeadersEditor } from './config/HeadersEditor';
import { ConfigProps, updateJsonData } from './config/options';
import { ProfilesSection } from './config/ProfilesSection';
import { ScrapeSection } from './config/ScrapeSection';
import { TargetsEditor } from './config/TargetsEditor';
import { TlsSection } from './config/TlsSection';

/** ConfigEditor edits the data source settings: targets, scraping, storage, profile collection, and how to reach the targets. */
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
    <Stack direction="column" gap={2}>
      <TargetsEditor
        targets={props.options.jsonData.targets ?? []}
        onChange={(targets) => updateJsonData(props, { targets })}
        saved={saved}
        probe={uid ? probe : undefined}
      />
      <ScrapeSection {...props} />
      <ProfilesSection {...props} />
      <AuthSection {...props} />
      <HeadersEditor {...props} />
      <TlsSection {...props} />
    </Stack>
  );
}
