import { ComboboxOption } from '@grafana/ui';

import { ProfileQuery } from '../../../types/query';
import { PinInfo, ProfileTypeInfo } from '../../../types/resources';
import { formatTime } from './snapshots';

/** Baseline is what a profile query is diffed against; '' is no diff. */
export type Baseline = NonNullable<ProfileQuery['baseline']>;

/** DEFAULT_BASELINE_OFFSET is what choosing an offset baseline starts with, so the diff runs at once. */
export const DEFAULT_BASELINE_OFFSET = '1h';

/**
 * baselinePatch switches a query to another baseline. The values of the other kinds are
 * dropped, so a saved query never carries a pin or target it does not use.
 */
export function baselinePatch(query: ProfileQuery, next: Baseline): Partial<ProfileQuery> {
  return {
    baseline: next || undefined,
    baselineOffset: next === 'offset' ? (query.baselineOffset ?? DEFAULT_BASELINE_OFFSET) : undefined,
    baselinePin: next === 'pin' ? query.baselinePin : undefined,
    baselineTarget: next === 'target' ? query.baselineTarget : undefined,
  };
}

/**
 * pinOptions offers the pins a query can diff against: those of its target and of the
 * snapshot kind its type is stored as (allocs queries read heap snapshots, so heap pins).
 */
export function pinOptions(
  pins: PinInfo[],
  target: string,
  info: Pick<ProfileTypeInfo, 'type' | 'storedAs'> | undefined
): Array<ComboboxOption<string>> {
  const kinds = [info?.type, info?.storedAs].filter(Boolean);
  return pins
    .filter((p) => p.target === target && kinds.includes(p.kind))
    .map((p) => ({ label: p.name, value: p.name, description: formatTime(p.time) }));
}
