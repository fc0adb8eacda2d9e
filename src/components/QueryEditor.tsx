import React, { ComponentType } from 'react';

import { PprofQuery, QueryType } from '../types/query';
import { RuntimeQueryEditor } from './query/RuntimeQueryEditor';
import { EditorProps } from './query/types';

/** editors selects the editor of each query type; a new type fails to compile until it has one. */
const editors: { [T in QueryType]: ComponentType<EditorProps<Extract<PprofQuery, { queryType: T }>>> } = {
  [QueryType.Runtime]: RuntimeQueryEditor,
};

/** QueryEditor shows the editor of the query's type. */
export function QueryEditor(props: EditorProps) {
  // Queries saved without a type (e.g. created through the API) are runtime queries, the
  // only type the backend had when they could have been written.
  const query: PprofQuery = { ...props.query, queryType: props.query.queryType ?? QueryType.Runtime };
  const Editor = editors[query.queryType];
  return <Editor {...props} query={query} />;
}
