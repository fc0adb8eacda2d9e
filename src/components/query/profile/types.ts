import { ComboboxOption } from '@grafana/ui';

import { ProfileQuery } from '../../../types/query';
import { ProfileTypeInfo } from '../../../types/resources';
import { ResourceState } from '../useResource';

/** ProfileRowProps are what every row of the profile query editor gets. */
export interface ProfileRowProps {
  query: ProfileQuery;
  /** change merges a patch into the query; run=false waits for the field to be left (text inputs). */
  change: (patch: Partial<ProfileQuery>, run?: boolean) => void;
  onRunQuery: () => void;
}

/** ProfileContext is what the editor knows beyond the query: the effective target and its types. */
export interface ProfileContext {
  /** target is the query's target, or the first configured one the backend reads when it names none. */
  target: string;
  targetChoices: Array<ComboboxOption<string>>;
  targetsState: ResourceState<unknown>;
  types: ResourceState<ProfileTypeInfo>;
  /** info describes the query's profile type, once the types are loaded. */
  info?: ProfileTypeInfo;
}
