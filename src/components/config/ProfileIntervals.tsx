import React from 'react';

import { PprofOptions, SCHEDULED_PROFILE_TYPES, ScheduledProfileType } from '../../types/config';
import { selectors } from '../selectors';
import { TextSetting } from './fields';
import { scheduleError } from './validation';

interface Props {
  intervals: PprofOptions['profileIntervals'];
  onChange: (intervals: PprofOptions['profileIntervals']) => void;
}

/**
 * ProfileIntervals edits the collection interval of each scheduled profile type. A blank field
 * keeps the type's default; the map is dropped once no type overrides it.
 */
export function ProfileIntervals({ intervals, onChange }: Props) {
  const set = (type: ScheduledProfileType, value: string | undefined) => {
    const next = { ...intervals };
    if (value === undefined) {
      delete next[type];
    } else {
      next[type] = value;
    }
    onChange(Object.keys(next).length > 0 ? next : undefined);
  };

  return (
    <>
      {SCHEDULED_PROFILE_TYPES.map(({ type, defaultInterval }) => (
        <TextSetting
          key={type}
          id={`pprof-profile-interval-${type}`}
          label={selectors.config.profiles.interval(type)}
          tooltip={`How often the ${type} profile is fetched from every target (default ${defaultInterval}), or "off".`}
          value={intervals?.[type]}
          placeholder={defaultInterval}
          error={scheduleError(intervals?.[type])}
          onChange={(value) => set(type, value)}
        />
      ))}
    </>
  );
}
