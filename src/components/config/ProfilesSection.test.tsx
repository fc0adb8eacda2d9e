import { screen } from '@testing-library/react';

import { renderConfigEditor } from '../../test/configEditor';
import { settingsFixture } from '../../test/settings';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../../test/user';
import { selectors } from '../selectors';

const p = selectors.config.profiles;
const MIB = 1 << 20;

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

const field = (label: string) => screen.getByLabelText(label);

describe('ProfilesSection', () => {
  it('shows the backend defaults as placeholders', () => {
    renderConfigEditor();

    expect(screen.getByRole('heading', { name: p.section })).toBeInTheDocument();
    expect(field(p.interval('heap'))).toHaveAttribute('placeholder', '60s');
    for (const type of ['goroutine', 'block', 'mutex', 'threadcreate', 'goroutineleak']) {
      expect(field(p.interval(type))).toHaveAttribute('placeholder', '5m');
    }
    expect(screen.queryByLabelText(p.interval('allocs'))).not.toBeInTheDocument();
    expect(field(p.cpuInterval)).toHaveAttribute('placeholder', 'off');
    expect(field(p.cpuSeconds)).toHaveAttribute('placeholder', '10');
    expect(field(p.dumpInterval)).toHaveAttribute('placeholder', '5m');
    expect(field(p.dumpCeiling)).toHaveAttribute('placeholder', '10000');
    expect(field(p.maxProfileMiB)).toHaveAttribute('placeholder', '256');
    expect(field(p.fullResolution)).toHaveAttribute('placeholder', '24h');
    expect(field(p.snapshotMaxMiB)).toHaveAttribute('placeholder', '1024');
  });

  it('writes only the overridden profile intervals, and drops the map when none is left', async () => {
    const { lastOptions } = renderConfigEditor();

    await user.type(field(p.interval('heap')), '30s');
    await user.type(field(p.interval('block')), 'off');
    expect(lastOptions().jsonData.profileIntervals).toEqual({ heap: '30s', block: 'off' });

    await user.clear(field(p.interval('heap')));
    expect(lastOptions().jsonData.profileIntervals).toEqual({ block: 'off' });

    await user.clear(field(p.interval('block')));
    expect(lastOptions().jsonData).not.toHaveProperty('profileIntervals');
  });

  it('explains intervals the backend would refuse', () => {
    renderConfigEditor(
      settingsFixture({ jsonData: { profileIntervals: { heap: '50ms', mutex: 'soon', goroutine: '0' } } })
    );

    expect(screen.getByText('Must be at least 100ms, or "off"')).toBeInTheDocument();
    expect(screen.getByText('"soon" is not a duration such as 60s or 5m, or "off"')).toBeInTheDocument();
    expect(screen.getAllByRole('alert')).toHaveLength(2);
  });

  it('schedules CPU profiles only with room between them, for at most 30 s each', async () => {
    const { lastOptions } = renderConfigEditor();

    await user.type(field(p.cpuInterval), '10s');
    expect(screen.getByText('Must be longer than the 10 s profile it takes')).toBeInTheDocument();

    await user.type(field(p.cpuSeconds), '31');
    expect(screen.getByText('Enter a whole number of seconds from 1 to 30')).toBeInTheDocument();

    await user.clear(field(p.cpuSeconds));
    await user.type(field(p.cpuSeconds), '5');
    expect(screen.queryByText(/Must be longer than/)).not.toBeInTheDocument();
    expect(lastOptions().jsonData).toMatchObject({ cpuProfileInterval: '10s', cpuProfileSeconds: 5 });
  });

  it('switches goroutine dumps off or bounds them by a goroutine count', async () => {
    const { lastOptions } = renderConfigEditor();

    await user.type(field(p.dumpInterval), 'off');
    await user.type(field(p.dumpCeiling), '0');
    expect(screen.getByText('Enter a whole number, at least 1')).toBeInTheDocument();

    await user.clear(field(p.dumpCeiling));
    await user.type(field(p.dumpCeiling), '5000');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(lastOptions().jsonData).toMatchObject({ goroutineDumpInterval: 'off', goroutineDumpCeiling: 5000 });
  });

  it('stores the snapshot limits in bytes and checks the full-resolution period', async () => {
    const { lastOptions } = renderConfigEditor();

    await user.type(field(p.maxProfileMiB), '64');
    await user.type(field(p.snapshotMaxMiB), '2048');
    await user.type(field(p.fullResolution), '12h');
    expect(lastOptions().jsonData).toMatchObject({
      maxProfileBytes: 64 * MIB,
      snapshotMaxBytes: 2048 * MIB,
      snapshotFullResolution: '12h',
    });

    await user.clear(field(p.fullResolution));
    await user.type(field(p.fullResolution), 'a day');
    expect(screen.getByText('"a day" is not a duration such as 15s, 5m or 7d')).toBeInTheDocument();
  });
});
