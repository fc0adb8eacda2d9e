import React from 'react';
import { ConfigSubSection } from '@grafana/plugin-ui';

import {
  DEFAULT_CPU_PROFILE_SECONDS,
  DEFAULT_GOROUTINE_DUMP_CEILING,
  DEFAULT_GOROUTINE_DUMP_INTERVAL,
  DEFAULT_MAX_PROFILE_BYTES,
  DEFAULT_SNAPSHOT_FULL_RESOLUTION,
  DEFAULT_SNAPSHOT_MAX_BYTES,
  MAX_CPU_PROFILE_SECONDS,
} from '../../types/config';
import { selectors } from '../selectors';
import { IntegerSetting, MiBField, TextSetting } from './fields';
import { ConfigProps, updateJsonData } from './options';
import { ProfileIntervals } from './ProfileIntervals';
import { cpuIntervalError, cpuSecondsError, durationError, positiveIntegerError, scheduleError } from './validation';

const s = selectors.config.profiles;

/** ProfilesSection edits the profile and goroutine-dump schedules and the snapshot store's limits. */
export function ProfilesSection(props: ConfigProps) {
  const { jsonData } = props.options;
  const set = (patch: Parameters<typeof updateJsonData>[1]) => updateJsonData(props, patch);
  const seconds = jsonData.cpuProfileSeconds ?? DEFAULT_CPU_PROFILE_SECONDS;

  return (
    <ConfigSubSection title={s.section}>
      <ProfileIntervals
        intervals={jsonData.profileIntervals}
        onChange={(profileIntervals) => set({ profileIntervals })}
      />
      <TextSetting
        id="pprof-cpu-interval"
        label={s.cpuInterval}
        tooltip="CPU profiles are off unless scheduled here: every interval each target profiles its CPU for the profile length, one profile at a time."
        value={jsonData.cpuProfileInterval}
        placeholder="off"
        error={cpuIntervalError(jsonData.cpuProfileInterval, seconds)}
        onChange={(cpuProfileInterval) => set({ cpuProfileInterval })}
      />
      <IntegerSetting
        id="pprof-cpu-seconds"
        label={s.cpuSeconds}
        tooltip={`How long each CPU profile runs, at most ${MAX_CPU_PROFILE_SECONDS} s.`}
        value={jsonData.cpuProfileSeconds}
        placeholder={DEFAULT_CPU_PROFILE_SECONDS}
        suffix="s"
        error={cpuSecondsError(jsonData.cpuProfileSeconds, MAX_CPU_PROFILE_SECONDS)}
        onChange={(cpuProfileSeconds) => set({ cpuProfileSeconds })}
      />
      <TextSetting
        id="pprof-dump-interval"
        label={s.dumpInterval}
        tooltip='How often the goroutine?debug=2 dump (wait times, creators) is taken, or "off". The dump stops the service while it is written, so keep it slow.'
        value={jsonData.goroutineDumpInterval}
        placeholder={DEFAULT_GOROUTINE_DUMP_INTERVAL}
        error={scheduleError(jsonData.goroutineDumpInterval)}
        onChange={(goroutineDumpInterval) => set({ goroutineDumpInterval })}
      />
      <IntegerSetting
        id="pprof-dump-ceiling"
        label={s.dumpCeiling}
        tooltip="No debug=2 dump is taken while a target's last goroutine count is above this; the skip is reported in Save & test and in the panels."
        value={jsonData.goroutineDumpCeiling}
        placeholder={DEFAULT_GOROUTINE_DUMP_CEILING}
        error={positiveIntegerError(jsonData.goroutineDumpCeiling)}
        onChange={(goroutineDumpCeiling) => set({ goroutineDumpCeiling })}
      />
      <MiBField
        id="pprof-max-profile"
        label={s.maxProfileMiB}
        tooltip="Largest decompressed profile read; a bigger one (e.g. a gzip bomb) is refused before it is read to the end."
        bytes={jsonData.maxProfileBytes}
        defaultBytes={DEFAULT_MAX_PROFILE_BYTES}
        onChange={(maxProfileBytes) => set({ maxProfileBytes })}
      />
      <TextSetting
        id="pprof-full-resolution"
        label={s.fullResolution}
        tooltip="How long every snapshot is kept; older ones are thinned to one per hour up to the retention. Pinned snapshots are always kept."
        value={jsonData.snapshotFullResolution}
        placeholder={DEFAULT_SNAPSHOT_FULL_RESOLUTION}
        error={durationError(jsonData.snapshotFullResolution)}
        onChange={(snapshotFullResolution) => set({ snapshotFullResolution })}
      />
      <MiBField
        id="pprof-snapshot-max"
        label={s.snapshotMaxMiB}
        tooltip="Largest size the profile snapshot store may grow to on disk."
        bytes={jsonData.snapshotMaxBytes}
        defaultBytes={DEFAULT_SNAPSHOT_MAX_BYTES}
        onChange={(snapshotMaxBytes) => set({ snapshotMaxBytes })}
      />
    </ConfigSubSection>
  );
}
