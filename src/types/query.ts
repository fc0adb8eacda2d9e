import { DEFAULT_METRIC, QueryType, RuntimeQuery } from './query.gen';

export { DEFAULT_METRIC, QueryType };
export type { RuntimeQuery };

/**
 * PprofQuery is every query this data source understands, discriminated on `queryType`.
 * Each member comes from the generated Go model, so the union grows with the backend.
 */
export type PprofQuery = RuntimeQuery;

/** DEFAULT_QUERY is what a new panel starts with: heap in use of every target. */
export const DEFAULT_QUERY: Readonly<Omit<RuntimeQuery, 'refId'>> = {
  queryType: QueryType.Runtime,
  targets: [],
  metrics: [DEFAULT_METRIC],
};

/** ALL_TARGETS is the target selector the backend reads as "every configured target". */
export const ALL_TARGETS = '*';
