import { selectors } from '../src/components/selectors';
import { chooseRadio, DATA_WAIT_MS, expect, queryOfType, test } from './fixtures';

const s = selectors.query;

// The demo's first target leaks into a global map from this function (examples/leakyapp).
const LEAKING_FUNCTION = 'main.leakIntoRegistry';

test.describe('suspects query editor', () => {
  test("ranks the demo's leaking function in the suspects table", async ({ panelEditPage, demo, selectors: e2e }) => {
    test.setTimeout(DATA_WAIT_MS + 60_000);
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await chooseRadio(row, s.queryType, 'Suspects');
    await expect(row.getByRole('combobox', { name: s.suspects.target, exact: true })).toHaveValue(demo.targets[0].name);
    await expect(
      row
        .getByRole('radiogroup', { name: s.suspects.output, exact: true })
        .getByRole('radio', { name: 'Table', exact: true })
    ).toBeChecked();

    await panelEditPage.setVisualization('Table');
    // Suspects need a few heap snapshots of growth: refresh until the leak is ranked.
    await expect(async () => {
      await expect(
        panelEditPage.refreshPanel({ waitForResponsePredicateCallback: queryOfType(e2e, 'suspects') })
      ).toBeOK();
      await expect(panelEditPage.panel.data.filter({ hasText: LEAKING_FUNCTION }).first()).toBeVisible({
        timeout: 5_000,
      });
    }).toPass({ timeout: DATA_WAIT_MS });
    await expect(panelEditPage.panel.fieldNames).toContainText(['Rank', 'Function']);
  });

  test('the series output draws the top suspects over time', async ({ panelEditPage, demo, selectors: e2e }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await chooseRadio(row, s.queryType, 'Suspects');
    const series = panelEditPage.waitForQueryDataResponse(queryOfType(e2e, 'suspects', '"output":"series"'));
    await chooseRadio(row, s.suspects.output, 'Series');
    await expect(series).toBeOK();
    await expect(panelEditPage.panel.getErrorIcon()).toHaveCount(0);
  });
});
