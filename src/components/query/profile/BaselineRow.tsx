import React from 'react';
import { InlineField, InlineFieldRow, Input } from '@grafana/ui';

import { parseDurationMs } from '../../../duration';
import { PinInfo } from '../../../types/resources';
import { selectors } from '../../selectors';
import { ComboField, LABEL_WIDTH, RadioField } from '../fields';
import { ResourceState } from '../useResource';
import { Baseline, DEFAULT_BASELINE_OFFSET, baselinePatch, pinOptions } from './baseline';
import { ProfileContext, ProfileRowProps } from './types';

const s = selectors.query.profile;

const BASELINES: Array<{ label: string; value: Baseline; description: string }> = [
  { label: 'None', value: '', description: 'No diff' },
  { label: 'Range start', value: 'rangeStart', description: 'The snapshot nearest the start of the range' },
  { label: 'Offset', value: 'offset', description: 'The snapshot a fixed time before the compared one' },
  { label: 'Pinned', value: 'pin', description: 'A pinned snapshot of this target and type' },
  { label: 'Target', value: 'target', description: 'The same time on another target, e.g. canary vs stable' },
];

interface Props extends ProfileRowProps {
  ctx: ProfileContext;
  pins: ResourceState<PinInfo>;
}

/** BaselineRow turns the query into a diff against a baseline snapshot (go tool pprof -diff_base). */
export function BaselineRow({ query, change, onRunQuery, ctx, pins }: Props) {
  const baseline = query.baseline ?? '';
  const pinChoices = pinOptions(pins.value, ctx.target, ctx.info);
  const offsetMs = query.baselineOffset ? parseDurationMs(query.baselineOffset) : undefined;
  const offsetError =
    query.baselineOffset && !query.baselineOffset.includes('$') && !(offsetMs && offsetMs > 0)
      ? 'Enter a duration such as 1h or 1d'
      : undefined;

  const pick = (next: Baseline) => change(baselinePatch(query, next));

  return (
    <InlineFieldRow>
      <RadioField
        label={s.baseline}
        tooltip="Compare with a baseline: the flame graph shows both and colours the change, the top table shows the delta."
        options={BASELINES}
        value={baseline}
        onChange={pick}
      />
      {baseline === 'offset' && (
        <InlineField
          label={s.baselineOffset}
          labelWidth={LABEL_WIDTH}
          invalid={Boolean(offsetError)}
          error={offsetError}
        >
          <Input
            id={`pprof-baseline-offset-${query.refId}`}
            value={query.baselineOffset ?? ''}
            placeholder={DEFAULT_BASELINE_OFFSET}
            width={12}
            onChange={(e) => change({ baselineOffset: e.currentTarget.value || undefined }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}
      {baseline === 'pin' && (
        <ComboField
          id={`pprof-baseline-pin-${query.refId}`}
          label={s.baselinePin}
          tooltip="A snapshot pinned for this target and profile type."
          options={pinChoices}
          value={query.baselinePin}
          placeholder={pinChoices.length > 0 || pins.loading ? 'Choose a pin' : 'No pins for this target and type'}
          loading={pins.loading}
          error={pins.error && `Could not load the pins: ${pins.error}`}
          width={32}
          onChange={(baselinePin) => change({ baselinePin })}
        />
      )}
      {baseline === 'target' && (
        <ComboField
          id={`pprof-baseline-target-${query.refId}`}
          label={s.baselineTarget}
          tooltip="The target whose snapshot at the same time is the baseline."
          options={ctx.targetChoices.filter((t) => t.value !== ctx.target)}
          value={query.baselineTarget}
          placeholder="Choose a target"
          custom
          onChange={(baselineTarget) => change({ baselineTarget })}
        />
      )}
    </InlineFieldRow>
  );
}
