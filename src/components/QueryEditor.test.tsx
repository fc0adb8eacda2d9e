import { screen, waitFor, within } from '@testing-library/react';
import { CoreApp } from '@grafana/data';

import { QueryType } from '../types/query';
import { installComboboxShims } from '../test/jsdomShims';
import { makeDataSource, renderEditor } from '../test/queryEditor';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../test/user';
import { selectors } from './selectors';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({
    getVariables: () => [{ name: 'service' }],
    replace: (text: string) => text,
  }),
}));

beforeAll(installComboboxShims);

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

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

  describe('query type', () => {
    const typeRadio = (name: string) =>
      within(screen.getByRole('radiogroup', { name: selectors.query.queryType })).getByRole('radio', { name });

    it('offers all four query types and marks the current one', async () => {
      const { datasource } = renderEditor({ refId: 'A', queryType: QueryType.Runtime });
      await waitFor(() => expect(datasource.getMetrics).toHaveBeenCalled());

      const group = screen.getByRole('radiogroup', { name: selectors.query.queryType });
      expect(
        within(group)
          .getAllByRole('radio')
          .map((r) => r.closest('div')?.textContent?.trim())
      ).toEqual(['Runtime', 'Profile', 'Suspects', 'Goroutines']);
      expect(typeRadio('Runtime')).toBeChecked();
    });

    it('switches to a heap inuse_space flame graph of the first target', async () => {
      const { onChange, onRunQuery } = renderEditor({ refId: 'B', queryType: QueryType.Runtime, targets: ['worker'] });

      await user.click(typeRadio('Profile'));

      await waitFor(() =>
        expect(onChange).toHaveBeenLastCalledWith({
          refId: 'B',
          queryType: QueryType.Profile,
          target: 'api',
          profileType: 'heap',
          sampleType: 'inuse_space',
          output: 'flamegraph',
        })
      );
      expect(onChange.mock.calls[0][0]).not.toHaveProperty('targets');
      expect(onRunQuery).toHaveBeenCalledTimes(1);
      expect(await screen.findByRole('combobox', { name: selectors.query.profile.profileType })).toHaveValue('heap');
    });

    it('switches to suspects of the first target and to goroutine states of every target', async () => {
      const { onChange } = renderEditor({ refId: 'A', queryType: QueryType.Runtime });

      await user.click(typeRadio('Suspects'));
      await waitFor(() =>
        expect(onChange).toHaveBeenLastCalledWith({
          refId: 'A',
          queryType: QueryType.Suspects,
          target: 'api',
          by: 'function',
          output: 'table',
        })
      );

      await user.click(typeRadio('Goroutines'));
      await waitFor(() =>
        expect(onChange).toHaveBeenLastCalledWith({
          refId: 'A',
          queryType: QueryType.Goroutines,
          targets: [],
          output: 'states',
        })
      );

      await user.click(typeRadio('Runtime'));
      await waitFor(() =>
        expect(onChange).toHaveBeenLastCalledWith({
          refId: 'A',
          queryType: QueryType.Runtime,
          targets: [],
          metrics: ['heap_inuse'],
        })
      );
    });

    it('leaves the target to the backend when the targets cannot be loaded', async () => {
      const datasource = makeDataSource();
      datasource.getTargets = jest.fn().mockRejectedValue(new Error('down'));
      const { onChange } = renderEditor({ refId: 'A', queryType: QueryType.Runtime }, datasource);

      await user.click(typeRadio('Profile'));

      await waitFor(() => expect(onChange).toHaveBeenCalled());
      expect(onChange.mock.calls[0][0]).toEqual({
        refId: 'A',
        queryType: QueryType.Profile,
        profileType: 'heap',
        sampleType: 'inuse_space',
        output: 'flamegraph',
      });
      expect(onChange.mock.calls[0][0]).not.toHaveProperty('target');
    });
  });
});
