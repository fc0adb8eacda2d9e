import { ComboboxOption } from '@grafana/ui';

import { ALL_TARGETS } from '../../types/query';
import { MetricInfo, TargetInfo } from '../../types/resources';

const KIND_TITLES: Record<string, string> = {
  gauge: 'Gauges',
  rate: 'Rates',
  ratio: 'Ratios',
  gc: 'Garbage collection',
  slope: 'Leak slopes',
};

/** ALL_TARGETS_LABEL names the selection of every target, which the query stores as an empty list. */
export const ALL_TARGETS_LABEL = 'All targets';

/**
 * targetOptions offers "All targets", the targets the backend knows and the dashboard's
 * variables (as `$name`, expanded when the query runs).
 */
export function targetOptions(targets: TargetInfo[], variableNames: string[]): Array<ComboboxOption<string>> {
  return [
    { label: ALL_TARGETS_LABEL, value: ALL_TARGETS, description: 'Every configured target, now and later' },
    ...targets.map((t) => ({
      label: t.name,
      value: t.name,
      description: describeLabels(t.labels),
      group: 'Targets',
    })),
    ...variableNames.map((name) => ({ label: `$${name}`, value: `$${name}`, group: 'Template variables' })),
  ];
}

/** metricOptions offers the catalog grouped by kind, each with its unit and description. */
export function metricOptions(metrics: MetricInfo[]): Array<ComboboxOption<string>> {
  return metrics.map((m) => ({
    label: m.name,
    value: m.name,
    description: [m.description, m.unit && `unit: ${m.unit}`, m.formula && `= ${m.formula}`]
      .filter(Boolean)
      .join(' · '),
    group: KIND_TITLES[m.kind] ?? m.kind,
  }));
}

/**
 * selectedTargets turns the picked values into the query's list. Picking "All targets" clears
 * the list (empty means every target); picking a target after it drops it again.
 */
export function selectedTargets(previous: string[], values: string[]): string[] {
  if (values.includes(ALL_TARGETS) && !previous.includes(ALL_TARGETS)) {
    return [];
  }
  return values.filter((v) => v !== ALL_TARGETS);
}

function describeLabels(labels: Record<string, string> | undefined): string | undefined {
  const pairs = Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? pairs.join(', ') : undefined;
}
