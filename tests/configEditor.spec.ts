import { test, expect } from '@grafana/plugin-e2e';

import { selectors } from '../src/components/selectors';
import { PprofOptions, PprofSecureJsonData } from '../src/types/config';

// These specs need a running Grafana with the plugin and the demo service (docker compose up);
// they are not part of CI on machines without a Docker engine.
test('config editor renders the targets section', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await createDataSourceConfigPage({ type: ds.type });
  await expect(page.getByRole('button', { name: selectors.config.targets.addButton })).toBeVisible();
});

test('"Save & test" passes against the demo target', async ({
  createDataSourceConfigPage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource<PprofOptions, PprofSecureJsonData>({ fileName: 'datasources.yml' });
  const configPage = await createDataSourceConfigPage({ type: ds.type });
  const target = ds.jsonData.targets?.[0] ?? { name: 'leaky', url: 'http://leaky:6060' };
  await page.getByRole('button', { name: selectors.config.targets.addButton }).click();
  await page.getByLabel(selectors.config.targets.name(0)).fill(target.name);
  await page.getByLabel(selectors.config.targets.url(0)).fill(target.url);
  await expect(configPage.saveAndTest()).toBeOK();
});

test('"Save & test" names a target that refuses connections', async ({ createDataSourceConfigPage, page }) => {
  const configPage = await createDataSourceConfigPage({ type: 'leakwatch-pprof-datasource' });
  await page.getByRole('button', { name: selectors.config.targets.addButton }).click();
  await page.getByLabel(selectors.config.targets.name(0)).fill('nowhere');
  await page.getByLabel(selectors.config.targets.url(0)).fill('http://127.0.0.1:1');
  await expect(configPage.saveAndTest()).not.toBeOK();
  await expect(configPage).toHaveAlert('error', { hasText: 'nowhere' });
});
