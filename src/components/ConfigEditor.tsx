import React from 'react';
import { Stack } from '@grafana/ui';

import { AuthSection } from './config/AuthSection';
import { HeadersEditor } from './config/HeadersEditor';
import { ConfigProps, updateJsonData } from './config/options';
import { ProfilesSection } from './config/ProfilesSection';
import { ScrapeSection } from './config/ScrapeSection';
import { TargetsEditor } from './config/TargetsEditor';
import { TlsSection } from './config/TlsSection';

/** ConfigEditor edits the data source settings: targets, scraping, storage, profile collection, and how to reach the targets. */
export function ConfigEditor(props: ConfigProps) {
  return (
    <Stack direction="column" gap={2}>
      <TargetsEditor
        targets={props.options.jsonData.targets ?? []}
        onChange={(targets) => updateJsonData(props, { targets })}
      />
      <ScrapeSection {...props} />
      <ProfilesSection {...props} />
      <AuthSection {...props} />
      <HeadersEditor {...props} />
      <TlsSection {...props} />
    </Stack>
  );
}
