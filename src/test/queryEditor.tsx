import React, { useState } from 'react';
import { configure, render } from '@testing-library/react';
import { DataSourceInstanceSettings, TimeRange, dateTime } from '@grafana/data';

import { QueryEditor } from '../components/QueryEditor';
import { DataSource } from '../datasource';
import { PprofOptions } from '../types/config';
import { PprofQuery } from '../types/query';
import { MetricInfo, PinInfo, ProfileTypeInfo, TargetInfo } from '../types/resources';

// The editors render many Comboboxes; on a loaded CI machine a menu can take over a second to open.
configure({ asyncUtilTimeout: 5000, defaultHidden: true });

export const TARGETS: TargetInfo[] = [
  { name: 'api', labels: { env: 'prod' } },
  { name: 'worker', labels: {} },
];

export const METRICS: MetricInfo[] = [
  {
    name: 'heap_inuse',
    unit: 'bytes',
    description: 'Bytes in in-use heap spans.',
    formula: 'HeapInuse',
    kind: 'gauge',
  },
  {
    name: 'heap_slope',
    unit: 'Bps',
    description: 'Growth of the heap over the window.',
    formula: 'slope(heap_inuse)',
    kind: 'slope',
  },
];

const heapSamples = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'];

/** PROFILE_TYPES is what the backend lists for a target: heap collected, CPU not, allocs read from heap. */
export const PROFILE_TYPES: ProfileTypeInfo[] = [
  {
    type: 'heap',
    storedAs: 'heap',
    path: 'heap',
    sampleTypes: heapSamples,
    defaultSampleType: 'inuse_space',
    cumulative: false,
    defaultInterval: '60s',
    collected: true,
    snapshots: 42,
  },
  {
    type: 'allocs',
    storedAs: 'heap',
    path: 'allocs',
    sampleTypes: heapSamples,
    defaultSampleType: 'alloc_space',
    cumulative: true,
    collected: true,
    snapshots: 42,
  },
  {
    type: 'block',
    storedAs: 'block',
    path: 'block',
    sampleTypes: ['contentions', 'delay'],
    defaultSampleType: 'delay',
    cumulative: true,
    defaultInterval: '5m',
    collected: true,
    snapshots: 3,
  },
  {
    type: 'cpu',
    storedAs: 'cpu',
    path: 'profile',
    sampleTypes: ['samples', 'cpu'],
    defaultSampleType: 'cpu',
    cumulative: true,
    collected: false,
    snapshots: 0,
  },
];

/** RANGE is a panel range of one hour, 2026-01-02 14:00 to 15:00 UTC. */
export const RANGE: TimeRange = (() => {
  const from = dateTime(Date.UTC(2026, 0, 2, 14));
  const to = dateTime(Date.UTC(2026, 0, 2, 15));
  return { from, to, raw: { from, to } };
})();

/** PINS are pins of two targets and two kinds, so filtering by both shows. */
export const PINS: PinInfo[] = [
  { name: 'before-release', target: 'api', kind: 'heap', time: Date.UTC(2026, 0, 1, 12), created: 0 },
  { name: 'worker-baseline', target: 'worker', kind: 'heap', time: Date.UTC(2026, 0, 1, 12), created: 0 },
  { name: 'api-block', target: 'api', kind: 'block', time: Date.UTC(2026, 0, 1, 12), created: 0 },
];

/** makeDataSource is a data source whose resource methods answer with fixtures, as jest.fn so calls can be checked. */
export function makeDataSource() {
  const ds = new DataSource({ uid: 'pprof-uid', jsonData: {} } as DataSourceInstanceSettings<PprofOptions>);
  ds.getTargets = jest.fn().mockResolvedValue(TARGETS);
  ds.getMetrics = jest.fn().mockResolvedValue(METRICS);
  ds.getProfileTypes = jest.fn().mockResolvedValue(PROFILE_TYPES);
  ds.getSnapshots = jest.fn().mockResolvedValue([]);
  ds.getPins = jest.fn().mockResolvedValue(PINS);
  ds.createPin = jest.fn().mockResolvedValue(undefined);
  ds.getGoroutineStates = jest.fn().mockResolvedValue(['running', 'runnable', 'chan receive', 'select', 'IO wait']);
  return ds;
}

/**
 * renderEditor renders the query editor the way Grafana does: every change is fed back as the
 * new query. lastQuery is typed as the initial query's type, which is what the editor under
 * test emits unless the test switches the type.
 */
export function renderEditor<Q extends PprofQuery>(
  initial: Q,
  datasource = makeDataSource(),
  range: TimeRange | undefined = RANGE
) {
  const onChange = jest.fn<void, [PprofQuery]>();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState<PprofQuery>(initial);
    const change = (next: PprofQuery) => {
      onChange(next);
      setQuery(next);
    };
    return (
      <QueryEditor datasource={datasource} query={query} range={range} onChange={change} onRunQuery={onRunQuery} />
    );
  }
  render(<Harness />);
  const lastQuery = () => onChange.mock.calls[onChange.mock.calls.length - 1][0] as Q;
  return { datasource, onChange, onRunQuery, lastQuery };
}
