import { selectors } from '../src/components/selectors';
import { DEFAULT_METRIC } from '../src/types/query';
import { bundledDashboards, chooseRadio, expect, resourceOf, test } from './fixtures';

const s = selectors.variable;

test.describe('variable editor', () => {
  test('lists the configured targets by default', async ({ variableEditPage, demo, page }) => {
    await variableEditPage.setVariableType('Query');
    await variableEditPage.datasource.set(demo.ds.name);
    await expect(page.getByRole('radiogroup', { name: s.kind }).getByRole('radio', { name: 'Targets' })).toBeChecked();
    const targets = page.waitForResponse(resourceOf(demo.ds.uid, 'targets'));
    await variableEditPage.runQuery();
    await expect(targets).toBeOK();
    await expect(variableEditPage).toDisplayPreviews(
      demo.targets.map((t) => t.name),
      {}
    );
  });

  test('a label filter that no target matches lists nothing', async ({ variableEditPage, demo, page }) => {
    await variableEditPage.setVariableType('Query');
    await variableEditPage.datasource.set(demo.ds.name);
    await page.getByLabel(s.labelFilter, { exact: true }).fill('env=no-such-env');
    const targets = page.waitForResponse(resourceOf(demo.ds.uid, 'targets'));
    await variableEditPage.runQuery();
    await expect(targets).toBeOK();
    for (const target of demo.targets) {
      await expect(page.getByText(target.name, { exact: true })).toHaveCount(0);
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
