import React, { useMemo } from 'react';
import {
  ComboboxOption,
  InlineField,
  InlineFieldRow,
  InlineLabel,
  InlineSwitch,
  Input,
  MultiCombobox,
} from '@grafana/ui';

import { parseDurationMs } from '../../duration';
import { DEFAULT_METRIC, RuntimeQuery } from '../../types/query';
import { selectors } from '../selectors';
import { metricOptions, selectedTargets, targetOptions } from './options';
import { EditorProps } from './types';
import { useMetrics, useTargets } from './useResource';
import { useVariableNames } from './useVariableNames';

const s = selectors.query;
const LABEL_WIDTH = 10;

/** RuntimeQueryEditor edits a `runtime` query: which targets, which metrics, over what window. */
export function RuntimeQueryEditor({ query, datasource, onChange, onRunQuery }: EditorProps<RuntimeQuery>) {
  const targets = useTargets(datasource);
  const metrics = useMetrics(datasource);
  const variableNames = useVariableNames();

  const targetChoices = useMemo(() => targetOptions(targets.value, variableNames), [targets.value, variableNames]);
  const metricChoices = useMemo(() => metricOptions(metrics.value), [metrics.value]);

  const change = (patch: Partial<RuntimeQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };

  const values = (items: Array<ComboboxOption<string>>) => items.map((item) => item.value);
  const windowError = windowMessage(query.window);

  return (
    <>
      <InlineFieldRow>
        <InlineField
          label={
            <InlineLabel
              id={`pprof-targets-label-${query.refId}`}
              htmlFor={`pprof-targets-${query.refId}`}
              width={LABEL_WIDTH}
              tooltip="Targets to show. Empty means all of them; /regex/ matches names; $variables expand to their values."
            >
              {s.targets}
            </InlineLabel>
          }
          invalid={Boolean(targets.error)}
          error={targets.error && `Could not load the targets: ${targets.error}`}
          grow
        >
          <MultiCombobox
            id={`pprof-targets-${query.refId}`}
            aria-labelledby={`pprof-targets-label-${query.refId}`}
            options={targetChoices}
            value={query.targets ?? []}
            placeholder={'All targets'}
            loading={targets.loading}
            createCustomValue
            onChange={(items) => change({ targets: selectedTargets(query.targets ?? [], values(items)) })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label={
            <InlineLabel
              id={`pprof-metrics-label-${query.refId}`}
              htmlFor={`pprof-metrics-${query.refId}`}
              width={LABEL_WIDTH}
              tooltip="Runtime metrics to show, computed by the backend from the scraped samples."
            >
              {s.metrics}
            </InlineLabel>
          }
          invalid={Boolean(metrics.error)}
          error={metrics.error && `Could not load the metric catalog: ${metrics.error}`}
          grow
        >
          <MultiCombobox
            id={`pprof-metrics-${query.refId}`}
            aria-labelledby={`pprof-metrics-label-${query.refId}`}
            options={metricChoices}
            value={query.metrics ?? []}
            placeholder={DEFAULT_METRIC}
            loading={metrics.loading}
            onChange={(items) => change({ metrics: values(items) })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label={s.window}
          labelWidth={LABEL_WIDTH}
          tooltip="Look-back of leak slopes and other windowed metrics, e.g. 30m or 6h. Other metrics ignore it."
          invalid={Boolean(windowError)}
          error={windowError}
        >
          <Input
            id={`pprof-window-${query.refId}`}
            value={query.window ?? ''}
            placeholder="1h"
            width={16}
            onChange={(e) => onChange({ ...query, window: e.currentTarget.value || undefined })}
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField
          label={s.instant}
          labelWidth={LABEL_WIDTH}
          tooltip="Return only the latest value of each target and metric, e.g. for stat panels and alerts."
        >
          <InlineSwitch
            id={`pprof-instant-${query.refId}`}
            aria-label={s.instant}
            value={Boolean(query.instant)}
            onChange={(e) => change({ instant: e.currentTarget.checked || undefined })}
          />
        </InlineField>
      </InlineFieldRow>
    </>
  );
}

function windowMessage(window: string | undefined): string | undefined {
  if (!window || window.includes('$')) {
    return undefined;
  }
  const ms = parseDurationMs(window);
  return ms === undefined || ms <= 0 ? 'Enter a duration such as 30m or 6h' : undefined;
}
