import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';

import type { DataSource } from '../datasource';
import { PprofOptions } from '../types/config';
import { PprofQuery } from '../types/query';
import { parseLabelFilter, VariableKind, VariableQuery } from '../types/variables';
import { LABEL_WIDTH } from './query/fields';
import { selectors } from './selectors';

const s = selectors.variable;

const KINDS: Array<{ label: string; value: VariableKind; description: string }> = [
  { label: 'Targets', value: 'targets', description: 'Configured target names, optionally filtered by label' },
  { label: 'Label values', value: 'labelValues', description: 'The values one target label takes' },
  { label: 'Functions', value: 'functions', description: "The functions of a target's newest profile" },
  { label: 'Metrics', value: 'metrics', description: 'The metric catalog' },
];

type Props = QueryEditorProps<DataSource, PprofQuery, PprofOptions, VariableQuery>;

/** VariableQueryEditor edits a template variable of this data source. */
export function VariableQueryEditor({ query, onChange }: Props) {
  const q: VariableQuery = { ...query, kind: query.kind ?? 'targets' };
  const change = (patch: Partial<VariableQuery>) => onChange({ ...q, ...patch });
  const filterError = parseLabelFilter(q.labelFilter).error;
  return (
    <>
      <InlineFieldRow>
        <InlineField label={s.kind} labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup aria-label={s.kind} options={KINDS} value={q.kind} onChange={(kind) => change({ kind })} />
        </InlineField>
      </InlineFieldRow>
      {q.kind === 'targets' && (
        <InlineField
          label={s.labelFilter}
          labelWidth={LABEL_WIDTH}
          tooltip="Keep targets whose labels match, e.g. env=prod, job=api. Empty keeps every target."
          invalid={Boolean(filterError)}
          error={filterError}
        >
          <Input
            aria-label={s.labelFilter}
            value={q.labelFilter ?? ''}
            placeholder="env=prod"
            width={40}
            onChange={(e) => change({ labelFilter: e.currentTarget.value || undefined })}
          />
        </InlineField>
      )}
      {q.kind === 'labelValues' && (
        <InlineField label={s.label} labelWidth={LABEL_WIDTH} tooltip="The target label whose values are listed.">
          <Input
            aria-label={s.label}
            value={q.label ?? ''}
            placeholder="env"
            width={24}
            onChange={(e) => change({ label: e.currentTarget.value || undefined })}
          />
        </InlineField>
      )}
      {q.kind === 'functions' && (
        <InlineFieldRow>
          <InlineField label={s.target} labelWidth={LABEL_WIDTH} tooltip="A target name or a variable such as $target.">
            <Input
              aria-label={s.target}
              value={q.target ?? ''}
              placeholder="$target"
              width={24}
              onChange={(e) => change({ target: e.currentTarget.value || undefined })}
            />
          </InlineField>
          <InlineField
            label={s.profileType}
            labelWidth={LABEL_WIDTH}
            tooltip="The profile whose newest snapshot is read."
          >
            <Input
              aria-label={s.profileType}
              value={q.profileType ?? ''}
              placeholder="heap"
              width={16}
              onChange={(e) => change({ profileType: e.currentTarget.value || undefined })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}
