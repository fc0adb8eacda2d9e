import { selectors } from '../src/components/selectors';
import { DEFAULT_METRIC } from '../src/types/query';
import { chooseRadio, expect, expectQueryOK, queryOfType, test, turnOn } from './fixtures';

const s = selectors.query;

test.describe('runtime query editor', () => {
  test('a new panel starts with a runtime query and its pickers', async ({ panelEditPage, demo }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await expect(
      row.getByRole('radiogroup', { name: s.queryType }).getByRole('radio', { name: 'Runtime' })
    ).toBeChecked();
    await expect(row.getByRole('combobox', { name: s.targets })).toBeVisible();
    await expect(row.getByRole('combobox', { name: s.metrics })).toBeVisible();
    await expect(row.getByRole('switch', { name: s.instant })).not.toBeChecked();
  });

  test('the default query returns a heap in-use series of each target', async ({
    panelEditPage,
    demo,
    selectors: e2e,
  }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    await panelEditPage.setVisualization('Table');
    await expect(
      panelEditPage.refreshPanel({ waitForResponsePredicateCallback: queryOfType(e2e, 'runtime') })
    ).toBeOK();
    // The table shows one frame at a time: the first target's series.
    await expect(panelEditPage.panel.fieldNames).toContainText(['Time', DEFAULT_METRIC]);
    await expect(panelEditPage.panel.fieldNames.filter({ hasText: demo.targets[0].name })).toHaveCount(1);
    await expect(panelEditPage.panel.data.first()).toBeVisible();
  });

  test('an instant query returns one row per series', async ({ panelEditPage, demo, selectors: e2e }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    await panelEditPage.setVisualization('Table');
    const row = panelEditPage.getQueryEditorRow('A');
    const instant = panelEditPage.waitForQueryDataResponse(queryOfType(e2e, 'runtime', '"instant":true'));
    await turnOn(row.getByRole('switch', { name: s.instant }));
    await expect(instant).toBeOK();
    // Table rows: the header row plus exactly one row for the latest value.
    await expect(panelEditPage.panel.locator.getByRole('row')).toHaveCount(2);
  });

  test('switching the query type swaps the editor and runs the new query', async ({
    panelEditPage,
    demo,
    selectors: e2e,
  }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    const goroutines = panelEditPage.waitForQueryDataResponse(queryOfType(e2e, 'goroutines'));
    await chooseRadio(row, s.queryType, 'Goroutines');
    await expect(goroutines).toBeOK();
    await expect(row.getByRole('radiogroup', { name: s.goroutines.output })).toBeVisible();
    await expect(row.getByRole('combobox', { name: s.metrics })).toHaveCount(0);
  });
});

test.describe('runtime queries in Explore', () => {
  test('the default query runs and draws a time series', async ({ explorePage, demo }) => {
    await explorePage.datasource.set(demo.ds.name);
    await expectQueryOK(explorePage.runQuery(), 'runtime');
    await expect(explorePage.timeSeriesPanel.locator).toBeVisible();
    await expect(explorePage.timeSeriesPanel.locator.getByText('No data')).toHaveCount(0);
  });
});
