import React from 'react';
import { Combobox, ComboboxOption, InlineField, InlineLabel, Input, RadioButtonGroup } from '@grafana/ui';

/** LABEL_WIDTH is the label width shared by every query editor row. */
export const LABEL_WIDTH = 14;

interface ComboFieldProps {
  /** id must be unique on the page: the query's refId is part of it. */
  id: string;
  label: string;
  tooltip: string;
  options: Array<ComboboxOption<string>>;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  placeholder?: string;
  loading?: boolean;
  error?: string;
  width?: number;
  /** custom lets the user type a value the list does not offer, e.g. a `$variable` or a time. */
  custom?: boolean;
  clearable?: boolean;
}

/**
 * ComboField is a labelled single-value Combobox. Combobox renders no <label> of its own, so
 * the label is tied to it by id for screen readers and for the tests that find it by name.
 */
export function ComboField(p: ComboFieldProps) {
  const labelId = `${p.id}-label`;
  // Combobox does not show a value that arrives after it mounted empty (e.g. the first target,
  // once the targets are loaded): it is mounted afresh when the value appears or goes.
  const key = p.value === undefined ? 'empty' : 'set';
  const common = {
    id: p.id,
    'aria-labelledby': labelId,
    options: p.options,
    value: p.value ?? null,
    placeholder: p.placeholder,
    loading: p.loading,
    width: p.width ?? 24,
    createCustomValue: p.custom,
  };
  return (
    <InlineField
      label={
        <InlineLabel id={labelId} htmlFor={p.id} width={LABEL_WIDTH} tooltip={p.tooltip}>
          {p.label}
        </InlineLabel>
      }
      invalid={Boolean(p.error)}
      error={p.error}
    >
      {p.clearable ? (
        <Combobox key={key} {...common} isClearable onChange={(o) => p.onChange(o?.value || undefined)} />
      ) : (
        <Combobox key={key} {...common} onChange={(o) => p.onChange(o.value)} />
      )}
    </InlineField>
  );
}

interface RadioFieldProps<T> {
  label: string;
  tooltip: string;
  options: Array<{ label: string; value: T; description?: string }>;
  value: T;
  onChange: (value: T) => void;
}

/** RadioField is a labelled choice between a few fixed values. */
export function RadioField<T>({ label, tooltip, options, value, onChange }: RadioFieldProps<T>) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <RadioButtonGroup aria-label={label} options={options} value={value} onChange={onChange} />
    </InlineField>
  );
}

interface NumberFieldProps {
  id: string;
  label: string;
  tooltip: string;
  value: number | undefined;
  placeholder: number;
  /** onChange gets undefined for an empty input, which leaves the value to the backend's default. */
  onChange: (value: number | undefined) => void;
  onBlur: () => void;
  /** labelWidth widens the label for long names; the editors' common width otherwise. */
  labelWidth?: number;
}

/** NumberField edits a positive whole number such as a node cap or a top N. */
export function NumberField({
  id,
  label,
  tooltip,
  value,
  placeholder,
  onChange,
  onBlur,
  labelWidth,
}: NumberFieldProps) {
  const error =
    value !== undefined && !(Number.isInteger(value) && value > 0) ? 'Enter a whole number, at least 1' : '';
  return (
    <InlineField
      label={label}
      labelWidth={labelWidth ?? LABEL_WIDTH}
      tooltip={tooltip}
      invalid={Boolean(error)}
      error={error || undefined}
    >
      <Input
        id={id}
        type="number"
        min={1}
        step={1}
        value={value ?? ''}
        placeholder={String(placeholder)}
        width={12}
        onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))}
        onBlur={onBlur}
      />
    </InlineField>
  );
}

/** targetChoices offers the configured targets and the dashboard's variables as single targets. */
export function singleTargetOptions(
  targets: Array<{ name: string }>,
  variableNames: string[]
): Array<ComboboxOption<string>> {
  return [
    ...targets.map((t) => ({ label: t.name, value: t.name })),
    ...variableNames.map((name) => ({ label: `$${name}`, value: `$${name}`, group: 'Template variables' })),
  ];
}
