import React from 'react';
import { createRoot } from 'react-dom/client';
import { DataSourceInstanceSettings, DataSourcePluginMeta, PluginType } from '@grafana/data';
import { Alert, GlobalStyles } from '@grafana/ui';

import type { DataSource } from '../../../src/datasource';
import type { PprofOptions } from '../../../src/types/config';
import { installGrafanaServices } from '../harness/grafana';
import { rangeSince } from './data';
import { AnnotationsEditorView, ConfigView, QueryEditorView, VariableEditorView } from './editors';
import { loadPlugin, MODULE_URL, SHARED_MODULES } from './loader';
import { DashboardView, FlameGraphView } from './panels';

/**
 * The screenshot host: a page that loads the built plugin (dist/module.js) as Grafana does and
 * shows one view of it, chosen by `?view=`: the config editor, a query editor per type
 * (`query-<type>`), the annotation and variable editors, a dashboard, a flame graph or a
 * diff flame graph. `from` (Unix ms) starts the panels' time range. The page marks itself
 * with data-loaded once the plugin is loaded, and lists the modules it supplies.
 */

const params = new URLSearchParams(window.location.search);
const view = params.get('view') ?? 'config';
const range = rangeSince(Number(params.get('from') ?? Date.now() - 5 * 60_000));
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

async function main() {
  const root = createRoot(document.getElementById('root')!);
  const show = (node: React.ReactNode) =>
    root.render(
      <>
        <GlobalStyles />
        <pre hidden data-testid="shared-modules">
          {JSON.stringify(Object.keys(SHARED_MODULES))}
        </pre>
        <div data-testid="view">{node}</div>
      </>
    );
  try {
    installGrafanaServices(instanceSettings, { target: ['alpha'] });
    const { plugin } = await loadPlugin();
    const ds = new plugin.DataSourceClass(instanceSettings as never) as DataSource;
    document.body.dataset.loaded = 'true';
    if (view === 'config') {
      const jsonData = await (await fetch('/settings.json')).json();
      show(<ConfigView plugin={plugin} jsonData={jsonData} />);
    } else if (view.startsWith('query-')) {
      show(<QueryEditorView plugin={plugin} ds={ds} type={view.slice('query-'.length)} range={range} />);
    } else if (view === 'annotations') {
      show(<AnnotationsEditorView ds={ds} range={range} />);
    } else if (view === 'variable') {
      show(<VariableEditorView ds={ds} range={range} />);
    } else if (view === 'dashboard') {
      show(<DashboardView ds={ds} range={range} width={WIDTH} />);
    } else if (view === 'flamegraph' || view === 'flamegraph-diff') {
      show(<FlameGraphView ds={ds} range={range} width={WIDTH} diff={view === 'flamegraph-diff'} />);
    } else {
      throw new Error(`unknown view ${JSON.stringify(view)}`);
    }
  } catch (err) {
    show(<Alert title="The plugin did not load">{String(err)}</Alert>);
    throw err;
  }
}

main();
