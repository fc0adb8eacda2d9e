import React, { useMemo } from 'react';
import { InlineFieldRow } from '@grafana/ui';

import { DEFAULT_TOP_N, SuspectsQuery } from '../../types/query';
import { selectors } from '../selectors';
import { ComboField, NumberField, RadioField, singleTargetOptions } from './fields';
import { EditorProps } from './types';
import { useTargets } from './useResource';
import { useVariableNames } from './useVariableNames';

const s = selectors.query.suspects;

const BY = [
  { label: 'Function', value: 'function' as const, description: 'The allocating function' },
  { label: 'Stack', value: 'stack' as const, description: 'The full allocation stack' },
];

const OUTPUTS = [
  { label: 'Table', value: 'table' as const, description: 'The ranked suspects with their evidence' },
  { label: 'Series', value: 'series' as const, description: 'In-use bytes of the top suspects over time' },
];

/**
 * SuspectsQueryEditor edits a `suspects` query: the leak-suspect ranking over the stored heap
 * snapshots of one target.
 */
export function SuspectsQueryEditor({ query, datasource, onChange, onRunQuery }: EditorProps<SuspectsQuery>) {
  const targets = useTargets(datasource);
  const variableNames = useVariableNames();
  const targetChoices = useMemo(
    () => singleTargetOptions(targets.value, variableNames),
    [targets.value, variableNames]
  );

  const change = (patch: Partial<SuspectsQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  return (
    <>
      <InlineFieldRow>
        <ComboField
          id={`pprof-suspects-target-${query.refId}`}
          label={s.target}
          tooltip="The target whose heap snapshots are ranked; empty means the first configured target."
          options={targetChoices}
          value={query.target || targets.value[0]?.name}
          loading={targets.loading}
          error={targets.error && `Could not load the targets: ${targets.error}`}
          custom
          onChange={(target) => change({ target })}
        />
        <RadioField
          label={s.by}
          tooltip="Rank allocating functions, or each full allocation stack separately."
          options={BY}
          value={query.by ?? 'function'}
          onChange={(by) => change({ by })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <RadioField
          label={s.output}
          tooltip="The ranked table (slope, monotonicity, share of growth, retention, first seen), or series for dashboards and alert rules."
          options={OUTPUTS}
          value={query.output ?? 'table'}
          onChange={(output) => change({ output })}
        />
        <NumberField
          id={`pprof-suspects-top-${query.refId}`}
          label={s.topN}
          tooltip="How many suspects the table lists or the series show."
          value={query.topN}
          placeholder={DEFAULT_TOP_N}
          onChange={(topN) => change({ topN }, false)}
          onBlur={onRunQuery}
        />
      </InlineFieldRow>
    </>
  );
}
