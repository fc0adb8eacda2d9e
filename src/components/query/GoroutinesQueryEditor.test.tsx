import { screen, waitFor, within } from '@testing-library/react';

import { GoroutinesQuery, QueryType } from '../../types/query';
import { installComboboxShims } from '../../test/jsdomShims';
import { makeDataSource, renderEditor } from '../../test/queryEditor';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../../test/user';
import { selectors } from '../selectors';
import { WAIT_NOTE } from './GoroutinesQueryEditor';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ getVariables: () => [], replace: (text: string) => text }),
}));

beforeAll(installComboboxShims);

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

const s = selectors.query.goroutines;
const goroutines = (q: Partial<GoroutinesQuery> = {}): GoroutinesQuery => ({
  refId: 'A',
  queryType: QueryType.Goroutines,
  ...q,
});
const radio = (group: string, name: string) =>
  within(screen.getByRole('radiogroup', { name: group })).getByRole('radio', { name });

describe('GoroutinesQueryEditor', () => {
  it('shows goroutine states of every target by default, with the backend defaults as placeholders', async () => {
    const { datasource } = renderEditor(goroutines());
    await waitFor(() => expect(datasource.getGoroutineStates).toHaveBeenCalled());

    expect(radio(s.output, 'States')).toBeChecked();
    expect(radio(s.groupBy, 'Creator')).toBeChecked();
    expect(screen.getByRole('combobox', { name: selectors.query.targets })).toHaveAttribute(
      'placeholder',
      'All targets'
    );
    expect(screen.getByRole('textbox', { name: s.staleThreshold })).toHaveAttribute('placeholder', '10m');
    expect(screen.getByRole('spinbutton', { name: s.growingSnapshots })).toHaveAttribute('placeholder', '3');
    expect(screen.getByRole('spinbutton', { name: s.topN })).toHaveAttribute('placeholder', '10');
    expect(screen.queryByRole('switch', { name: s.instant })).not.toBeInTheDocument();
  });

  it('says that wait minutes understate the wait', async () => {
    const { datasource } = renderEditor(goroutines());
    await waitFor(() => expect(datasource.getGoroutineStates).toHaveBeenCalled());

    expect(screen.getByText(WAIT_NOTE)).toBeInTheDocument();
    expect(WAIT_NOTE).toMatch(/first garbage collection that saw a goroutine blocked/);
  });

  it('picks several targets', async () => {
    const { lastQuery } = renderEditor(goroutines());

    await user.click(screen.getByRole('combobox', { name: selectors.query.targets }));
    await user.click(await screen.findByRole('option', { name: /^api/ }));
    await user.click(await screen.findByRole('option', { name: /^worker/ }));

    expect(lastQuery().targets).toEqual(['api', 'worker']);
  });

  it('filters by the state buckets the backend lists', async () => {
    const { datasource, lastQuery, onRunQuery } = renderEditor(goroutines());
    await waitFor(() => expect(datasource.getGoroutineStates).toHaveBeenCalled());

    await user.click(screen.getByRole('combobox', { name: s.states }));
    const options = (await screen.findAllByRole('option')).map((o) => o.textContent);
    expect(options).toEqual(expect.arrayContaining(['running', 'chan receive', 'select', 'IO wait']));
    await user.click(screen.getByRole('option', { name: 'chan receive' }));
    await user.click(screen.getByRole('option', { name: 'select' }));

    expect(lastQuery().states).toEqual(['chan receive', 'select']);
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('emits output, grouping, thresholds and top N', async () => {
    const { lastQuery, onRunQuery } = renderEditor(goroutines());

    await user.click(radio(s.output, 'Verdicts'));
    expect(lastQuery()).toEqual(goroutines({ output: 'verdicts' }));

    await user.click(radio(s.groupBy, 'Top frame'));
    expect(lastQuery()).toEqual(goroutines({ output: 'verdicts', groupBy: 'topFrame' }));
    expect(onRunQuery).toHaveBeenCalledTimes(2);

    await user.type(screen.getByRole('textbox', { name: s.staleThreshold }), '30m');
    await user.type(screen.getByRole('spinbutton', { name: s.growingSnapshots }), '5');
    await user.type(screen.getByRole('spinbutton', { name: s.topN }), '20');
    expect(lastQuery()).toEqual(
      goroutines({ output: 'verdicts', groupBy: 'topFrame', staleThreshold: '30m', growingSnapshots: 5, topN: 20 })
    );
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(5);
  });

  it('flags a stale threshold that is no duration', async () => {
    renderEditor(goroutines({ staleThreshold: 'long' }));

    expect(await screen.findByText('Enter a duration such as 10m or 1h')).toBeInTheDocument();
  });

  it('offers instant only for signals, and drops it for other outputs', async () => {
    const { lastQuery } = renderEditor(goroutines());

    await user.click(radio(s.output, 'Signals'));
    await user.click(screen.getByRole('switch', { name: s.instant }));
    expect(lastQuery()).toEqual(goroutines({ output: 'signals', instant: true }));

    await user.click(radio(s.output, 'Group table'));
    expect(lastQuery()).toEqual(goroutines({ output: 'groupTable' }));
    expect(screen.queryByRole('switch', { name: s.instant })).not.toBeInTheDocument();
  });

  it('shows why the states could not be loaded', async () => {
    const datasource = makeDataSource();
    datasource.getGoroutineStates = jest.fn().mockRejectedValue(new Error('no dumps'));
    renderEditor(goroutines(), datasource);

    expect(await screen.findByText('Could not load the goroutine states: no dumps')).toBeInTheDocument();
  });
});
