import React from 'react';
import { createRoot } from 'react-dom/client';
import { DataSourceInstanceSettings, DataSourcePluginMeta, PluginType } from '@grafana/data';
import { Alert, GlobalStyles } from '@grafana/ui';

import type { DataSource } from '../../../src/datasource';
import type { PprofOptions } from '../../../src/types/config';
import { installGrafanaServices } from '../harness/grafana';
import { rangeSince } from './data';
import { AnnotationsEditorView, ConfigView, EDITOR_QUERIES, QueryEditorView, VariableEditorView } from './editors';
import { loadPlugin, MODULE_URL, PluginModule, SHARED_MODULES } from './loader';
import { DashboardView, FlameGraphView } from './panels';

/**
 * The screenshot host: a page that loads the built plugin (dist/module.js) as Grafana does and
 * shows one view of it, chosen by `?view=` or window.showView: the config editor, a query
 * editor per type (`query-<type>`), the annotation and variable editors, a dashboard, a flame
 * graph or a diff flame graph. `from` (Unix ms) starts the panels' time range. The body carries
 * data-loaded once the plugin is loaded and data-view once a view is shown, and the page lists
 * the modules it supplies.
 */

const params = new URLSearchParams(window.location.search);
const from = Number(params.get('from') ?? Date.now() - 5 * 60_000);
const WIDTH = 1248;

const meta = {
  id: 'leakwatch-pprof-datasource',
  name: 'Go pprof',
  type: PluginType.datasource,
  info: { logos: { small: '', large: '' } },
  module: MODULE_URL,
  baseUrl: 'public/plugins/leakwatch-pprof-datasource',
} as unknown as DataSourcePluginMeta<PprofOptions>;

const instanceSettings = {
  uid: 'browser-test',
  type: meta.id,
  name: 'Go pprof',
  meta,
  access: 'proxy',
  readOnly: false,
  jsonData: {},
} as unknown as DataSourceInstanceSettings<PprofOptions>;

declare global {
  interface Window {
    /** showView replaces the shown view; the test switches views without reloading the plugin. */
    showView?: (name: string) => Promise<void>;
  }
}

async function viewOf(name: string, plugin: PluginModule['plugin'], ds: DataSource): Promise<React.ReactNode> {
  // The range ends now whenever a view is shown, as a dashboard's "now" does on refresh.
  const range = rangeSince(from);
  if (name === 'config') {
    const jsonData = await (await fetch('/settings.json')).json();
    return <ConfigView plugin={plugin} jsonData={jsonData} />;
  }
  const queryType = name.startsWith('query-') ? name.slice('query-'.length) : undefined;
  if (queryType && queryType in EDITOR_QUERIES) {
    return <QueryEditorView plugin={plugin} ds={ds} type={queryType} range={range} />;
  }
  switch (name) {
    case 'annotations':
      return <AnnotationsEditorView ds={ds} range={range} />;
    case 'variable':
      return <VariableEditorView ds={ds} range={range} />;
    case 'dashboard':
      return <DashboardView ds={ds} range={range} width={WIDTH} />;
    case 'flamegraph':
    case 'flamegraph-diff':
      return <FlameGraphView ds={ds} range={range} width={WIDTH} diff={name === 'flamegraph-diff'} />;
  }
  throw new Error(`unknown view ${JSON.stringify(name)}`);
}

async function main() {
  const root = createRoot(document.getElementById('root')!);
  const show = (name: string, node: React.ReactNode) =>
    root.render(
      <>
        <GlobalStyles />
        <pre hidden data-testid="shared-modules">
          {JSON.stringify(Object.keys(SHARED_MODULES))}
        </pre>
        {/* A new key per view mounts it afresh, so its queries run as on a page load. */}
        <div data-testid="view" key={name}>
          {node}
        </div>
      </>
    );
  try {
    installGrafanaServices(instanceSettings, { target: ['alpha'] });
    const { plugin } = await loadPlugin();
    const ds = new plugin.DataSourceClass(instanceSettings as never) as DataSource;
    window.showView = async (name: string) => {
      delete document.body.dataset.view;
      show(name, await viewOf(name, plugin, ds));
      document.body.dataset.view = name;
    };
    document.body.dataset.loaded = 'true';
    const first = params.get('view');
    if (first) {
      await window.showView(first);
    }
  } catch (err) {
    show('error', <Alert title="The plugin did not load">{String(err)}</Alert>);
    throw err;
  }
}

main();
