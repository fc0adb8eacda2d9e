import React from 'react';
import { InlineField, InlineFieldRow, Input } from '@grafana/ui';

import { DEFAULT_MAX_NODES } from '../../../types/query';
import { selectors } from '../../selectors';
import { LABEL_WIDTH, NumberField, RadioField } from '../fields';
import { ProfileRowProps } from './types';

const s = selectors.query.profile;

const OUTPUTS = [
  { label: 'Flame graph', value: 'flamegraph' as const },
  { label: 'Top table', value: 'top' as const },
];

/** FilterRow narrows the profile to some functions and chooses how it is shown. */
export function FilterRow({ query, change, onRunQuery }: ProfileRowProps) {
  const focusError = regexError(query.focus);
  const ignoreError = regexError(query.ignore);
  return (
    <>
      <InlineFieldRow>
        <InlineField
          label={s.focus}
          labelWidth={LABEL_WIDTH}
          tooltip="Keep only samples with a frame whose function matches this regular expression (pprof -focus)."
          invalid={Boolean(focusError)}
          error={focusError}
          grow
        >
          <Input
            id={`pprof-focus-${query.refId}`}
            value={query.focus ?? ''}
            placeholder="e.g. ^main\."
            onChange={(e) => change({ focus: e.currentTarget.value || undefined }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField
          label={s.ignore}
          labelWidth={LABEL_WIDTH}
          tooltip="Drop samples with a frame whose function matches this regular expression (pprof -ignore)."
          invalid={Boolean(ignoreError)}
          error={ignoreError}
          grow
        >
          <Input
            id={`pprof-ignore-${query.refId}`}
            value={query.ignore ?? ''}
            placeholder="e.g. runtime\."
            onChange={(e) => change({ ignore: e.currentTarget.value || undefined }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <NumberField
          id={`pprof-max-nodes-${query.refId}`}
          label={s.maxNodes}
          tooltip="Largest number of flame graph nodes; the smallest ones are folded into an explicit “other” node."
          value={query.maxNodes}
          placeholder={DEFAULT_MAX_NODES}
          onChange={(maxNodes) => change({ maxNodes }, false)}
          onBlur={onRunQuery}
        />
        <RadioField
          label={s.output}
          tooltip="A flame graph, or a table of functions sorted by flat value like go tool pprof -top."
          options={OUTPUTS}
          value={query.output ?? 'flamegraph'}
          onChange={(output) => change({ output })}
        />
      </InlineFieldRow>
    </>
  );
}

/**
 * regexError catches what JavaScript's regular expressions reject. The backend uses Go's RE2,
 * which is stricter still (no lookaround, no backreferences) and reports those itself.
 */
function regexError(text: string | undefined): string | undefined {
  // A `$variable` is only known once the query runs, and `$` alone is the end anchor.
  if (!text || /\$(\w|\{)/.test(text)) {
    return undefined;
  }
  try {
    new RegExp(text);
    return undefined;
  } catch (err) {
    return `Not a regular expression: ${(err as Error).message}`;
  }
}
