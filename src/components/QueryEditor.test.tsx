import React, { useState } from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CoreApp, DataSourceInstanceSettings } from '@grafana/data';

import { DataSource } from '../datasource';
import { PprofOptions } from '../types/config';
import { PprofQuery, QueryType } from '../types/query';
import { MetricInfo, TargetInfo } from '../types/resources';
import { installComboboxShims } from '../test/jsdomShims';
import { QueryEditor } from './QueryEditor';
import { selectors } from './selectors';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({
    getVariables: () => [{ name: 'service' }],
    replace: (text: string) => text,
  }),
}));

const TARGETS: TargetInfo[] = [
  { name: 'api', labels: { env: 'prod' } },
  { name: 'worker', labels: {} },
];

const METRICS: MetricInfo[] = [
  {
    name: 'heap_inuse',
    unit: 'bytes',
    description: 'Bytes in in-use heap spans.',
    formula: 'HeapInuse',
    kind: 'gauge',
  },
  {
    name: 'heap_slope',
    unit: 'Bps',
    description: 'Growth of the heap over the window.',
    formula: 'slope(heap_inuse)',
    kind: 'slope',
  },
];

beforeAll(installComboboxShims);

function makeDataSource() {
  const ds = new DataSource({ jsonData: {} } as DataSourceInstanceSettings<PprofOptions>);
  ds.getTargets = jest.fn().mockResolvedValue(TARGETS);
  ds.getMetrics = jest.fn().mockResolvedValue(METRICS);
  return ds;
}

/** renderEditor renders the editor the way Grafana does: every change is fed back as the new query. */
function renderEditor(initial: PprofQuery, datasource = makeDataSource()) {
  const onChange = jest.fn<void, [PprofQuery]>();
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    const change = (next: PprofQuery) => {
      onChange(next);
      setQuery(next);
    };
    return <QueryEditor datasource={datasource} query={query} onChange={change} onRunQuery={onRunQuery} />;
  }
  render(<Harness />);
  return { datasource, onChange, onRunQuery };
}

const user = userEvent.setup({ delay: null });
jest.setTimeout(20000);

describe('QueryEditor', () => {
  it('starts new queries with heap_inuse of every target', () => {
    const query = makeDataSource().getDefaultQuery(CoreApp.PanelEditor);

    expect(query).toEqual({ queryType: QueryType.Runtime, targets: [], metrics: ['heap_inuse'] });
  });

  it('offers the targets from the backend and the template variables', async () => {
    const { datasource } = renderEditor({ refId: 'A', queryType: QueryType.Runtime });
    await waitFor(() => expect(datasource.getTargets).toHaveBeenCalled());

    await user.click(screen.getByRole('combobox', { name: selectors.query.targets }));

    expect(await screen.findByRole('option', { name: /^api/ })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: /^worker/ })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: /^\$service/ })).toBeInTheDocument();
    expect(screen.getByRole('option', { name: /^All targets/ })).toBeInTheDocument();
    expect(screen.getByText('env=prod')).toBeInTheDocument();
  });

  it('offers the metric catalog with units and descriptions', async () => {
    const { datasource } = renderEditor({ refId: 'A', queryType: QueryType.Runtime });
    await waitFor(() => expect(datasource.getMetrics).toHaveBeenCalled());

    await user.click(screen.getByRole('combobox', { name: selectors.query.metrics }));

    expect(await screen.findByRole('option', { name: /^heap_slope/ })).toBeInTheDocument();
    expect(screen.getByText(/Growth of the heap over the window\. · unit: Bps/)).toBeInTheDocument();
    expect(screen.getByText('Leak slopes')).toBeInTheDocument();
  });

  it('runs the query with a picked metric', async () => {
    const { onChange, onRunQuery } = renderEditor({
      refId: 'A',
      queryType: QueryType.Runtime,
      metrics: ['heap_inuse'],
    });

    await user.click(screen.getByRole('combobox', { name: selectors.query.metrics }));
    await user.click(await screen.findByRole('option', { name: /^heap_slope/ }));

    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ metrics: ['heap_inuse', 'heap_slope'] }));
    expect(onRunQuery).toHaveBeenCalled();
    expect(onChange.mock.invocationCallOrder[0]).toBeLessThan(onRunQuery.mock.invocationCallOrder[0]);
  });

  it('stores "All targets" as an empty list', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: QueryType.Runtime, targets: ['api'] });

    await user.click(screen.getByRole('combobox', { name: selectors.query.targets }));
    await user.click(await screen.findByRole('option', { name: /^All targets/ }));

    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ targets: [] }));
  });

  it('accepts a typed /regex/ as a target', async () => {
    const { onChange } = renderEditor({ refId: 'A', queryType: QueryType.Runtime });

    await user.type(screen.getByRole('combobox', { name: selectors.query.targets }), '/api-.*/');
    await user.click(await screen.findByRole('option', { name: /^\/api-\.\*\// }));

    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ targets: ['/api-.*/'] }));
  });

  it('runs the query when the window is left and when instant is toggled', async () => {
    const { onChange, onRunQuery } = renderEditor({ refId: 'A', queryType: QueryType.Runtime });

    await user.type(screen.getByRole('textbox', { name: selectors.query.window }), '6h');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ window: '6h' }));
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('switch', { name: selectors.query.instant }));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ instant: true }));
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('shows an error when the targets cannot be loaded', async () => {
    const datasource = makeDataSource();
    datasource.getTargets = jest.fn().mockRejectedValue({ data: { message: 'plugin unavailable' } });
    renderEditor({ refId: 'A', queryType: QueryType.Runtime }, datasource);

    expect(await screen.findByText('Could not load the targets: plugin unavailable')).toBeInTheDocument();
  });
});
