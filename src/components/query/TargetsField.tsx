import React, { useMemo } from 'react';
import { ComboboxOption, InlineField, InlineLabel, MultiCombobox } from '@grafana/ui';

import { DataSource } from '../../datasource';
import { selectors } from '../selectors';
import { selectedTargets, targetOptions } from './options';
import { useTargets } from './useResource';
import { useVariableNames } from './useVariableNames';

interface Props {
  refId: string;
  datasource: Pick<DataSource, 'getTargets'>;
  labelWidth: number;
  value: string[] | undefined;
  onChange: (targets: string[]) => void;
}

/**
 * TargetsField picks several targets: configured names, typed /regex/ patterns and `$variables`;
 * an empty list is every target.
 */
export function TargetsField({ refId, datasource, labelWidth, value, onChange }: Props) {
  const targets = useTargets(datasource);
  const variableNames = useVariableNames();
  const choices = useMemo(() => targetOptions(targets.value, variableNames), [targets.value, variableNames]);
  const values = (items: Array<ComboboxOption<string>>) => items.map((item) => item.value);

  return (
    <InlineField
      label={
        <InlineLabel
          id={`pprof-targets-label-${refId}`}
          htmlFor={`pprof-targets-${refId}`}
          width={labelWidth}
          tooltip="Targets to show. Empty means all of them; /regex/ matches names; $variables expand to their values."
        >
          {selectors.query.targets}
        </InlineLabel>
      }
      invalid={Boolean(targets.error)}
      error={targets.error && `Could not load the targets: ${targets.error}`}
      grow
    >
      <MultiCombobox
        id={`pprof-targets-${refId}`}
        aria-labelledby={`pprof-targets-label-${refId}`}
        options={choices}
        value={value ?? []}
        placeholder={'All targets'}
        loading={targets.loading}
        createCustomValue
        onChange={(items) => onChange(selectedTargets(value ?? [], values(items)))}
      />
    </InlineField>
  );
}
