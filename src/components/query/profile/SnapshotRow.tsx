import React from 'react';
import { InlineField, InlineFieldRow, InlineSwitch } from '@grafana/ui';

import { SnapshotInfo } from '../../../types/resources';
import { selectors } from '../../selectors';
import { ResourceState } from '../useResource';
import { ComboField } from '../fields';
import { parseAt, snapshotOptions } from './snapshots';
import { ProfileContext, ProfileRowProps } from './types';

const s = selectors.query.profile;

interface Props extends ProfileRowProps {
  ctx: ProfileContext;
  snapshots: ResourceState<SnapshotInfo>;
}

/** SnapshotRow picks which snapshot is shown, or for a cumulative type the delta over the range. */
export function SnapshotRow({ query, change, ctx, snapshots }: Props) {
  const atError =
    query.at && !query.at.includes('$') && parseAt(query.at) === undefined
      ? 'Enter Unix milliseconds or an RFC 3339 time such as 2026-01-02T15:04:05Z'
      : undefined;
  return (
    <InlineFieldRow>
      <ComboField
        id={`pprof-snapshot-${query.refId}`}
        label={s.snapshot}
        tooltip="The stored snapshot nearest this time; empty shows the one nearest the end of the panel's range. Type a Unix millisecond or RFC 3339 time for another."
        options={snapshotOptions(snapshots.value)}
        value={query.at}
        placeholder="Nearest the end of the range"
        loading={snapshots.loading}
        error={atError ?? (snapshots.error && `Could not load the snapshots: ${snapshots.error}`)}
        width={32}
        custom
        clearable
        onChange={(at) => change({ at })}
      />
      {ctx.info?.cumulative && (
        <InlineField
          label={s.delta}
          labelWidth={20}
          tooltip="Show what accumulated between the snapshots nearest the start and the end of the range, like go tool pprof -base, instead of the totals since the process started."
        >
          <InlineSwitch
            id={`pprof-delta-${query.refId}`}
            aria-label={s.delta}
            value={Boolean(query.delta)}
            onChange={(e) => change({ delta: e.currentTarget.checked || undefined })}
          />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
