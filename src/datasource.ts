import { AnnotationSupport, CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, config, getBackendSrv, getTemplateSrv } from '@grafana/runtime';

import { interpolateRegex, interpolateTargets, interpolateText } from './templating';
import { PprofOptions } from './types/config';
import { DEFAULT_QUERY, PprofQuery, ProfileQuery, QueryType, defaultQueryOf } from './types/query';
import { AnnotationsQueryEditor } from './components/AnnotationsQueryEditor';
import { PprofVariableSupport } from './variables';
import { MetricInfo, NewPin, PinInfo, ProfileTypeInfo, SnapshotInfo, TargetInfo } from './types/resources';

/** SnapshotRef names one stored snapshot; without a time it is the newest one. */
export interface SnapshotRef {
  target: string;
  profileType: string;
  /** time is the snapshot's time in Unix milliseconds. */
  time?: number;
}

/**
 * DataSource is the browser side of the data source. Every query runs in the backend, which
 * reads its own store of scraped samples; this class only prepares queries and reads the
 * backend's resources for the editors.
 */
export class DataSource extends DataSourceWithBackend<PprofQuery, PprofOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<PprofOptions>) {
    super(instanceSettings);
    this.variables = new PprofVariableSupport(this);
    // Annotations are queries of type "annotations", answered by the backend like any other.
    this.annotations = {
      QueryEditor: AnnotationsQueryEditor as unknown as NonNullable<AnnotationSupport<PprofQuery>['QueryEditor']>,
      getDefaultQuery: () => defaultQueryOf(QueryType.Annotations),
    };
  }

  getDefaultQuery(_: CoreApp): Partial<PprofQuery> {
    return { ...DEFAULT_QUERY, targets: [], metrics: [...(DEFAULT_QUERY.metrics ?? [])] };
  }

  applyTemplateVariables(query: PprofQuery, scopedVars: ScopedVars): PprofQuery {
    const templateSrv = getTemplateSrv();
    const text = (value: string | undefined) => interpolateText(value, scopedVars, templateSrv);
    const regex = (value: string | undefined) => interpolateRegex(value, scopedVars, templateSrv);
    // Queries saved before they carried a type (e.g. through the HTTP API) are runtime queries.
    const q: PprofQuery = { ...query, queryType: query.queryType ?? QueryType.Runtime } as PprofQuery;
    switch (q.queryType) {
      case QueryType.Profile:
        return {
          ...q,
          target: text(q.target),
          baselineTarget: text(q.baselineTarget),
          baselineOffset: text(q.baselineOffset),
          at: text(q.at),
          focus: regex(q.focus),
          ignore: regex(q.ignore),
        };
      case QueryType.Suspects:
        return { ...q, target: text(q.target) };
      case QueryType.Goroutines:
        return {
          ...q,
          targets: interpolateTargets(q.targets, scopedVars, templateSrv),
          staleThreshold: text(q.staleThreshold),
        };
      case QueryType.Annotations:
        return { ...q, targets: interpolateTargets(q.targets, scopedVars, templateSrv) };
      default:
        return {
          ...q,
          targets: interpolateTargets(q.targets, scopedVars, templateSrv),
          window: interpolateText(q.window, scopedVars, templateSrv),
        };
    }
  }

  filterQuery(query: PprofQuery): boolean {
    if (query.hide === true) {
      return false;
    }
    // The editor runs the query on every change: a baseline whose value is not picked yet
    // would only flash an error, so the query waits until the baseline is complete.
    return query.queryType !== QueryType.Profile || baselineComplete(query);
  }

  /** getTargets lists the configured targets (names and labels, never URLs). */
  async getTargets(): Promise<TargetInfo[]> {
    const targets = await this.getResource<TargetInfo[] | null>('targets');
    return targets ?? [];
  }

  /** getMetrics lists the metric catalog the backend can compute. */
  async getMetrics(): Promise<MetricInfo[]> {
    const metrics = await this.getResource<MetricInfo[] | null>('metrics');
    return metrics ?? [];
  }

  /** getProfileTypes lists the profile types, with what is collected and stored for the target. */
  async getProfileTypes(target: string): Promise<ProfileTypeInfo[]> {
    const types = await this.getResource<ProfileTypeInfo[] | null>('profile-types', { target });
    return types ?? [];
  }

  /** getSnapshots lists the stored snapshots of a target's profile type in [from, to] (Unix ms), oldest first. */
  async getSnapshots(target: string, profileType: string, from: number, to: number): Promise<SnapshotInfo[]> {
    const snapshots = await this.getResource<SnapshotInfo[] | null>('snapshots', {
      target,
      type: profileType,
      from,
      to,
    });
    return snapshots ?? [];
  }

  /** getPins lists the pinned snapshots of every target. */
  async getPins(): Promise<PinInfo[]> {
    const pins = await this.getResource<PinInfo[] | null>('pins');
    return pins ?? [];
  }

  /** createPin pins a stored snapshot under a name, so retention keeps it. */
  async createPin(pin: NewPin): Promise<void> {
    await this.postResource('pins', pin);
  }

  /** deletePin removes a pin; its snapshot is left to retention again. */
  async deletePin(name: string): Promise<void> {
    await getBackendSrv().delete(this.resourceUrl('pins'), undefined, { params: { name } });
  }

  /** getFunctions lists the functions of a target's newest profile snapshot, largest flat first. */
  async getFunctions(target: string, profileType: string): Promise<string[]> {
    const fns = await this.getResource<string[] | null>('functions', { target, type: profileType });
    return fns ?? [];
  }

  /** getGoroutineStates lists the state buckets a goroutines query can filter on. */
  async getGoroutineStates(): Promise<string[]> {
    const states = await this.getResource<string[] | null>('goroutine-states');
    return states ?? [];
  }

  /** snapshotDownloadUrl is the address of a stored snapshot as a .pb.gz that `go tool pprof` opens. */
  snapshotDownloadUrl({ target, profileType, time }: SnapshotRef): string {
    const params = new URLSearchParams({ target, type: profileType });
    if (time !== undefined) {
      params.set('time', String(time));
    }
    return `${config.appSubUrl ?? ''}${this.resourceUrl('snapshot')}?${params.toString()}`;
  }

  private resourceUrl(path: string): string {
    return `/api/datasources/uid/${this.uid}/resources/${path}`;
  }
}

/** baselineComplete tells whether a profile query's baseline has the value its kind needs. */
export function baselineComplete(query: ProfileQuery): boolean {
  switch (query.baseline) {
    case 'offset':
      return Boolean(query.baselineOffset?.trim());
    case 'pin':
      return Boolean(query.baselinePin);
    case 'target':
      return Boolean(query.baselineTarget);
    default:
      return true;
  }
}
