import React from 'react';
import { InlineField, InlineFieldRow, InlineSwitch } from '@grafana/ui';

import { GoroutinesQuery } from '../../../types/query';
import { selectors } from '../../selectors';
import { LABEL_WIDTH, RadioField } from '../fields';
import { GoroutinesRowProps } from './types';

const s = selectors.query.goroutines;

type Output = NonNullable<GoroutinesQuery['output']>;

const OUTPUTS: Array<{ label: string; value: Output; description: string }> = [
  { label: 'States', value: 'states', description: 'Goroutine count per state bucket over time' },
  { label: 'Groups', value: 'groups', description: 'Goroutine count of the top groups over time' },
  { label: 'Group table', value: 'groupTable', description: 'Groups with states, waits, growth and a stack' },
  { label: 'Verdicts', value: 'verdicts', description: 'Stale and growing groups, ranked, with the evidence' },
  { label: 'Signals', value: 'signals', description: 'Stale, growing and leaked goroutines per target, for alerts' },
];

/** OutputRow picks what the query returns; only the alertable signals have an instant form. */
export function OutputRow({ query, change }: GoroutinesRowProps) {
  const output = query.output ?? 'states';
  return (
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
  );
}
