import { selectors } from '../src/components/selectors';
import { DEFAULT_PROFILE_TYPE, DEFAULT_SAMPLE_TYPE } from '../src/types/query';
import { chooseRadio, DATA_WAIT_MS, expect, expectQueryOK, queryOfType, test } from './fixtures';

const s = selectors.query;

test.describe('profile query editor', () => {
  test("defaults to the first target's in-use heap and draws it as a flame graph", async ({
    panelEditPage,
    demo,
    selectors: e2e,
  }) => {
    test.setTimeout(DATA_WAIT_MS + 60_000);
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await chooseRadio(row, s.queryType, 'Profile');
    // Switching names the first target explicitly, so the panel keeps it when targets are added.
    await expect(row.getByRole('combobox', { name: s.profile.target, exact: true })).toHaveValue(demo.targets[0].name);
    await expect(row.getByRole('combobox', { name: s.profile.profileType, exact: true })).toHaveValue(
      DEFAULT_PROFILE_TYPE
    );
    await expect(row.getByRole('combobox', { name: s.profile.sampleType, exact: true })).toHaveValue(
      DEFAULT_SAMPLE_TYPE
    );
    await expect(row.getByRole('radiogroup', { name: s.profile.output, exact: true })).toBeVisible();

    await panelEditPage.setVisualization('Flame Graph');
    // The first heap profile is taken some seconds after the stack starts: refresh until it is there.
    await expect(async () => {
      await expect(
        panelEditPage.refreshPanel({ waitForResponsePredicateCallback: queryOfType(e2e, 'profile') })
      ).toBeOK();
      await expect(panelEditPage.panel.locator.getByTestId('flameGraph')).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: DATA_WAIT_MS });
  });

  test('downloads the shown heap snapshot as a gzipped profile', async ({ panelEditPage, demo, page }) => {
    test.setTimeout(DATA_WAIT_MS + 60_000);
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await chooseRadio(row, s.queryType, 'Profile');
    const download = row.getByRole('link', { name: s.profile.download, exact: true });
    await expect(download).toHaveAttribute('href', new RegExp(`[?&]target=${demo.targets[0].name}(&|$)`));
    const href = await download.getAttribute('href');
    expect(href).toBeTruthy();
    // Until the first heap snapshot is stored the link answers 404: wait for a real one.
    await expect(async () => {
      const response = await page.request.get(href!);
      expect(response.status()).toBe(200);
      // What `go tool pprof` opens: a gzip stream (magic 1f 8b).
      expect([...(await response.body()).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    }).toPass({ timeout: DATA_WAIT_MS });
  });
});

test.describe('profile queries in Explore', () => {
  test("a heap profile query shows Explore's flame graph", async ({ explorePage, demo, page }) => {
    test.setTimeout(DATA_WAIT_MS + 60_000);
    await explorePage.datasource.set(demo.ds.name);
    await chooseRadio(explorePage.getQueryEditorRow('A'), s.queryType, 'Profile');
    await expect(async () => {
      // Switching the type already ran a profile query, so every response from here on answers one.
      await expectQueryOK(explorePage.runQuery(), 'profile');
      await expect(page.getByTestId('flameGraph')).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: DATA_WAIT_MS });
  });
});
