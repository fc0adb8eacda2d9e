import { useCallback, useEffect, useState } from 'react';

import { DataSource } from '../../datasource';
import { MetricInfo, TargetInfo } from '../../types/resources';

/** ResourceState is what an editor needs to show a list loaded from the backend. */
export interface ResourceState<T> {
  value: T[];
  loading: boolean;
  error?: string;
}

function useResource<T>(load: () => Promise<T[]>): ResourceState<T> {
  // The answer is stored with the loader that produced it: while it belongs to an older
  // loader (another data source), the list is still loading.
  const [state, setState] = useState<{ load?: () => Promise<T[]>; value: T[]; error?: string }>({ value: [] });
  useEffect(() => {
    // The editor may unmount (or switch data source) before the request ends: a late answer
    // must not overwrite the state of whatever is shown now.
    let current = true;
    load()
      .then((value) => current && setState({ load, value }))
      .catch((err: unknown) => current && setState({ load, value: [], error: errorText(err) }));
    return () => {
      current = false;
    };
  }, [load]);
  const loading = state.load !== load;
  return { value: state.value, loading, error: loading ? undefined : state.error };
}

function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { data?: { message?: string }; message?: string };
    return e.data?.message ?? e.message ?? 'request failed';
  }
  return String(err);
}

/**
 * useTargets loads the configured target names from the backend, because the editor cannot
 * read other users' saved settings and the list must match what the backend scrapes.
 */
export function useTargets(datasource: Pick<DataSource, 'getTargets'>): ResourceState<TargetInfo> {
  const load = useCallback(() => datasource.getTargets(), [datasource]);
  return useResource(load);
}

/**
 * useMetrics loads the metric catalog from the backend, which owns the formulas: the editor
 * offers exactly the metrics the backend can compute, with their units and descriptions.
 */
export function useMetrics(datasource: Pick<DataSource, 'getMetrics'>): ResourceState<MetricInfo> {
  const load = useCallback(() => datasource.getMetrics(), [datasource]);
  return useResource(load);
}
