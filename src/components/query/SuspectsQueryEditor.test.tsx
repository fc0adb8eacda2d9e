import { screen, waitFor, within } from '@testing-library/react';

import { QueryType, SuspectsQuery } from '../../types/query';
import { installComboboxShims } from '../../test/jsdomShims';
import { makeDataSource, renderEditor } from '../../test/queryEditor';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../../test/user';
import { selectors } from '../selectors';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ getVariables: () => [{ name: 'service' }], replace: (text: string) => text }),
}));

beforeAll(installComboboxShims);

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

const s = selectors.query.suspects;
const suspects = (q: Partial<SuspectsQuery> = {}): SuspectsQuery => ({
  refId: 'A',
  queryType: QueryType.Suspects,
  ...q,
});
const radio = (group: string, name: string) =>
  within(screen.getByRole('radiogroup', { name: group })).getByRole('radio', { name });

describe('SuspectsQueryEditor', () => {
  it('ranks functions of the first target as a table of the top 10 by default', async () => {
    renderEditor(suspects());

    await waitFor(() => expect(screen.getByRole('combobox', { name: s.target })).toHaveValue('api'));
    expect(radio(s.by, 'Function')).toBeChecked();
    expect(radio(s.output, 'Table')).toBeChecked();
    expect(screen.getByRole('spinbutton', { name: s.topN })).toHaveAttribute('placeholder', '10');
  });

  it('emits each field and runs the query', async () => {
    const { lastQuery, onRunQuery } = renderEditor(suspects({ target: 'api' }));

    await user.click(screen.getByRole('combobox', { name: s.target }));
    await user.click(await screen.findByRole('option', { name: /^worker/ }));
    expect(lastQuery()).toEqual(suspects({ target: 'worker' }));

    await user.click(radio(s.by, 'Stack'));
    expect(lastQuery()).toEqual(suspects({ target: 'worker', by: 'stack' }));

    await user.click(radio(s.output, 'Series'));
    expect(lastQuery()).toEqual(suspects({ target: 'worker', by: 'stack', output: 'series' }));
    expect(onRunQuery).toHaveBeenCalledTimes(3);

    await user.type(screen.getByRole('spinbutton', { name: s.topN }), '5');
    expect(lastQuery()).toEqual(suspects({ target: 'worker', by: 'stack', output: 'series', topN: 5 }));
    expect(onRunQuery).toHaveBeenCalledTimes(3);
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(4);
  });

  it('flags a top N that is not a positive whole number', async () => {
    renderEditor(suspects({ target: 'api', topN: 0 }));

    expect(await screen.findByText('Enter a whole number, at least 1')).toBeInTheDocument();
  });

  it('shows why the targets could not be loaded', async () => {
    const datasource = makeDataSource();
    datasource.getTargets = jest.fn().mockRejectedValue({ data: { message: 'plugin unavailable' } });
    renderEditor(suspects(), datasource);

    expect(await screen.findByText('Could not load the targets: plugin unavailable')).toBeInTheDocument();
  });
});
