import React from 'react';
import { DataFrame, TimeRange } from '@grafana/data';
import { FlameGraph } from '@grafana/flamegraph';
import { config } from '@grafana/runtime';
import { Alert, LegendDisplayMode, PanelChrome, Table, TimeSeries } from '@grafana/ui';

import type { PprofQuery } from '../../../src/types/query';
import { HEAP_PROFILE_QUERY, processFrames, QueryRunner, useQuery } from './data';

/**
 * Panels drawn by Grafana's published visualisation components from the frames the plugin's
 * DataSource returns; Grafana's own panel plugins wrap the same components.
 */

// The time series panel's defaults for a field, as Grafana's timeseries panel registers them.
const TIME_SERIES_DEFAULTS = {
  drawStyle: 'line',
  lineInterpolation: 'linear',
  lineWidth: 1,
  fillOpacity: 10,
  gradientMode: 'opacity',
  showPoints: 'never',
  pointSize: 4,
  spanNulls: false,
  axisPlacement: 'auto',
  axisBorderShow: false,
  axisCenteredZero: false,
  scaleDistribution: { type: 'linear' },
  stacking: { mode: 'none', group: 'A' },
  hideFrom: { legend: false, tooltip: false, viz: false },
  thresholdsStyle: { mode: 'off' },
};

const PANEL_HEIGHT = 320;

interface PanelProps {
  ds: QueryRunner;
  title: string;
  queries: PprofQuery[];
  range: TimeRange;
  width: number;
  height?: number;
  children: (frames: DataFrame[], width: number, height: number) => React.ReactNode;
}

/** Panel runs its queries and draws the answer inside Grafana's panel chrome. */
function Panel({ ds, title, queries, range, width, height = PANEL_HEIGHT, children }: PanelProps) {
  const { frames, error } = useQuery(ds, queries, range);
  return (
    <div data-testid={`panel ${title}`} data-state={error ? 'error' : frames ? 'done' : 'loading'}>
      <PanelChrome title={title} width={width} height={height} statusMessage={error}>
        {(w, h) =>
          error ? <Alert title="Query failed">{error}</Alert> : frames ? children(frames, w, h) : <div>Loading…</div>
        }
      </PanelChrome>
    </div>
  );
}

function timeSeries(range: TimeRange) {
  const Chart = (frames: DataFrame[], width: number, height: number) => (
    <TimeSeries
      frames={processFrames(frames, TIME_SERIES_DEFAULTS)}
      width={width}
      height={height}
      timeRange={range}
      timeZone="utc"
      legend={{ displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: [] }}
    />
  );
  return Chart;
}

function table() {
  const Chart = (frames: DataFrame[], width: number, height: number) =>
    frames.length > 0 ? <Table data={processFrames(frames)[0]} width={width} height={height} /> : <div>No data</div>;
  return Chart;
}

const HEAP_METRICS = ['heap_inuse', 'heap_idle', 'heap_released'];

/** DashboardView is a small dashboard: heap series per demo target, leak suspects, goroutine verdicts. */
export function DashboardView({ ds, range, width }: { ds: QueryRunner; range: TimeRange; width: number }) {
  const half = Math.floor((width - 8) / 2);
  const row = { display: 'flex', gap: 8, marginBottom: 8 } as const;
  return (
    <div>
      <div style={row}>
        {['alpha', 'beta'].map((target) => (
          <Panel
            key={target}
            ds={ds}
            title={`Heap of ${target}`}
            range={range}
            width={half}
            queries={[{ refId: 'A', queryType: 'runtime', targets: [target], metrics: HEAP_METRICS } as PprofQuery]}
          >
            {timeSeries(range)}
          </Panel>
        ))}
      </div>
      <div style={row}>
        <Panel
          ds={ds}
          title="Leak suspects of alpha"
          range={range}
          width={half}
          queries={[
            { refId: 'A', queryType: 'suspects', target: 'alpha', by: 'function', output: 'table' } as PprofQuery,
          ]}
        >
          {table()}
        </Panel>
        <Panel
          ds={ds}
          title="Goroutine leak verdicts"
          range={range}
          width={half}
          queries={[{ refId: 'A', queryType: 'goroutines', targets: [], output: 'verdicts' } as PprofQuery]}
        >
          {table()}
        </Panel>
      </div>
    </div>
  );
}

/** FlameGraphView is a flame graph panel of alpha's heap, or its diff against the range start. */
export function FlameGraphView(props: { ds: QueryRunner; range: TimeRange; width: number; diff: boolean }) {
  const query = { ...HEAP_PROFILE_QUERY, ...(props.diff ? { baseline: 'rangeStart' } : {}) } as PprofQuery;
  const title = props.diff ? 'Heap in use of alpha: now against the range start' : 'Heap in use of alpha';
  return (
    <Panel ds={props.ds} title={title} range={props.range} width={props.width} height={1000} queries={[query]}>
      {(frames, w, h) =>
        frames.length > 0 ? (
          <div style={{ width: w, height: h, overflow: 'auto' }}>
            {/* Uncollapsed and with the table under the graph, the demo's short stacks read best. */}
            <FlameGraph data={processFrames(frames)[0]} getTheme={() => config.theme2} vertical disableCollapsing />
          </div>
        ) : (
          <div>No data</div>
        )
      }
    </Panel>
  );
}
