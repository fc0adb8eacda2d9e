import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, MetricFindValue, ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { from, Observable } from 'rxjs';

import type { DataSource } from './datasource';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { parseLabelFilter, VariableQuery } from './types/variables';

/** VariableApi is the part of the data source the variable support needs. */
export type VariableApi = Pick<DataSource, 'getTargets' | 'getMetrics' | 'getFunctions'>;

/** findValues lists a variable query's values from the backend's resources. */
export async function findValues(
  api: VariableApi,
  query: VariableQuery,
  replace: (text: string) => string = (t) => t
): Promise<MetricFindValue[]> {
  switch (query.kind) {
    case 'labelValues': {
      const label = replace(query.label ?? '').trim();
      const targets = await api.getTargets();
      const values = new Set(targets.map((t) => t.labels?.[label]).filter((v): v is string => Boolean(v)));
      return [...values].sort().map((text) => ({ text }));
    }
    case 'functions': {
      const target = replace(query.target ?? '').trim();
      if (target === '') {
        return [];
      }
      const fns = await api.getFunctions(target, replace(query.profileType ?? '') || 'heap');
      return fns.map((text) => ({ text }));
    }
    case 'metrics':
      return (await api.getMetrics()).map((m) => ({ text: m.name }));
    default: {
      const { pairs, error } = parseLabelFilter(replace(query.labelFilter ?? ''));
      if (error) {
        throw new Error(`label filter: ${error}`);
      }
      const targets = await api.getTargets();
      return targets.filter((t) => pairs.every(([k, v]) => t.labels?.[k] === v)).map((t) => ({ text: t.name }));
    }
  }
}

/**
 * PprofVariableSupport lets dashboards define variables over the configured targets (filtered
 * by label), their label values, the functions of a target's newest profile, and the metric
 * catalog.
 */
export class PprofVariableSupport extends CustomVariableSupport<DataSource, VariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly api: VariableApi) {
    super();
  }

  query(request: DataQueryRequest<VariableQuery>): Observable<DataQueryResponse> {
    const scopedVars: ScopedVars = request.scopedVars ?? {};
    const replace = (text: string) => getTemplateSrv().replace(text, scopedVars);
    const query = request.targets[0] ?? { refId: 'variable', kind: 'targets' };
    return from(findValues(this.api, query, replace).then((values) => ({ data: values })));
  }
}
