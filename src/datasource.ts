import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { interpolateTargets, interpolateText } from './templating';
import { PprofOptions } from './types/config';
import { DEFAULT_QUERY, PprofQuery, QueryType } from './types/query';
import { MetricInfo, TargetInfo } from './types/resources';

/**
 * DataSource is the browser side of the data source. Every query runs in the backend, which
 * reads its own store of scraped samples; this class only prepares queries and reads the
 * backend's resources for the editors.
 */
export class DataSource extends DataSourceWithBackend<PprofQuery, PprofOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<PprofOptions>) {
    super(instanceSettings);
  }

  getDefaultQuery(_: CoreApp): Partial<PprofQuery> {
    return { ...DEFAULT_QUERY, targets: [], metrics: [...(DEFAULT_QUERY.metrics ?? [])] };
  }

  applyTemplateVariables(query: PprofQuery, scopedVars: ScopedVars): PprofQuery {
    const templateSrv = getTemplateSrv();
    return {
      ...query,
      // Queries saved before they carried a type (e.g. through the HTTP API) are runtime queries.
      queryType: query.queryType ?? QueryType.Runtime,
      targets: interpolateTargets(query.targets, scopedVars, templateSrv),
      window: interpolateText(query.window, scopedVars, templateSrv),
    };
  }

  filterQuery(query: PprofQuery): boolean {
    return query.hide !== true;
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
}
