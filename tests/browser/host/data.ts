import { useEffect, useState } from 'react';
import {
  applyFieldOverrides,
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  dateTime,
  FieldColorModeId,
  FieldConfigSource,
  TimeRange,
} from '@grafana/data';
import { config } from '@grafana/runtime';
import { DataQuery } from '@grafana/schema';
import { lastValueFrom, Observable } from 'rxjs';

import type { PprofQuery } from '../../../src/types/query';

/** QueryRunner is the part of the plugin's DataSource class a panel runs queries with. */
/** HEAP_PROFILE_QUERY is alpha's heap flame graph, which the profile editor and panels show. */
export const HEAP_PROFILE_QUERY = {
  refId: 'A',
  queryType: 'profile',
  target: 'alpha',
  profileType: 'heap',
  sampleType: 'inuse_space',
  output: 'flamegraph',
} as PprofQuery;

export interface QueryRunner {
  query(request: DataQueryRequest<PprofQuery>): Observable<DataQueryResponse> | Promise<DataQueryResponse>;
}

/** rangeSince is the panel time range from `from` (Unix ms) to now. */
export function rangeSince(from: number): TimeRange {
  const to = dateTime();
  return { from: dateTime(from), to, raw: { from: dateTime(from), to: 'now' } };
}

/** request is the DataQueryRequest a dashboard panel sends for these queries. */
export function request<Q extends DataQuery>(
  targets: Q[],
  range: TimeRange,
  app = CoreApp.Dashboard
): DataQueryRequest<Q> {
  return {
    requestId: `host-${targets.map((t) => (t as { refId: string }).refId).join('-')}`,
    app,
    targets,
    range,
    interval: '1s',
    intervalMs: 1000,
    maxDataPoints: 600,
    scopedVars: {},
    timezone: 'utc',
    startTime: Date.now(),
  } as DataQueryRequest<Q>;
}

/**
 * processFrames does what Grafana's panel query runner does before a panel sees frames: give
 * fields the panel's defaults and attach display processors, so units such as bytes are
 * formatted and series colored the way a dashboard does it. The defaults are set on the fields
 * themselves: outside Grafana no field config registry would carry them from a FieldConfigSource.
 */
export function processFrames(frames: DataFrame[], custom: Record<string, unknown> = {}) {
  const withDefaults = frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) => ({
      ...field,
      config: {
        // Grafana's panels color series from the classic palette unless told otherwise.
        color: { mode: FieldColorModeId.PaletteClassic },
        ...field.config,
        custom: { ...custom, ...field.config.custom },
      },
    })),
  }));
  const fieldConfig: FieldConfigSource = { defaults: {}, overrides: [] };
  return applyFieldOverrides({
    data: withDefaults,
    fieldConfig,
    replaceVariables: (v) => v,
    theme: config.theme2,
    timeZone: 'utc',
  });
}

/** QueryState is a panel's answer: frames, or the error the backend or the request gave. */
export interface QueryState {
  frames?: DataFrame[];
  error?: string;
}

/** useQuery runs the queries once, as a dashboard panel does when it loads. */
export function useQuery(ds: QueryRunner, targets: PprofQuery[], range: TimeRange): QueryState {
  const [state, setState] = useState<QueryState>({});
  // The panel runs once per mount; the queries are constants of each view.
  const key = JSON.stringify(targets);
  useEffect(() => {
    let live = true;
    const answer = ds.query(request(targets, range));
    const done = answer instanceof Promise ? answer : lastValueFrom(answer);
    done.then(
      (res) => {
        if (!live) {
          return;
        }
        const error = res.errors?.map((e) => e.message ?? '').join('; ');
        setState(error ? { error } : { frames: res.data as DataFrame[] });
      },
      (err: Error) => live && setState({ error: String(err?.message ?? err) })
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ds, key]);
  return state;
}
