import { screen, waitFor, within } from '@testing-library/react';

import { ProfileQuery, QueryType } from '../../../types/query';
import { SnapshotInfo } from '../../../types/resources';
import { installComboboxShims } from '../../../test/jsdomShims';
import { RANGE, makeDataSource, renderEditor } from '../../../test/queryEditor';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../../../test/user';
import { selectors } from '../../selectors';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({
    getVariables: () => [{ name: 'service' }],
    replace: (text: string) => text.replace('$service', 'worker'),
  }),
}));

beforeAll(installComboboxShims);

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

const s = selectors.query.profile;
const minute = 60_000;
const end = RANGE.to.valueOf();
const SNAPSHOTS: SnapshotInfo[] = [
  { time: end - 50 * minute, rawBytes: 40_000, pins: [] },
  { time: end - 20 * minute, rawBytes: 50_000, pins: ['before-release'] },
  { time: end - 2 * minute, rawBytes: 60_000, pins: [] },
];

const profile = (q: Partial<ProfileQuery> = {}): ProfileQuery => ({ refId: 'A', queryType: QueryType.Profile, ...q });
const combobox = (name: string) => screen.getByRole('combobox', { name });
const radio = (group: string, name: string) =>
  within(screen.getByRole('radiogroup', { name: group })).getByRole('radio', { name });

async function pick(field: string, option: RegExp) {
  await user.click(combobox(field));
  await user.click(await screen.findByRole('option', { name: option }));
}

async function optionNames(field: string): Promise<string[]> {
  await user.click(combobox(field));
  await screen.findAllByRole('option');
  const names = screen.getAllByRole('option').map((o) => o.textContent ?? '');
  await user.keyboard('{Escape}');
  return names;
}

