import React from 'react';
import { InlineFieldRow } from '@grafana/ui';

import { DEFAULT_PROFILE_TYPE } from '../../../types/query';
import { ProfileTypeInfo } from '../../../types/resources';
import { selectors } from '../../selectors';
import { ComboField } from '../fields';
import { ProfileContext, ProfileRowProps } from './types';

const s = selectors.query.profile;

/** SourceRow picks what is profiled: the target, the profile type and its sample type. */
export function SourceRow({ query, change, ctx }: ProfileRowProps & { ctx: ProfileContext }) {
  const { info, types } = ctx;
  const profileType = query.profileType || DEFAULT_PROFILE_TYPE;
  const typeChoices = types.value.map((t) => ({ label: t.type, value: t.type, description: describe(t) }));
  const sampleTypes = info?.sampleTypes ?? (query.sampleType ? [query.sampleType] : []);
  const notCollected =
    info && !info.collected && info.snapshots === 0
      ? `The data source does not collect ${info.type} profiles: enable them in its settings`
      : undefined;

  const pickType = (type: string | undefined) => {
    const next = types.value.find((t) => t.type === type);
    // Sample types and the delta belong to the type: carry over neither to one that lacks them.
    change({
      profileType: type,
      sampleType: next?.defaultSampleType,
      delta: next?.cumulative && query.delta ? true : undefined,
    });
  };

  return (
    <InlineFieldRow>
      <ComboField
        id={`pprof-profile-target-${query.refId}`}
        label={s.target}
        tooltip="The target whose stored profiles are shown; empty means the first configured target."
        options={ctx.targetChoices}
        value={ctx.target || undefined}
        loading={ctx.targetsState.loading}
        error={ctx.targetsState.error && `Could not load the targets: ${ctx.targetsState.error}`}
        custom
        onChange={(target) => change({ target })}
      />
      <ComboField
        id={`pprof-profile-type-${query.refId}`}
        label={s.profileType}
        tooltip="Which pprof profile to show. allocs is read from the heap snapshots."
        options={typeChoices}
        value={profileType}
        loading={types.loading}
        error={(types.error && `Could not load the profile types: ${types.error}`) || notCollected}
        onChange={pickType}
      />
      <ComboField
        id={`pprof-sample-type-${query.refId}`}
        label={s.sampleType}
        tooltip="Which value of the samples to show; only the sample types of the profile type are offered."
        options={sampleTypes.map((t) => ({ label: t, value: t }))}
        value={query.sampleType || info?.defaultSampleType}
        loading={types.loading}
        onChange={(sampleType) => change({ sampleType })}
      />
    </InlineFieldRow>
  );
}

function describe(t: ProfileTypeInfo): string {
  const collected = t.collected ? 'collected' : 'not collected';
  return `${collected} · ${t.snapshots} snapshot${t.snapshots === 1 ? '' : 's'} stored${t.cumulative ? ' · cumulative' : ''}`;
}
