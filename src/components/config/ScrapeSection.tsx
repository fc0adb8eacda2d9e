import React from 'react';
import { ConfigSubSection } from '@grafana/plugin-ui';
import { InlineField, Input } from '@grafana/ui';

import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_RETENTION,
  DEFAULT_SCRAPE_INTERVAL,
  DEFAULT_STORAGE_MAX_BYTES,
  DEFAULT_TIMEOUT_SECONDS,
} from '../../types/config';
import { selectors } from '../selectors';
import { ConfigProps, updateJsonData } from './options';
import { CONFIG_LABEL_WIDTH as LABEL_WIDTH, MiBField, emptyToUndefined, numberOrUndefined } from './fields';
import { MIN_SCRAPE_INTERVAL_MS, durationError, positiveIntegerError } from './validation';

const s = selectors.config.scrape;

/** ScrapeSection edits how often targets are scraped and how the samples are stored. */
export function ScrapeSection(props: ConfigProps) {
  const { jsonData } = props.options;
  const intervalError = durationError(jsonData.scrapeInterval, MIN_SCRAPE_INTERVAL_MS);
  const retentionError = durationError(jsonData.retention);
  const timeoutError = positiveIntegerError(jsonData.timeout, 'Enter a whole number of seconds, at least 1');

  return (
    <ConfigSubSection title={s.section}>
      <InlineField
        label={s.scrapeInterval}
        labelWidth={LABEL_WIDTH}
        tooltip="How often every target is scraped, e.g. 15s or 1m."
        invalid={Boolean(intervalError)}
        error={intervalError}
      >
        <Input
          id="pprof-scrape-interval"
          value={jsonData.scrapeInterval ?? ''}
          placeholder={DEFAULT_SCRAPE_INTERVAL}
          width={20}
          onChange={(e) => updateJsonData(props, { scrapeInterval: emptyToUndefined(e.currentTarget.value) })}
        />
      </InlineField>
      <InlineField
        label={s.retention}
        labelWidth={LABEL_WIDTH}
        tooltip="How long samples are kept, e.g. 7d or 12h."
        invalid={Boolean(retentionError)}
        error={retentionError}
      >
        <Input
          id="pprof-retention"
          value={jsonData.retention ?? ''}
          placeholder={DEFAULT_RETENTION}
          width={20}
          onChange={(e) => updateJsonData(props, { retention: emptyToUndefined(e.currentTarget.value) })}
        />
      </InlineField>
      <InlineField
        label={s.timeout}
        labelWidth={LABEL_WIDTH}
        tooltip="Timeout of each request to a target, in seconds."
        invalid={Boolean(timeoutError)}
        error={timeoutError}
      >
        <Input
          id="pprof-timeout"
          type="number"
          min={1}
          step={1}
          value={jsonData.timeout ?? ''}
          placeholder={String(DEFAULT_TIMEOUT_SECONDS)}
          suffix="s"
          width={20}
          onChange={(e) => updateJsonData(props, { timeout: numberOrUndefined(e.currentTarget.value) })}
        />
      </InlineField>
      <InlineField
        label={s.storagePath}
        labelWidth={LABEL_WIDTH}
        tooltip="Directory on the Grafana server that holds the samples. Leave empty for the plugin's default location."
      >
        <Input
          id="pprof-storage-path"
          value={jsonData.storagePath ?? ''}
          placeholder="Plugin default"
          width={40}
          onChange={(e) => updateJsonData(props, { storagePath: emptyToUndefined(e.currentTarget.value) })}
        />
      </InlineField>
      <MiBField
        id="pprof-storage-max"
        label={s.storageMaxMiB}
        tooltip="Largest size the sample store may grow to on disk."
        bytes={jsonData.storageMaxBytes}
        defaultBytes={DEFAULT_STORAGE_MAX_BYTES}
        onChange={(storageMaxBytes) => updateJsonData(props, { storageMaxBytes })}
      />
      <MiBField
        id="pprof-max-response"
        label={s.maxResponseMiB}
        tooltip="Largest response read from a target; bigger responses fail the scrape instead of exhausting memory."
        bytes={jsonData.maxResponseBytes}
        defaultBytes={DEFAULT_MAX_RESPONSE_BYTES}
        onChange={(maxResponseBytes) => updateJsonData(props, { maxResponseBytes })}
      />
    </ConfigSubSection>
  );
}
