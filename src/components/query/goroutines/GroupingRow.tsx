import React from 'react';
import { InlineField, InlineFieldRow, InlineLabel, MultiCombobox } from '@grafana/ui';

import { selectors } from '../../selectors';
import { LABEL_WIDTH, RadioField } from '../fields';
import { ResourceState } from '../useResource';
import { GoroutinesRowProps } from './types';

const s = selectors.query.goroutines;

const GROUP_BY = [
  { label: 'Creator', value: 'creator' as const, description: 'The created-by function and its file:line' },
  { label: 'Top frame', value: 'topFrame' as const, description: 'The innermost user frame' },
];

/** GroupingRow chooses how goroutines are grouped and which state buckets are kept. */
export function GroupingRow({ query, change, states }: GoroutinesRowProps & { states: ResourceState<string> }) {
  const id = `pprof-goroutine-states-${query.refId}`;
  return (
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
            id={`${id}-label`}
            htmlFor={id}
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
          id={id}
          aria-labelledby={`${id}-label`}
          options={states.value.map((state) => ({ label: state, value: state }))}
          value={query.states ?? []}
          placeholder="All states"
          loading={states.loading}
          onChange={(items) => change({ states: items.length > 0 ? items.map((i) => i.value) : undefined })}
        />
      </InlineField>
    </InlineFieldRow>
  );
}
