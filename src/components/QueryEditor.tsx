import React, { ComponentType } from 'react';
import { InlineField, InlineFieldRow, RadioButtonGroup } from '@grafana/ui';

import { PprofQuery, QueryOf, QueryType, defaultQueryOf } from '../types/query';
import { AnnotationsQueryEditor } from './AnnotationsQueryEditor';
import { GoroutinesQueryEditor } from './query/GoroutinesQueryEditor';
import { ProfileQueryEditor } from './query/profile/ProfileQueryEditor';
import { RuntimeQueryEditor } from './query/RuntimeQueryEditor';
import { SuspectsQueryEditor } from './query/SuspectsQueryEditor';
import { EditorProps } from './query/types';
import { selectors } from './selectors';

/** editors selects the editor of each query type; a new type fails to compile until it has one. */
const editors: { [T in QueryType]: ComponentType<EditorProps<QueryOf<T>>> } = {
  [QueryType.Runtime]: RuntimeQueryEditor,
  [QueryType.Profile]: ProfileQueryEditor,
  [QueryType.Suspects]: SuspectsQueryEditor,
  [QueryType.Goroutines]: GoroutinesQueryEditor,
  [QueryType.Annotations]: AnnotationsQueryEditor,
};

const QUERY_TYPES: Array<{ label: string; value: QueryType; description: string }> = [
  { label: 'Runtime', value: QueryType.Runtime, description: 'Heap, goroutines, GC and leak slopes over time' },
  {
    label: 'Profile',
    value: QueryType.Profile,
    description: 'A stored profile as a flame graph or top table, or a diff',
  },
  { label: 'Suspects', value: QueryType.Suspects, description: 'Functions whose in-use heap keeps growing' },
  { label: 'Goroutines', value: QueryType.Goroutines, description: 'Goroutine states, groups and leak verdicts' },
];

/** QueryEditor shows the query type picker and the editor of the query's type. */
export function QueryEditor(props: EditorProps) {
  // Queries saved without a type (e.g. created through the API) are runtime queries, the
  // only type the backend had when they could have been written.
  const query = { ...props.query, queryType: props.query.queryType ?? QueryType.Runtime } as PprofQuery;
  const Editor = editors[query.queryType] as ComponentType<EditorProps>;

  const switchType = async (queryType: QueryType) => {
    if (queryType === query.queryType) {
      return;
    }
    // The defaults name the first target explicitly, so a saved panel keeps showing it even
    // when targets are added in front of it later. Without targets the backend's default applies.
    const first = await props.datasource.getTargets().then(
      (targets) => targets[0]?.name,
      () => undefined
    );
    const { refId, datasource, hide, key } = query;
    props.onChange({ refId, datasource, hide, key, ...defaultQueryOf(queryType, first) } as PprofQuery);
    props.onRunQuery();
  };

  return (
    <>
      <InlineFieldRow>
        <InlineField label={selectors.query.queryType} labelWidth={14}>
          <RadioButtonGroup
            aria-label={selectors.query.queryType}
            options={QUERY_TYPES}
            value={query.queryType}
            onChange={switchType}
          />
        </InlineField>
      </InlineFieldRow>
      <Editor {...props} query={query} />
    </>
  );
}
