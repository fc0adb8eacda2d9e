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

/**
 * ProfileTypeInfo is one entry of `GET resources/profile-types?target=<name>`: a profile type,
 * its sample types and what the data source holds of it for that target.
 */
export interface ProfileTypeInfo {
  /** type is what a profile query names in `profileType`, e.g. "heap". */
  type: string;
  /** storedAs is the type whose snapshots hold this type's data (allocs is read from heap snapshots). */
  storedAs: string;
  /** path is the endpoint under /debug/pprof/ the profile comes from. */
  path: string;
  /** sampleTypes are the profile's sample types, in their protobuf order. */
  sampleTypes: string[];
  /** defaultSampleType is what a query without a sample type reads. */
  defaultSampleType: string;
  /** cumulative types only grow while the process lives, so a query can ask for their delta over the range. */
  cumulative: boolean;
  /** defaultInterval is the collection interval when the data source sets none; absent when off by default. */
  defaultInterval?: string;
  /** collected tells whether the data source's schedule collects this type. */
  collected: boolean;
  /** snapshots is how many snapshots of this type are stored for the target. */
  snapshots: number;
}

/** SnapshotInfo is one entry of `GET resources/snapshots`: a stored profile snapshot, oldest first. */
export interface SnapshotInfo {
  /** time is when the snapshot was taken, in Unix milliseconds. */
  time: number;
  /** rawBytes is the size of the .pb.gz the target served. */
  rawBytes: number;
  /** pins are the names of the pins that keep this snapshot from retention. */
  pins: string[];
}

/** PinInfo is one entry of `GET resources/pins`: a named snapshot that retention keeps. */
export interface PinInfo {
  /** name is unique within the data source; a profile query's `baselinePin` names it. */
  name: string;
  /** target is the target the snapshot was taken from. */
  target: string;
  /** kind is the stored profile type of the snapshot, e.g. "heap". */
  kind: string;
  /** time is when the pinned snapshot was taken, in Unix milliseconds. */
  time: number;
  /** created is when the pin was made, in Unix milliseconds. */
  created: number;
}

/** NewPin is the body of `POST resources/pins`. */
export type NewPin = Pick<PinInfo, 'name' | 'target' | 'kind' | 'time'>;

/** ProbeInfo is the answer of `GET probe?target=`: what one saved target served, as Save & test probes it. */
export interface ProbeInfo {
  target: string;
  /** ok is true when the target serves MemStats (expvar or the heap trailer). */
  ok: boolean;
  source?: string;
  goroutines?: number;
  /** summary is the Save & test line of the target, e.g. "api: ok (MemStats via /debug/vars, 12 goroutines)". */
  summary: string;
  endpoints: Array<{ path: string; ok: boolean; detail: string }>;
}
