import React from 'react';
import { InlineFieldRow, Text } from '@grafana/ui';

import { GoroutinesQuery } from '../../types/query';
import { LABEL_WIDTH } from './fields';
import { GroupingRow } from './goroutines/GroupingRow';
import { LimitsRow } from './goroutines/LimitsRow';
import { OutputRow } from './goroutines/OutputRow';
import { TargetsField } from './TargetsField';
import { EditorProps } from './types';
import { useGoroutineStates } from './useResource';

/** WAIT_NOTE says why the wait times read low; it is shown under the editor, not hidden in a tooltip. */
export const WAIT_NOTE =
  'Wait minutes start counting at the first garbage collection that saw a goroutine blocked, so they understate how long it has waited.';

/** GoroutinesQueryEditor edits a `goroutines` query over the stored goroutine dumps. */
export function GoroutinesQueryEditor({ query, datasource, onChange, onRunQuery }: EditorProps<GoroutinesQuery>) {
  const states = useGoroutineStates(datasource);
  const change = (patch: Partial<GoroutinesQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const rowProps = { query, change, onRunQuery };

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
      <OutputRow {...rowProps} />
      <GroupingRow {...rowProps} states={states} />
      <LimitsRow {...rowProps} />
      <Text element="p" variant="bodySmall" color="secondary">
        {WAIT_NOTE}
      </Text>
    </>
  );
}
