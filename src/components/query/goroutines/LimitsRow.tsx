import React from 'react';
import { InlineField, InlineFieldRow, Input } from '@grafana/ui';

import { parseDurationMs } from '../../../duration';
import { DEFAULT_GROWING_SNAPSHOTS, DEFAULT_STALE_THRESHOLD, DEFAULT_TOP_N } from '../../../types/query';
import { selectors } from '../../selectors';
import { LABEL_WIDTH, NumberField } from '../fields';
import { GoroutinesRowProps } from './types';

const s = selectors.query.goroutines;

/** LimitsRow sets when a group counts as stale or growing, and how many groups are shown. */
export function LimitsRow({ query, change, onRunQuery }: GoroutinesRowProps) {
  const staleMs = query.staleThreshold ? parseDurationMs(query.staleThreshold) : undefined;
  const staleError =
    query.staleThreshold && !query.staleThreshold.includes('$') && !(staleMs && staleMs > 0)
      ? 'Enter a duration such as 10m or 1h'
      : undefined;
  return (
    <InlineFieldRow>
      <InlineField
        label={s.staleThreshold}
        labelWidth={LABEL_WIDTH}
        tooltip="A goroutine blocked in a channel, select, sync or IO wait at least this long counts as stale."
        invalid={Boolean(staleError)}
        error={staleError}
      >
        <Input
          id={`pprof-stale-${query.refId}`}
          value={query.staleThreshold ?? ''}
          placeholder={DEFAULT_STALE_THRESHOLD}
          width={12}
          onChange={(e) => change({ staleThreshold: e.currentTarget.value || undefined }, false)}
          onBlur={onRunQuery}
        />
      </InlineField>
      <NumberField
        id={`pprof-growing-${query.refId}`}
        label={s.growingSnapshots}
        labelWidth={20}
        tooltip="A group whose count rises across this many consecutive dumps is growing: the classic leak signature."
        value={query.growingSnapshots}
        placeholder={DEFAULT_GROWING_SNAPSHOTS}
        onChange={(growingSnapshots) => change({ growingSnapshots }, false)}
        onBlur={onRunQuery}
      />
      <NumberField
        id={`pprof-goroutines-top-${query.refId}`}
        label={s.topN}
        tooltip="How many groups the series and tables show."
        value={query.topN}
        placeholder={DEFAULT_TOP_N}
        onChange={(topN) => change({ topN }, false)}
        onBlur={onRunQuery}
      />
    </InlineFieldRow>
  );
}
