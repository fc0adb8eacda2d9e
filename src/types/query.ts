import {
  AnnotationsQuery,
  DEFAULT_GROWING_SNAPSHOTS,
  DEFAULT_MAX_NODES,
  DEFAULT_METRIC,
  DEFAULT_PROFILE_TYPE,
  DEFAULT_STALE_THRESHOLD,
  DEFAULT_TOP_N,
  GoroutinesQuery,
  ProfileQuery,
  QueryType,
  RuntimeQuery,
  SuspectsQuery,
} from './query.gen';

export {
  DEFAULT_GROWING_SNAPSHOTS,
  DEFAULT_MAX_NODES,
  DEFAULT_METRIC,
  DEFAULT_PROFILE_TYPE,
  DEFAULT_STALE_THRESHOLD,
  DEFAULT_TOP_N,
  QueryType,
};
export type { AnnotationsQuery, GoroutinesQuery, ProfileQuery, RuntimeQuery, SuspectsQuery };

/**
 * PprofQuery is every query this data source understands, discriminated on `queryType`.
 * Each member comes from the generated Go model, so the union grows with the backend.
 */
export type PprofQuery = RuntimeQuery | ProfileQuery | SuspectsQuery | GoroutinesQuery | AnnotationsQuery;

/** QueryOf is the member of PprofQuery with that query type. */
export type QueryOf<T extends QueryType> = Extract<PprofQuery, { queryType: T }>;

/** DEFAULT_QUERY is what a new panel starts with: heap in use of every target. */
export const DEFAULT_QUERY: Readonly<Omit<RuntimeQuery, 'refId'>> = {
  queryType: QueryType.Runtime,
  targets: [],
  metrics: [DEFAULT_METRIC],
};

/** DEFAULT_ANNOTATION_EVENTS are what an annotation marks by default; GC cycles are dense and opt-in. */
export const DEFAULT_ANNOTATION_EVENTS: readonly string[] = ['restarts', 'skippedDumps', 'pins'];

/** DEFAULT_SAMPLE_TYPE is the sample type of the default heap profile query. */
export const DEFAULT_SAMPLE_TYPE = 'inuse_space';

/** ALL_TARGETS is the target selector the backend reads as "every configured target". */
export const ALL_TARGETS = '*';

/**
 * defaultQueryOf is what a query switched to another type starts with. Single-target types
 * name the first target (what the backend reads when none is named) so the editor shows it;
 * everything else is left to the backend's defaults, which the editors show as placeholders.
 */
export function defaultQueryOf<T extends QueryType>(queryType: T, firstTarget?: string): Omit<QueryOf<T>, 'refId'> {
  const defaults: { [K in QueryType]: Omit<QueryOf<K>, 'refId'> } = {
    [QueryType.Runtime]: { ...DEFAULT_QUERY, targets: [], metrics: [DEFAULT_METRIC] },
    [QueryType.Profile]: {
      queryType: QueryType.Profile,
      target: firstTarget,
      profileType: DEFAULT_PROFILE_TYPE,
      sampleType: DEFAULT_SAMPLE_TYPE,
      output: 'flamegraph',
    },
    [QueryType.Suspects]: { queryType: QueryType.Suspects, target: firstTarget, by: 'function', output: 'table' },
    [QueryType.Goroutines]: { queryType: QueryType.Goroutines, targets: [], output: 'states' },
    [QueryType.Annotations]: {
      queryType: QueryType.Annotations,
      targets: [],
      events: [...DEFAULT_ANNOTATION_EVENTS],
    },
  };
  const query = defaults[queryType] as Omit<QueryOf<T>, 'refId'> & { target?: string };
  if ('target' in query && query.target === undefined) {
    delete query.target;
  }
  return query;
}
