import React from 'react';
import { InlineField, Input } from '@grafana/ui';

/** CONFIG_LABEL_WIDTH is the label width of every config section. */
export const CONFIG_LABEL_WIDTH = 32;
const LABEL_WIDTH = CONFIG_LABEL_WIDTH;
const MIB = 1 << 20;

export interface MiBFieldProps {
  id: string;
  label: string;
  tooltip: string;
  bytes: number | undefined;
  defaultBytes: number;
  onChange: (bytes: number | undefined) => void;
}

/** MiBField edits a size stored in bytes, shown in MiB because nobody types 1073741824. */
export function MiBField({ id, label, tooltip, bytes, defaultBytes, onChange }: MiBFieldProps) {
  const error = bytes !== undefined && bytes <= 0 ? 'Must be greater than zero' : undefined;
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} invalid={Boolean(error)} error={error}>
      <Input
        id={id}
        type="number"
        min={0}
        value={bytes === undefined ? '' : bytes / MIB}
        placeholder={String(defaultBytes / MIB)}
        suffix="MiB"
        width={20}
        onChange={(e) => {
          const mib = numberOrUndefined(e.currentTarget.value);
          onChange(mib === undefined ? undefined : Math.round(mib * MIB));
        }}
      />
    </InlineField>
  );
}

/** emptyToUndefined drops a blank text, which leaves the setting to the backend's default. */
export function emptyToUndefined(value: string): string | undefined {
  return value.trim() === '' ? undefined : value;
}

/** numberOrUndefined reads a number input; blank or unreadable is no value. */
export function numberOrUndefined(value: string): number | undefined {
  if (value.trim() === '') {
    return undefined;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

interface TextSettingProps {
  id: string;
  label: string;
  tooltip: string;
  value: string | undefined;
  placeholder: string;
  error?: string;
  /** onChange gets undefined for a blank input, which leaves the setting to the backend's default. */
  onChange: (value: string | undefined) => void;
}

/** TextSetting edits a text setting such as a duration, with its validation message. */
export function TextSetting({ id, label, tooltip, value, placeholder, error, onChange }: TextSettingProps) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} invalid={Boolean(error)} error={error}>
      <Input
        id={id}
        value={value ?? ''}
        placeholder={placeholder}
        width={20}
        onChange={(e) => onChange(emptyToUndefined(e.currentTarget.value))}
      />
    </InlineField>
  );
}

interface IntegerSettingProps {
  id: string;
  label: string;
  tooltip: string;
  value: number | undefined;
  placeholder: number;
  suffix?: string;
  error?: string;
  onChange: (value: number | undefined) => void;
}

/** IntegerSetting edits a whole-number setting, with its validation message. */
export function IntegerSetting({
  id,
  label,
  tooltip,
  value,
  placeholder,
  suffix,
  error,
  onChange,
}: IntegerSettingProps) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} invalid={Boolean(error)} error={error}>
      <Input
        id={id}
        type="number"
        min={1}
        step={1}
        value={value ?? ''}
        placeholder={String(placeholder)}
        suffix={suffix}
        width={20}
        onChange={(e) => onChange(numberOrUndefined(e.currentTarget.value))}
      />
    </InlineField>
  );
}
