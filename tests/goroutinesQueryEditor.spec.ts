import { selectors } from '../src/components/selectors';
import { chooseRadio, DATA_WAIT_MS, expect, queryOfType, test } from './fixtures';

const s = selectors.query;

test.describe('goroutines query editor', () => {
  test('the group table lists goroutine groups by target', async ({ panelEditPage, demo, selectors: e2e }) => {
    test.setTimeout(DATA_WAIT_MS + 60_000);
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await chooseRadio(row, s.queryType, 'Goroutines');
    await chooseRadio(row, s.goroutines.output, 'Group table');
    await panelEditPage.setVisualization('Table');
    // Goroutine dumps are taken every 30 s in the demo: refresh until the first ones are stored.
    await expect(async () => {
      await expect(
        panelEditPage.refreshPanel({
          waitForResponsePredicateCallback: queryOfType(e2e, 'goroutines', '"output":"groupTable"'),
        })
      ).toBeOK();
      await expect(panelEditPage.panel.data.first()).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: DATA_WAIT_MS });
    await expect(panelEditPage.panel.fieldNames).toContainText(['Target', 'Group', 'Goroutines']);
    // Every Go process has goroutines, so the first target has at least one group.
    await expect(panelEditPage.panel.data.getByText(demo.targets[0].name, { exact: true }).first()).toBeVisible();
  });

  test('the signals output offers the instant switch alert rules use', async ({
    panelEditPage,
    demo,
    selectors: e2e,
  }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await chooseRadio(row, s.queryType, 'Goroutines');
    await expect(row.getByRole('switch', { name: s.goroutines.instant, exact: true })).toHaveCount(0);
    const signals = panelEditPage.waitForQueryDataResponse(queryOfType(e2e, 'goroutines', '"output":"signals"'));
    await chooseRadio(row, s.goroutines.output, 'Signals');
    await expect(signals).toBeOK();
    await expect(row.getByRole('switch', { name: s.goroutines.instant, exact: true })).toBeVisible();
    await expect(panelEditPage.panel.getErrorIcon()).toHaveCount(0);
  });
});
