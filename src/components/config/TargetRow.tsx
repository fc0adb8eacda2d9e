import React, { useState } from 'react';
import { Field, IconButton, Input } from '@grafana/ui';

import { TargetConfig } from '../../types/config';
import { ProbeInfo } from '../../types/resources';
import { selectors } from '../selectors';
import { TargetTest } from './TargetTest';
import { TargetErrors, formatLabels, parseLabels } from './validation';

interface Props {
  index: number;
  target: TargetConfig;
  errors: TargetErrors;
  onChange: (target: TargetConfig) => void;
  onRemove: () => void;
  /** probe tests the target; undefined while the row is not saved as it is. */
  probe?: (name: string) => Promise<ProbeInfo>;
}

const s = selectors.config.targets;

/** TargetRow is one row of the targets table: a target's name, base URL, extra labels and test. */
export function TargetRow({ index, target, errors, onChange, onRemove, probe }: Props) {
  // Labels are typed as free text; the text is kept locally so that half-typed pairs
  // ("env=") survive re-renders while only the pairs that parse reach jsonData.
  const [labelsText, setLabelsText] = useState(() => formatLabels(target.labels));
  const [labelsError, setLabelsError] = useState<string | undefined>();

  // When the row is reused for another target (a row above was removed), or the labels
  // changed elsewhere, show the stored labels instead of stale text (adjusting state while
  // rendering, as React recommends over an effect).
  const [shownLabels, setShownLabels] = useState(target.labels);
  if (shownLabels !== target.labels) {
    setShownLabels(target.labels);
    if (formatLabels(parseLabels(labelsText).labels) !== formatLabels(target.labels)) {
      setLabelsText(formatLabels(target.labels));
      setLabelsError(undefined);
    }
  }

  const onLabelsChange = (text: string) => {
    const parsed = parseLabels(text);
    setLabelsText(text);
    setLabelsError(parsed.error);
    const labels = Object.keys(parsed.labels).length > 0 ? parsed.labels : undefined;
    if (formatLabels(labels) !== formatLabels(target.labels)) {
      onChange({ ...target, labels });
    }
  };

  const labelsMessage = labelsError ?? errors.labels;

  return (
    <tr>
      <td>
        <Field invalid={Boolean(errors.name)} error={errors.name} noMargin>
          <Input
            aria-label={s.name(index)}
            value={target.name}
            placeholder="api"
            width={20}
            onChange={(e) => onChange({ ...target, name: e.currentTarget.value })}
          />
        </Field>
      </td>
      <td>
        <Field invalid={Boolean(errors.url)} error={errors.url} noMargin>
          <Input
            aria-label={s.url(index)}
            title="The address under which the service serves /debug/vars and /debug/pprof/. Only the Grafana server contacts it."
            value={target.url}
            placeholder="http://my-service:6060"
            width={36}
            onChange={(e) => onChange({ ...target, url: e.currentTarget.value })}
          />
        </Field>
      </td>
      <td>
        <Field invalid={Boolean(labelsMessage)} error={labelsMessage} noMargin>
          <Input
            aria-label={s.labels(index)}
            title="Extra labels added to every series of this target, as key=value pairs separated by commas."
            value={labelsText}
            placeholder="env=prod, team=payments"
            width={32}
            onChange={(e) => onLabelsChange(e.currentTarget.value)}
          />
        </Field>
      </td>
      <td>
        <TargetTest index={index} name={target.name} probe={probe} />
      </td>
      <td>
        <IconButton name="trash-alt" tooltip={s.removeButton(index)} onClick={onRemove} />
      </td>
    </tr>
  );
}
