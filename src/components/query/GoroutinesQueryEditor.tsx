import React from 'react';
import { InlineField, InlineFieldRow, InlineLabel, InlineSwitch, Input, MultiCombobox, Text } from '@grafana/ui';

import { parseDurationMs } from '../../duration';
import { DEFAULT_GROWING_SNAPSHOTS, DEFAULT_STALE_THRESHOLD, DEFAULT_TOP_N, GoroutinesQuery } from '../../types/query';
import { selectors } from '../selectors';
import { LABEL_WIDTH, NumberField, RadioField } from './fields';
import { TargetsField } from './TargetsField';
import { EditorProps } from './types';
import { useGoroutineStates } from './useResource';

const s = selectors.query.goroutines;

type Output = NonNullable<GoroutinesQuery['output']>;

const OUTPUTS: Array<{ label: string; value: Output; description: string }> = [
  { label: 'States', value: 'states', description: 'Goroutine count per state bucket over time' },
  { label: 'Groups', value: 'groups', description: 'Goroutine count of the top groups over time' },
  { label: 'Group table', value: 'groupTable', description: 'Groups with states, waits, growth and a stack' },
  { label: 'Verdicts', value: 'verdicts', description: 'Stale and growing groups, ranked, with the evidence' },
  { label: 'Signals', value: 'signals', description: 'Stale, growing and leaked goroutines per target, for alerts' },
];

const GROUP_BY = [
  { label: 'Creator', value: 'creator' as const, description: 'The created-by function and its file:line' },
  { label: 'Top frame', value: 'topFrame' as const, description: 'The innermost user frame' },
];

/** WAIT_NOTE says why the wait times read low; it is shown under the editor, not hidden in a tooltip. */
export const WAIT_NOTE =
  'Wait minutes start counting at the first garbage collection that saw a goroutine blocked, so they understate how long it has waited.';

/** GoroutinesQueryEditor edits a `goroutines` query over the stored goroutine dumps. */
export function GoroutinesQueryEditor({ query, datasource, onChange, onRunQuery }: EditorProps<GoroutinesQuery>) {
  const states = useGoroutineStates(datasource);
  const output = query.output ?? 'states';
  const staleMs = query.staleThreshold ? parseDurationMs(query.staleThreshold) : undefined;
  const staleError =
    query.staleThreshold && !query.staleThreshold.includes('$') && !(staleMs && staleMs > 0)
      ? 'Enter a duration such as 10m or 1h'
      : undefined;

  const change = (patch: Partial<GoroutinesQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  return (
    <>
      <InlineFieldRow>
        <TargetsField
          refId={query.refId}
          datasource={datasource}
          labelWidth={LABEL_WIDTH}
          value={query.targets}
          onChange={(targets) => change({ targets })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <RadioField
          label={s.output}
          tooltip="Series by state or by group, a groups table, leak verdicts, or alertable signals."
          options={OUTPUTS}
          value={output}
          onChange={(next) => change({ output: next, instant: next === 'signals' ? query.instant : undefined })}
        />
        {output === 'signals' && (
          <InlineField
            label={s.instant}
            labelWidth={LABEL_WIDTH}
            tooltip="Only the latest value per target, e.g. for alert rules."
          >
            <InlineSwitch
              id={`pprof-goroutines-instant-${query.refId}`}
              aria-label={s.instant}
              value={Boolean(query.instant)}
              onChange={(e) => change({ instant: e.currentTarget.checked || undefined })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <RadioField
          label={s.groupBy}
          tooltip="Group goroutines by where they were created, or by the innermost frame of user code."
          options={GROUP_BY}
          value={query.groupBy ?? 'creator'}
          onChange={(groupBy) => change({ groupBy })}
        />
        <InlineField
          label={
            <InlineLabel
              id={`pprof-goroutine-states-label-${query.refId}`}
              htmlFor={`pprof-goroutine-states-${query.refId}`}
              width={LABEL_WIDTH}
              tooltip="Keep only these state buckets; empty keeps all."
            >
              {s.states}
            </InlineLabel>
          }
          invalid={Boolean(states.error)}
          error={states.error && `Could not load the goroutine states: ${states.error}`}
          grow
        >
          <MultiCombobox
            id={`pprof-goroutine-states-${query.refId}`}
            aria-labelledby={`pprof-goroutine-states-label-${query.refId}`}
            options={states.value.map((state) => ({ label: state, value: state }))}
            value={query.states ?? []}
            placeholder="All states"
            loading={states.loading}
            onChange={(items) => change({ states: items.length > 0 ? items.map((i) => i.value) : undefined })}
          />
        </InlineField>
      </InlineFieldRow>
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
      <Text element="p" variant="bodySmall" color="secondary">
        {WAIT_NOTE}
      </Text>
    </>
  );
}
