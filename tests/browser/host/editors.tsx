import React, { ComponentType, useEffect, useState } from 'react';
import { CoreApp, DataFrame, DataQueryResponse, TimeRange } from '@grafana/data';
import { Alert, Stack, Text } from '@grafana/ui';
import { lastValueFrom, Observable } from 'rxjs';

import type { DataSource } from '../../../src/datasource';
import type { PprofQuery } from '../../../src/types/query';
import type { VariableQuery } from '../../../src/types/variables';
import { settingsFixture } from '../../../src/test/settings';
import { PluginModule } from './loader';
import { HEAP_PROFILE_QUERY, request } from './data';

/** The editors of the built plugin, each mounted with the props Grafana gives it. */

/** EDITOR_QUERIES are the queries the editor views open with, one per query type. */
export const EDITOR_QUERIES: Record<string, PprofQuery> = {
  runtime: { refId: 'A', queryType: 'runtime', targets: [], metrics: ['heap_inuse', 'heap_idle'] } as PprofQuery,
  profile: { ...HEAP_PROFILE_QUERY, baseline: 'rangeStart' } as PprofQuery,
  suspects: { refId: 'A', queryType: 'suspects', target: 'alpha', by: 'function', output: 'table' } as PprofQuery,
  goroutines: { refId: 'A', queryType: 'goroutines', targets: [], output: 'verdicts' } as PprofQuery,
  annotations: { refId: 'Anno', queryType: 'annotations', targets: [], events: ['restarts', 'pins'] } as PprofQuery,
};

function Titled({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Stack direction="column" gap={2}>
      <Text element="h2" variant="h4">
        {title}
      </Text>
      {children}
    </Stack>
  );
}

/** ConfigView is the data source's settings page with the settings the backend runs with. */
export function ConfigView({ plugin, jsonData }: { plugin: PluginModule['plugin']; jsonData: object }) {
  const ConfigEditor = plugin.components.ConfigEditor!;
  const [options, setOptions] = useState(() =>
    settingsFixture({ uid: 'browser-test', jsonData: jsonData as never, secureJsonFields: { bearerToken: true } })
  );
  return (
    <Titled title="Data source settings: Go pprof">
      <ConfigEditor options={options} onOptionsChange={setOptions} />
    </Titled>
  );
}

/** QueryEditorView is the panel editor's query row with one query type's editor. */
export function QueryEditorView(props: {
  plugin: PluginModule['plugin'];
  ds: DataSource;
  type: string;
  range: TimeRange;
}) {
  const QueryEditor = props.plugin.components.QueryEditor!;
  const [query, setQuery] = useState<PprofQuery>(EDITOR_QUERIES[props.type]);
  return (
    <Titled title={`Query editor: ${props.type}`}>
      <QueryEditor
        datasource={props.ds}
        query={query}
        onChange={setQuery}
        onRunQuery={() => {}}
        app={CoreApp.PanelEditor}
        range={props.range}
      />
    </Titled>
  );
}

/** AnnotationsEditorView is the dashboard's annotation settings with the plugin's annotation editor. */
export function AnnotationsEditorView({ ds, range }: { ds: DataSource; range: TimeRange }) {
  const Editor = ds.annotations?.QueryEditor;
  const [query, setQuery] = useState<PprofQuery>(EDITOR_QUERIES.annotations);
  if (!Editor) {
    return <Alert title="The data source has no annotations editor" />;
  }
  return (
    <Titled title="Annotation query">
      <Editor datasource={ds} query={query} onChange={setQuery} onRunQuery={() => {}} range={range} />
    </Titled>
  );
}

/** valuesOf reads a variable query's answer, which like Grafana's may be found values or a frame. */
function valuesOf(res: DataQueryResponse): string[] {
  const first = res.data[0] as DataFrame | { text: string } | undefined;
  if (first && 'fields' in first) {
    return (first.fields[0]?.values ?? []).map(String);
  }
  return (res.data as Array<{ text: string }>).map((v) => v.text);
}

type VariableEditorProps = {
  datasource: DataSource;
  query: VariableQuery;
  onChange: (q: VariableQuery) => void;
  onRunQuery: () => void;
};

/**
 * VariableEditorView is the variable settings page: the plugin's variable editor and, as
 * Grafana shows under it, a preview of the values the variable query returns.
 */
export function VariableEditorView({ ds, range }: { ds: DataSource; range: TimeRange }) {
  const support = ds.variables as unknown as
    | {
        editor: ComponentType<VariableEditorProps>;
        query: (r: ReturnType<typeof request<VariableQuery>>) => Observable<DataQueryResponse>;
      }
    | undefined;
  const [query, setQuery] = useState<VariableQuery>({ refId: 'variable', kind: 'targets', labelFilter: 'env=test' });
  const [values, setValues] = useState<string[] | undefined>();
  useEffect(() => {
    if (!support) {
      return;
    }
    lastValueFrom(support.query(request([query], range))).then((res) => setValues(valuesOf(res)));
  }, [support, query, range]);
  if (!support) {
    return <Alert title="The data source has no variable support" />;
  }
  const Editor = support.editor;
  return (
    <Titled title="Variable: target">
      <Editor datasource={ds} query={query} onChange={setQuery} onRunQuery={() => {}} />
      <Text element="h3" variant="h5">
        Preview of values
      </Text>
      <div data-testid="variable-values">{values === undefined ? 'Loading…' : values.join(', ') || 'No values'}</div>
    </Titled>
  );
}
