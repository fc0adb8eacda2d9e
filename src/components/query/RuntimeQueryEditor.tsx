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
import { metricOptions } from './options';
import { TargetsField } from './TargetsField';
import { EditorProps } from './types';
import { useMetrics } from './useResource';

const s = selectors.query;
const LABEL_WIDTH = 10;

/** RuntimeQueryEditor edits a `runtime` query: which targets, which metrics, over what window. */
export function RuntimeQueryEditor({ query, datasource, onChange, onRunQuery }: EditorProps<RuntimeQuery>) {
  const metrics = useMetrics(datasource);

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
        <TargetsField
          refId={query.refId}
          datasource={datasource}
          labelWidth={LABEL_WIDTH}
          value={query.targets}
          onChange={(targets) => change({ targets })}
        />
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
