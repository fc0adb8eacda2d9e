import React, { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  CoreApp,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceInstanceSettings,
  DataSourcePluginMeta,
  dateTime,
  PluginType,
} from '@grafana/data';

import { GlobalStyles } from '@grafana/ui';

import { ConfigEditor } from '../../../src/components/ConfigEditor';
import { QueryEditor } from '../../../src/components/QueryEditor';
import { DataSource } from '../../../src/datasource';
import { PprofOptions } from '../../../src/types/config';
import { PprofQuery } from '../../../src/types/query';
import { settingsFixture } from '../../../src/test/settings';
import { installGrafanaServices } from './grafana';

/**
 * The browser tests' page: the plugin's real config editor and query editor, and the real
 * DataSource class talking to the real backend through the test server. The current
 * settings, query and the summary of the last query response are printed as JSON so the
 * test can assert on what Grafana would save and receive.
 */

const params = new URLSearchParams(window.location.search);
const uid = 'browser-test';
const meta = {
  id: 'leakwatch-pprof-datasource',
  name: 'Go pprof',
  type: PluginType.datasource,
  info: { logos: { small: '', large: '' } },
  module: '',
  baseUrl: '',
} as unknown as DataSourcePluginMeta<PprofOptions>;

// Settings as Grafana's boot data carries them; the deprecated numeric id is left out.
const instanceSettings = {
  uid,
  type: meta.id,
  name: 'Go pprof',
  meta,
  access: 'proxy',
  readOnly: false,
  jsonData: {},
} as unknown as DataSourceInstanceSettings<PprofOptions>;

installGrafanaServices(instanceSettings, { target: (params.get('target') ?? 'beta').split(',') });
const datasource = new DataSource(instanceSettings);

/** FrameSummary is what the tests read of each returned frame. */
interface FrameSummary {
  name?: string;
  type?: string;
  fields: Array<{ name: string; labels?: Record<string, string>; unit?: string }>;
  rows: number;
  notices: string[];
}

function summarize(res: DataQueryResponse) {
  return {
    error: res.errors?.map((e) => e.message ?? '').join('; ') || undefined,
    frames: res.data.map((f): FrameSummary => ({
      name: f.name,
      type: f.meta?.type,
      fields: f.fields.map((fld: { name: string; labels?: Record<string, string>; config: { unit?: string } }) => ({
        name: fld.name,
        labels: fld.labels,
        unit: fld.config.unit,
      })),
      rows: f.length,
      notices: (f.meta?.notices ?? []).map((n: { text: string }) => n.text),
    })),
  };
}

function QueryPane() {
  // A new panel starts with the data source's default query, as Grafana's panel editor does.
  const [query, setQuery] = useState<PprofQuery>(() => ({
    refId: 'A',
    ...(datasource.getDefaultQuery(CoreApp.PanelEditor) as Omit<PprofQuery, 'refId'>),
  }));
  const [runs, setRuns] = useState(0);
  // Each answer remembers the run it belongs to: until this run's arrives, no answer is shown, so
  // a test waiting for it cannot read the previous run's.
  const [answer, setAnswer] = useState<{ run: number; result: ReturnType<typeof summarize> } | undefined>();
  const result = answer?.run === runs ? answer.result : undefined;

  useEffect(() => {
    const to = dateTime();
    const request = {
      requestId: `run-${runs}`,
      app: CoreApp.PanelEditor,
      targets: [query],
      range: { from: dateTime(to.valueOf() - 5 * 60_000), to, raw: { from: 'now-5m', to: 'now' } },
      interval: '1s',
      intervalMs: 1000,
      maxDataPoints: 300,
      scopedVars: {},
      timezone: 'utc',
      startTime: Date.now(),
    } as DataQueryRequest<PprofQuery>;
    const sub = datasource.query(request).subscribe({
      next: (res) => setAnswer({ run: runs, result: summarize(res as DataQueryResponse) }),
      error: (err: Error) => setAnswer({ run: runs, result: { error: String(err.message ?? err), frames: [] } }),
    });
    return () => sub.unsubscribe();
    // The panel runs when onRunQuery is called, not on every keystroke.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs]);

  const onRunQuery = useCallback(() => setRuns((n) => n + 1), []);
  return (
    <section aria-label="Query editor pane">
      <QueryEditor
        datasource={datasource}
        query={query}
        onChange={setQuery}
        onRunQuery={onRunQuery}
        app={CoreApp.PanelEditor}
      />
      <pre hidden data-testid="query">
        {JSON.stringify(query)}
      </pre>
      <pre hidden data-testid="runs">
        {runs}
      </pre>
      <pre hidden data-testid="result">
        {result ? JSON.stringify(result) : ''}
      </pre>
    </section>
  );
}

function ConfigPane() {
  const [options, setOptions] = useState(() => settingsFixture({ uid }));
  return (
    <section aria-label="Config editor pane">
      <ConfigEditor options={options} onOptionsChange={setOptions} />
      <pre hidden data-testid="options">
        {JSON.stringify(options)}
      </pre>
    </section>
  );
}

const pane = params.get('pane');
createRoot(document.getElementById('root')!).render(
  <>
    <GlobalStyles />
    {pane === 'config' ? <ConfigPane /> : <QueryPane />}
  </>
);
