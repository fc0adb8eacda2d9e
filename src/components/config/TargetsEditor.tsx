import React, { useMemo } from 'react';
import { Button, FieldSet, Stack, Text } from '@grafana/ui';

import { TargetConfig } from '../../types/config';
import { ProbeInfo } from '../../types/resources';
import { selectors } from '../selectors';
import { TargetRow } from './TargetRow';
import { validateTargets } from './validation';

interface Props {
  targets: TargetConfig[];
  onChange: (targets: TargetConfig[]) => void;
  /** saved are the targets as the backend has them; only those can be tested. */
  saved?: TargetConfig[];
  probe?: (name: string) => Promise<ProbeInfo>;
}

const s = selectors.config.targets;

/** TargetsEditor edits the list of Go services the backend scrapes. */
export function TargetsEditor({ targets, onChange, saved = [], probe }: Props) {
  const isSaved = (t: TargetConfig) => saved.some((s) => s.name === t.name && s.url === t.url);
  const errors = useMemo(() => validateTargets(targets), [targets]);

  const replace = (index: number, target: TargetConfig) => onChange(targets.map((t, i) => (i === index ? target : t)));
  const remove = (index: number) => onChange(targets.filter((_, i) => i !== index));
  const add = () => onChange([...targets, { name: '', url: '' }]);

  return (
    <FieldSet label={s.section}>
      <Stack direction="column" gap={1}>
        <Text color="secondary">
          Go services that expose <code>/debug/vars</code> and <code>/debug/pprof/</code> (net/http/pprof and expvar).
          Grafana&apos;s server scrapes them; the browser never does.
        </Text>
        {targets.length === 0 && <Text italic>No targets yet: add one to start collecting runtime metrics.</Text>}
        {targets.map((target, index) => (
          <TargetRow
            key={index}
            index={index}
            target={target}
            errors={errors[index]}
            onChange={(t) => replace(index, t)}
            onRemove={() => remove(index)}
            probe={probe && isSaved(target) ? probe : undefined}
          />
        ))}
        <div>
          <Button variant="secondary" icon="plus" onClick={add}>
            {s.addButton}
          </Button>
        </div>
      </Stack>
    </FieldSet>
  );
}
