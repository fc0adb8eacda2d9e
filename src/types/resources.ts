/**
 * Shapes of the backend's resource endpoints (`/api/datasources/uid/<uid>/resources/<path>`),
 * used by the query editor to offer what the data source actually knows.
 */

/** TargetInfo is one entry of `GET resources/targets`: a configured target, without its URL. */
export interface TargetInfo {
  /** name is the target's unique name and the value of its `target` label. */
  name: string;
  /** labels are the extra labels configured for the target. */
  labels?: Record<string, string>;
}

/** MetricKind tells how a catalog metric is computed, and so which query options apply to it. */
export type MetricKind = 'gauge' | 'rate' | 'ratio' | 'gc' | 'slope';

/** MetricInfo is one entry of `GET resources/metrics`: the metric catalog. */
export interface MetricInfo {
  /** name is what a query lists in `metrics`, e.g. "heap_inuse". */
  name: string;
  /** unit is a Grafana unit id, e.g. "bytes", "short", "percentunit". */
  unit: string;
  /** description says what the metric shows, in one sentence. */
  description: string;
  /** formula says how it is derived from the scraped runtime values, e.g. "HeapInuse". */
  formula: string;
  /** kind is the metric's kind; an unknown future kind is passed through as a string. */
  kind: MetricKind | string;
}
