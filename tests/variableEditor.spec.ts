import { selectors } from '../src/components/selectors';
import { DEFAULT_METRIC } from '../src/types/query';
import { bundledDashboards, chooseRadio, DATASOURCES_FILE, expect, resourceOf, test } from './fixtures';

const s = selectors.variable;

test.describe('variable editor', () => {
  test('lists the configured targets by default', async ({ variableEditPage, demo, page }) => {
    await variableEditPage.setVariableType('Query');
    await variableEditPage.datasource.set(demo.ds.name);
    await expect(
      page.getByRole('radiogroup', { name: s.kind, exact: true }).getByRole('radio', { name: 'Targets', exact: true })
    ).toBeChecked();
    const targets = page.waitForResponse(resourceOf(demo.ds.uid, 'targets'));
    await variableEditPage.runQuery();
    await expect(targets).toBeOK();
    await expect(variableEditPage).toDisplayPreviews(
      demo.targets.map((t) => t.name),
      {}
    );
  });

  test('the label filter keeps only the targets whose labels match', async ({ variableEditPage, demo, page }) => {
    const [label, value] = Object.entries(demo.targets[0].labels ?? {})[0] ?? [];
    expect(label, `the first target in ${DATASOURCES_FILE} has a label to filter on`).toBeTruthy();
    await variableEditPage.setVariableType('Query');
    await variableEditPage.datasource.set(demo.ds.name);
    const filter = page.getByLabel(s.labelFilter, { exact: true });

    const matching = demo.targets.filter((t) => t.labels?.[label!] === value).map((t) => t.name);
    await filter.fill(`${label}=${value}`);
    let targets = page.waitForResponse(resourceOf(demo.ds.uid, 'targets'));
    await variableEditPage.runQuery();
    await expect(targets).toBeOK();
    await expect(variableEditPage).toDisplayPreviews(matching, {});

    // The same targets disappear once the filter matches none of them.
    await filter.fill(`${label}=${value}-no-such-value`);
    targets = page.waitForResponse(resourceOf(demo.ds.uid, 'targets'));
    await variableEditPage.runQuery();
    await expect(targets).toBeOK();
    for (const name of matching) {
      await expect(page.getByText(name, { exact: true })).toHaveCount(0);
    }
  });

  test('lists the metric catalog', async ({ variableEditPage, demo, page }) => {
    await variableEditPage.setVariableType('Query');
    await variableEditPage.datasource.set(demo.ds.name);
    await chooseRadio(page, s.kind, 'Metrics');
    const metrics = page.waitForResponse(resourceOf(demo.ds.uid, 'metrics'));
    await variableEditPage.runQuery();
    await expect(metrics).toBeOK();
    await expect(variableEditPage).toDisplayPreviews([DEFAULT_METRIC], {});
  });

  test("the bundled dashboards' target variable lists the demo targets", async ({
    gotoVariableEditPage,
    demo,
    page,
  }) => {
    const dashboard = bundledDashboards()[0];
    const index = dashboard.variables.indexOf('target');
    expect(index, `${dashboard.title} has a "target" variable`).toBeGreaterThanOrEqual(0);
    const variableEditPage = await gotoVariableEditPage({ dashboard: { uid: dashboard.uid }, id: String(index) });
    const targets = page.waitForResponse(resourceOf(demo.ds.uid, 'targets'));
    await variableEditPage.runQuery();
    await expect(targets).toBeOK();
    await expect(variableEditPage).toDisplayPreviews(
      demo.targets.map((t) => t.name),
      {}
    );
  });
});
