import React from 'react';
import { Checkbox, InlineField, InlineFieldRow, Stack } from '@grafana/ui';

import { AnnotationsQuery, DEFAULT_ANNOTATION_EVENTS, QueryType } from '../types/query';
import { EditorProps } from './query/types';
import { TargetsField } from './query/TargetsField';
import { LABEL_WIDTH } from './query/fields';
import { selectors } from './selectors';

/** ANNOTATION_EVENTS are the event kinds, in the order offered; GC cycles are dense and off by default. */
export const ANNOTATION_EVENTS = [
  { value: 'restarts', label: 'Process restarts' },
  { value: 'skippedDumps', label: 'Skipped goroutine dumps' },
  { value: 'pins', label: 'Pinned snapshots' },
  { value: 'gcCycles', label: 'GC cycles (one per cycle)' },
];

/** AnnotationsQueryEditor edits an annotation of this data source: which targets, which events. */
export function AnnotationsQueryEditor({ query, datasource, onChange }: EditorProps<AnnotationsQuery>) {
  const q: AnnotationsQuery = { ...query, queryType: QueryType.Annotations };
  const events = q.events?.length ? q.events : [...DEFAULT_ANNOTATION_EVENTS];
  const toggle = (event: string, on: boolean) =>
    onChange({ ...q, events: on ? [...events, event] : events.filter((e) => e !== event) });
  return (
    <>
      <InlineFieldRow>
        <TargetsField
          refId={q.refId || 'annotations'}
          datasource={datasource}
          labelWidth={LABEL_WIDTH}
          value={q.targets}
          onChange={(targets) => onChange({ ...q, targets })}
        />
      </InlineFieldRow>
      <InlineField label={selectors.annotations.events} labelWidth={LABEL_WIDTH}>
        <Stack direction="row" gap={2} alignItems="center">
          {ANNOTATION_EVENTS.map((e) => (
            <Checkbox
              key={e.value}
              label={e.label}
              value={events.includes(e.value)}
              onChange={(ev) => toggle(e.value, ev.currentTarget.checked)}
            />
          ))}
        </Stack>
      </InlineField>
    </>
  );
}
