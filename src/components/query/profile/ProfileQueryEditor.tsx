import React, { useMemo } from 'react';

import { DEFAULT_PROFILE_TYPE, ProfileQuery } from '../../../types/query';
import { EditorProps } from '../types';
import { singleTargetOptions } from '../fields';
import { usePins, useProfileTypes, useSnapshots, useTargets } from '../useResource';
import { useVariableNames } from '../useVariableNames';
import { BaselineRow } from './BaselineRow';
import { FilterRow } from './FilterRow';
import { SnapshotActions } from './SnapshotActions';
import { SnapshotRow } from './SnapshotRow';
import { shownSnapshot } from './snapshots';
import { SourceRow } from './SourceRow';
import { ProfileContext } from './types';

/**
 * ProfileQueryEditor edits a `profile` query: which target, profile and sample type, which
 * snapshot, filters, output, and an optional diff baseline.
 */
export function ProfileQueryEditor({ query, datasource, onChange, onRunQuery, range }: EditorProps<ProfileQuery>) {
  const targets = useTargets(datasource);
  const variableNames = useVariableNames();
  // An empty target is the first configured one in the backend, so the editor shows that.
  const target = query.target || targets.value[0]?.name || '';
  const profileType = query.profileType || DEFAULT_PROFILE_TYPE;
  const types = useProfileTypes(datasource, target);
  const from = range?.from.valueOf();
  const to = range?.to.valueOf();
  const snapshots = useSnapshots(datasource, target, profileType, from, to);
  const pins = usePins(datasource);

  const targetChoices = useMemo(
    () => singleTargetOptions(targets.value, variableNames),
    [targets.value, variableNames]
  );
  const ctx: ProfileContext = {
    target,
    targetChoices,
    targetsState: targets,
    types,
    info: types.value.find((t) => t.type === profileType),
  };
  const change = (patch: Partial<ProfileQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const rowProps = { query, change, onRunQuery };

  return (
    <>
      <SourceRow {...rowProps} ctx={ctx} />
      <SnapshotRow {...rowProps} ctx={ctx} snapshots={snapshots} />
      <FilterRow {...rowProps} />
      <BaselineRow {...rowProps} ctx={ctx} pins={pins} />
      {/* Without a target (none configured yet) there is no snapshot to download or pin. */}
      {target && (
        <SnapshotActions
          refId={query.refId}
          datasource={datasource}
          ctx={ctx}
          profileType={profileType}
          at={query.at}
          shown={shownSnapshot(snapshots.value, query.at, to)}
          onPinned={pins.reload}
        />
      )}
    </>
  );
}
