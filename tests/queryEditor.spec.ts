import { selectors } from '../src/components/selectors';
import { DEFAULT_METRIC } from '../src/types/query';
import { chooseRadio, expect, expectQueryOK, queryOfType, test, turnOn } from './fixtures';

const s = selectors.query;

/** QueryDataBody is the part of a /api/ds/query response these specs read. */
interface QueryDataBody {
  results?: Record<string, { frames?: Array<{ schema?: { fields?: Array<{ labels?: Record<string, string> }> } }> }>;
}

test.describe('runtime query editor', () => {
  test('a new panel starts with a runtime query and its pickers', async ({ panelEditPage, demo }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    const row = panelEditPage.getQueryEditorRow('A');
    await expect(
      row
        .getByRole('radiogroup', { name: s.queryType, exact: true })
        .getByRole('radio', { name: 'Runtime', exact: true })
    ).toBeChecked();
    await expect(row.getByRole('combobox', { name: s.targets, exact: true })).toBeVisible();
    await expect(row.getByRole('combobox', { name: s.metrics, exact: true })).toBeVisible();
    await expect(row.getByRole('switch', { name: s.instant, exact: true })).not.toBeChecked();
  });

  test('the default query returns the heap in-use series of every target', async ({
    panelEditPage,
    demo,
    selectors: e2e,
  }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    await panelEditPage.setVisualization('Table');
    const response = panelEditPage.refreshPanel({ waitForResponsePredicateCallback: queryOfType(e2e, 'runtime') });
    await expect(response).toBeOK();
    // One frame per target, each labelled with the target's name.
    const body = (await (await response).json()) as QueryDataBody;
    const labelled = (body.results?.A?.frames ?? []).map(
      (f) => f.schema?.fields?.find((x) => x.labels)?.labels?.target
    );
    expect(labelled.sort()).toEqual(demo.targets.map((t) => t.name).sort());
    // The table shows one frame at a time, with the metric in its value column's name.
    await expect(panelEditPage.panel.fieldNames).toContainText(['Time', DEFAULT_METRIC]);
    await expect(panelEditPage.panel.data.first()).toBeVisible();
  });

  test('an instant query returns one row per series', async ({ panelEditPage, demo, selectors: e2e }) => {
    await panelEditPage.datasource.set(demo.ds.name);
    await panelEditPage.setVisualization('Table');
    const row = panelEditPage.getQueryEditorRow('A');
    const instant = panelEditPage.waitForQueryDataResponse(queryOfType(e2e, 'runtime', '"instant":true'));
    await turnOn(row.getByRole('switch', { name: s.instant, exact: true }));
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
    await expect(row.getByRole('radiogroup', { name: s.goroutines.output, exact: true })).toBeVisible();
    await expect(row.getByRole('combobox', { name: s.metrics, exact: true })).toHaveCount(0);
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
