import { GoroutinesQuery } from '../../../types/query';

/** GoroutinesRowProps are what every row of the goroutines query editor gets. */
export interface GoroutinesRowProps {
  query: GoroutinesQuery;
  /** change merges a patch into the query; run=false waits for the field to be left (text inputs). */
  change: (patch: Partial<GoroutinesQuery>, run?: boolean) => void;
  onRunQuery: () => void;
}