describe('ProfileQueryEditor', () => {
  it('shows a heap inuse_space flame graph of the first target when the query names nothing', async () => {
    const { datasource } = renderEditor(profile());

    await waitFor(() => expect(combobox(s.target)).toHaveValue('api'));
    await waitFor(() => expect(combobox(s.sampleType)).toHaveValue('inuse_space'));
    expect(combobox(s.profileType)).toHaveValue('heap');
    expect(radio(s.output, 'Flame graph')).toBeChecked();
    expect(radio(s.baseline, 'None')).toBeChecked();
    expect(screen.queryByRole('switch', { name: s.delta })).not.toBeInTheDocument();
    expect(datasource.getProfileTypes).toHaveBeenLastCalledWith('api');
    expect(datasource.getSnapshots).toHaveBeenLastCalledWith('api', 'heap', RANGE.from.valueOf(), end);
  });

  it('offers the profile types with what is collected and stored', async () => {
    renderEditor(profile({ target: 'api' }));
    await waitFor(() => expect(combobox(s.sampleType)).toHaveValue('inuse_space'));

    const names = await optionNames(s.profileType);

    expect(names).toEqual([
      'heapcollected · 42 snapshots stored',
      'allocscollected · 42 snapshots stored · cumulative',
      'blockcollected · 3 snapshots stored · cumulative',
      'cpunot collected · 0 snapshots stored · cumulative',
    ]);
  });

  it('offers only the sample types of the profile type and resets them with it', async () => {
    const { onChange, onRunQuery, lastQuery } = renderEditor(profile({ target: 'api', sampleType: 'alloc_space' }));
    await waitFor(() => expect(combobox(s.sampleType)).toHaveValue('alloc_space'));

    expect(await optionNames(s.sampleType)).toEqual(['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);

    await pick(s.profileType, /^block/);

    expect(lastQuery()).toEqual(profile({ target: 'api', profileType: 'block', sampleType: 'delay' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(await optionNames(s.sampleType)).toEqual(['contentions', 'delay']);

    await pick(s.sampleType, /^contentions/);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ sampleType: 'contentions' }));
  });

  it('offers the delta only for cumulative types and drops it when switching to another', async () => {
    const { lastQuery } = renderEditor(profile({ target: 'api', profileType: 'allocs' }));

    await user.click(await screen.findByRole('switch', { name: s.delta }));
    expect(lastQuery()).toEqual(expect.objectContaining({ profileType: 'allocs', delta: true }));

    await pick(s.profileType, /^block/);
    expect(lastQuery().delta).toBe(true);

    await pick(s.profileType, /^heap/);
    expect(lastQuery()).toEqual(profile({ target: 'api', profileType: 'heap', sampleType: 'inuse_space' }));
    expect(screen.queryByRole('switch', { name: s.delta })).not.toBeInTheDocument();
  });

  it('says when the data source does not collect the profile type', async () => {
    renderEditor(profile({ target: 'api', profileType: 'cpu' }));

    expect(
      await screen.findByText('The data source does not collect cpu profiles: enable them in its settings')
    ).toBeInTheDocument();
  });

  it('loads the profile types and snapshots of a newly picked target, expanding variables', async () => {
    const { datasource, lastQuery } = renderEditor(profile({ target: 'api' }));
    await waitFor(() => expect(datasource.getProfileTypes).toHaveBeenCalledWith('api'));

    await pick(s.target, /^worker/);
    expect(lastQuery().target).toBe('worker');
    await waitFor(() => expect(datasource.getProfileTypes).toHaveBeenLastCalledWith('worker'));

    await pick(s.target, /^\$service/);
    expect(lastQuery().target).toBe('$service');
    await waitFor(() => expect(datasource.getSnapshots).toHaveBeenCalledTimes(3));
    expect(datasource.getSnapshots).toHaveBeenLastCalledWith('worker', 'heap', RANGE.from.valueOf(), end);
  });

  it('runs focus, ignore and max nodes when the field is left, and flags a bad regex', async () => {
    const { onChange, onRunQuery } = renderEditor(profile({ target: 'api' }));

    await user.type(screen.getByRole('textbox', { name: s.focus }), '^main\\.');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ focus: '^main\\.' }));
    expect(onRunQuery).not.toHaveBeenCalled();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.type(screen.getByRole('textbox', { name: s.ignore }), 'runtime(');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ ignore: 'runtime(' }));
    expect(screen.getByText(/^Not a regular expression/)).toBeInTheDocument();

    await user.type(screen.getByRole('spinbutton', { name: s.maxNodes }), '500');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ maxNodes: 500 }));
  });

  it('switches the output to the top table', async () => {
    const { lastQuery, onRunQuery } = renderEditor(profile({ target: 'api' }));

    await user.click(radio(s.output, 'Top table'));

    expect(lastQuery().output).toBe('top');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  describe('snapshot', () => {
    it('offers the stored snapshots newest first and stores the picked one as at', async () => {
      const datasource = makeDataSource();
      datasource.getSnapshots = jest.fn().mockResolvedValue(SNAPSHOTS);
      const { lastQuery } = renderEditor(profile({ target: 'api' }), datasource);
      await waitFor(() => expect(datasource.getSnapshots).toHaveBeenCalled());

      const names = await optionNames(s.snapshot);
      expect(names).toEqual([
        '2026-01-02 14:58:0059 KiB',
        '2026-01-02 14:40:0049 KiB · pinned as before-release',
        '2026-01-02 14:10:0039 KiB',
      ]);

      await pick(s.snapshot, /^2026-01-02 14:40:00/);
      expect(lastQuery().at).toBe(String(SNAPSHOTS[1].time));
    });

    it('links the download to the snapshot the query shows', async () => {
      const datasource = makeDataSource();
      datasource.getSnapshots = jest.fn().mockResolvedValue(SNAPSHOTS);
      renderEditor(profile({ target: 'api' }), datasource);
      const link = () => screen.getByRole('link', { name: s.download });

      await waitFor(() => expect(link()).toHaveAttribute('href', expect.stringContaining(`time=${SNAPSHOTS[2].time}`)));
      expect(link().getAttribute('href')).toBe(
        `/api/datasources/uid/pprof-uid/resources/snapshot?target=api&type=heap&time=${SNAPSHOTS[2].time}`
      );

      // A time between snapshots shows, and so downloads, the nearest one.
      await user.type(combobox(s.snapshot), '2026-01-02T14:15:00Z');
      await user.click(await screen.findByRole('option', { name: /2026-01-02T14:15:00Z/ }));
      expect(link()).toHaveAttribute('href', expect.stringContaining(`time=${SNAPSHOTS[0].time}`));
    });

    it('flags an at that is no time', async () => {
      renderEditor(profile({ target: 'api', at: 'yesterday' }));

      expect(
        await screen.findByText('Enter Unix milliseconds or an RFC 3339 time such as 2026-01-02T15:04:05Z')
      ).toBeInTheDocument();
    });
  });

  describe('baseline', () => {
    it('diffs against the range start', async () => {
      const { lastQuery, onRunQuery } = renderEditor(profile({ target: 'api' }));

      await user.click(radio(s.baseline, 'Range start'));

      expect(lastQuery()).toEqual(profile({ target: 'api', baseline: 'rangeStart' }));
      expect(onRunQuery).toHaveBeenCalledTimes(1);
    });

    it('diffs against an offset, starting at one hour', async () => {
      const { lastQuery } = renderEditor(profile({ target: 'api' }));

      await user.click(radio(s.baseline, 'Offset'));
      expect(lastQuery()).toEqual(profile({ target: 'api', baseline: 'offset', baselineOffset: '1h' }));

      const input = screen.getByRole('textbox', { name: s.baselineOffset });
      await user.clear(input);
      await user.type(input, '30m');
      expect(lastQuery().baselineOffset).toBe('30m');

      await user.clear(input);
      await user.type(input, 'soon');
      expect(screen.getByText('Enter a duration such as 1h or 1d')).toBeInTheDocument();
    });

    it('offers only the pins of the target and profile type', async () => {
      const { datasource, lastQuery } = renderEditor(profile({ target: 'api' }));
      await waitFor(() => expect(datasource.getPins).toHaveBeenCalled());

      await user.click(radio(s.baseline, 'Pinned'));
      expect(lastQuery()).toEqual(profile({ target: 'api', baseline: 'pin' }));

      expect(await optionNames(s.baselinePin)).toEqual(['before-release2026-01-01 12:00:00']);
      await pick(s.baselinePin, /^before-release/);
      expect(lastQuery()).toEqual(profile({ target: 'api', baseline: 'pin', baselinePin: 'before-release' }));
    });

    it('offers heap pins for allocs, which reads the heap snapshots', async () => {
      renderEditor(profile({ target: 'api', profileType: 'allocs', baseline: 'pin' }));

      await waitFor(() => expect(combobox(s.sampleType)).toHaveValue('alloc_space'));

      expect(await optionNames(s.baselinePin)).toEqual(['before-release2026-01-01 12:00:00']);
    });

    it('diffs against another target, never the compared one', async () => {
      const { lastQuery } = renderEditor(profile({ target: 'api' }));

      await user.click(radio(s.baseline, 'Target'));
      const names = await optionNames(s.baselineTarget);
      expect(names).toEqual(['worker', '$service']);

      await pick(s.baselineTarget, /^worker/);
      expect(lastQuery()).toEqual(profile({ target: 'api', baseline: 'target', baselineTarget: 'worker' }));
    });

    it('clears the baseline values when the diff is switched off', async () => {
      const { lastQuery } = renderEditor(profile({ target: 'api', baseline: 'target', baselineTarget: 'worker' }));

      await user.click(radio(s.baseline, 'None'));

      expect(lastQuery()).toEqual(profile({ target: 'api' }));
      expect(screen.queryByRole('combobox', { name: s.baselineTarget })).not.toBeInTheDocument();
    });
  });

  it('offers no download or pin before a target is configured', async () => {
    const datasource = makeDataSource();
    datasource.getTargets = jest.fn().mockResolvedValue([]);
    renderEditor(profile(), datasource);
    await waitFor(() => expect(datasource.getTargets).toHaveBeenCalled());

    expect(screen.queryByRole('link', { name: s.download })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: s.pinButton })).not.toBeInTheDocument();
    expect(datasource.getProfileTypes).not.toHaveBeenCalled();
  });

  describe('pin', () => {
    it('pins the shown snapshot under a name and reloads the pins', async () => {
      const datasource = makeDataSource();
      datasource.getSnapshots = jest.fn().mockResolvedValue(SNAPSHOTS);
      renderEditor(profile({ target: 'api', profileType: 'allocs', at: String(SNAPSHOTS[0].time + 1000) }), datasource);
      const button = screen.getByRole('button', { name: s.pinButton });
      expect(button).toBeDisabled();

      await user.type(screen.getByRole('textbox', { name: s.pinName }), 'leak-start');
      await waitFor(() => expect(button).toBeEnabled());
      await user.click(button);

      expect(datasource.createPin).toHaveBeenCalledWith({
        name: 'leak-start',
        target: 'api',
        kind: 'heap',
        time: SNAPSHOTS[0].time,
      });
      expect(await screen.findByRole('status')).toHaveTextContent('Pinned as leak-start');
      await waitFor(() => expect(datasource.getPins).toHaveBeenCalledTimes(2));
      expect(screen.getByRole('textbox', { name: s.pinName })).toHaveValue('');
    });

    it('cannot pin when no snapshot is stored in the range', async () => {
      const { datasource } = renderEditor(profile({ target: 'api' }));
      await waitFor(() => expect(datasource.getSnapshots).toHaveBeenCalled());

      await user.type(screen.getByRole('textbox', { name: s.pinName }), 'x');

      expect(screen.getByRole('button', { name: s.pinButton })).toBeDisabled();
    });

    it('shows why the backend refused the pin', async () => {
      const datasource = makeDataSource();
      datasource.getSnapshots = jest.fn().mockResolvedValue(SNAPSHOTS);
      datasource.createPin = jest.fn().mockRejectedValue({ data: { message: 'pin "x" exists' } });
      renderEditor(profile({ target: 'api' }), datasource);

      await user.type(screen.getByRole('textbox', { name: s.pinName }), 'x');
      await waitFor(() => expect(screen.getByRole('button', { name: s.pinButton })).toBeEnabled());
      await user.click(screen.getByRole('button', { name: s.pinButton }));

      expect(await screen.findByText('Could not pin the snapshot: pin "x" exists')).toBeInTheDocument();
    });
  });
});
