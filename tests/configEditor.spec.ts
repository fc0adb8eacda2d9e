import type { Page } from '@playwright/test';

import { urlError, validateTargets } from '../src/components/config/validation';
import { selectors } from '../src/components/selectors';
import { TargetConfig } from '../src/types/config';
import { expect, test } from './fixtures';

const s = selectors.config.targets;

// A loopback port nothing listens on, as seen from the Grafana server: its connections are refused.
const REFUSING: TargetConfig = { name: 'nowhere', url: 'http://127.0.0.1:1' };

/** addTargets appends one target row per target and fills in its name and base URL. */
async function addTargets(page: Page, targets: TargetConfig[]) {
  const add = page.getByRole('button', { name: s.addButton, exact: true });
  for (const [i, target] of targets.entries()) {
    await add.click();
    await page.getByLabel(s.name(i), { exact: true }).fill(target.name);
    await page.getByLabel(s.url(i), { exact: true }).fill(target.url);
  }
}

test.describe('config editor', () => {
  test('renders the targets section of a new data source', async ({ createDataSourceConfigPage, demo, page }) => {
    await createDataSourceConfigPage({ type: demo.ds.type });
    // The section is @grafana/plugin-ui's ConfigSection: a heading above the targets table.
    await expect(page.getByRole('heading', { name: s.section, exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: s.addButton, exact: true })).toBeVisible();
    await expect(page.getByRole('table', { name: s.table, exact: true })).toHaveCount(0);
    // A new data source has no targets yet, so there is no row to fill in.
    await expect(page.getByLabel(s.name(0), { exact: true })).toHaveCount(0);
  });

  test('"Save & test" passes for the provisioned demo data source and reports every target and its storage', async ({
    gotoDataSourceConfigPage,
    demo,
  }) => {
    const configPage = await gotoDataSourceConfigPage(demo.ds.uid);
    await expect(configPage.saveAndTest()).toBeOK();
    for (const target of demo.targets) {
      await expect(configPage).toHaveAlert('success', { hasText: `${target.name}: ok` });
    }
    // The demo keeps its history in Grafana's data directory, so it survives a restart.
    await expect(configPage).toHaveAlert('success', { hasText: 'History: stored on disk' });
  });

  test('"Save & test" fails and names the target when the only target refuses connections', async ({
    createDataSourceConfigPage,
    demo,
    page,
  }) => {
    const configPage = await createDataSourceConfigPage({ type: demo.ds.type });
    await addTargets(page, [REFUSING]);
    await expect(configPage.saveAndTest()).not.toBeOK();
    await expect(configPage).toHaveAlert('error', { hasText: `${REFUSING.name}:` });
  });

  test('"Save & test" passes with one refusing target among working ones, and names it', async ({
    createDataSourceConfigPage,
    demo,
    page,
  }) => {
    const configPage = await createDataSourceConfigPage({ type: demo.ds.type });
    await addTargets(page, [demo.targets[0], REFUSING]);
    await expect(configPage.saveAndTest()).toBeOK();
    await expect(configPage).toHaveAlert('success', { hasText: `${REFUSING.name}:` });
    await expect(configPage).toHaveAlert('success', { hasText: `${demo.targets[0].name}: ok` });
  });

  test('shows a message on every row that repeats a target name', async ({
    createDataSourceConfigPage,
    demo,
    page,
  }) => {
    await createDataSourceConfigPage({ type: demo.ds.type });
    const targets = [
      { name: 'api', url: 'http://api-1:6060' },
      { name: 'api', url: 'http://api-2:6060' },
    ];
    await addTargets(page, targets);
    const message = validateTargets(targets)[1].name;
    expect(message, 'validateTargets must reject a repeated name').toBeTruthy();
    await expect(page.getByText(message!, { exact: true })).toHaveCount(2);
  });

  for (const url of ['not a url', 'localhost:6060']) {
    test(`shows why "${url}" is not a base URL`, async ({ createDataSourceConfigPage, demo, page }) => {
      await createDataSourceConfigPage({ type: demo.ds.type });
      await addTargets(page, [{ name: 'api', url }]);
      const message = urlError(url);
      expect(message, `urlError must reject "${url}"`).toBeTruthy();
      await expect(page.getByText(message!, { exact: true })).toBeVisible();
      // A fixed URL clears the message.
      await page.getByLabel(s.url(0), { exact: true }).fill('http://api:6060');
      await expect(page.getByText(message!, { exact: true })).toHaveCount(0);
    });
  }
});
