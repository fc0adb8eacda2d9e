import { useCallback, useEffect, useState } from 'react';
import { getTemplateSrv } from '@grafana/runtime';

import { DataSource } from '../../datasource';
import { MetricInfo, PinInfo, ProfileTypeInfo, SnapshotInfo, TargetInfo } from '../../types/resources';

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

/** errorText is the message of a failed backend request: the backend's own message when it sent one. */
export function errorText(err: unknown): string {
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

const none = <T>(): Promise<T[]> => Promise.resolve([]);

/** resolveTarget expands a `$variable` target for a resource call, which templating never sees. */
function resolveTarget(target: string): string {
  return target.includes('$') ? getTemplateSrv().replace(target) : target;
}

/**
 * useProfileTypes loads the profile types with what the data source collects and stores for
 * the target, so the editor can offer only sample types that exist and say when nothing is
 * stored yet.
 */
export function useProfileTypes(
  datasource: Pick<DataSource, 'getProfileTypes'>,
  target: string
): ResourceState<ProfileTypeInfo> {
  const load = useCallback(
    () => (target ? datasource.getProfileTypes(resolveTarget(target)) : none<ProfileTypeInfo>()),
    [datasource, target]
  );
  return useResource(load);
}

/**
 * useSnapshots loads the stored snapshots of the panel's range, so the editor can offer their
 * times and link the download and the pin to the snapshot the query actually shows.
 */
export function useSnapshots(
  datasource: Pick<DataSource, 'getSnapshots'>,
  target: string,
  profileType: string,
  from: number | undefined,
  to: number | undefined
): ResourceState<SnapshotInfo> {
  const load = useCallback(
    () =>
      target && profileType && from !== undefined && to !== undefined
        ? datasource.getSnapshots(resolveTarget(target), profileType, from, to)
        : none<SnapshotInfo>(),
    [datasource, target, profileType, from, to]
  );
  return useResource(load);
}

/**
 * usePins loads the pinned snapshots; reload fetches them again after the editor made a pin,
 * because the backend, not the editor, decides what a pin is called and keeps.
 */
export function usePins(datasource: Pick<DataSource, 'getPins'>): ResourceState<PinInfo> & { reload: () => void } {
  const [version, setVersion] = useState(0);
  // version only forces a new loader, so that the list is fetched again.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const load = useCallback(() => datasource.getPins(), [datasource, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...useResource(load), reload };
}

/**
 * useGoroutineStates loads the state buckets the backend groups wait reasons into, so the
 * filter offers exactly the names the backend matches.
 */
export function useGoroutineStates(datasource: Pick<DataSource, 'getGoroutineStates'>): ResourceState<string> {
  const load = useCallback(() => datasource.getGoroutineStates(), [datasource]);
  return useResource(load);
}
