import { test, expect } from '@grafana/plugin-e2e';

import { selectors } from '../src/components/selectors';

// Needs a running Grafana with the provisioned data source and demo service (docker compose up).
test('query editor shows target and metric pickers', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await expect(row.getByLabel(selectors.query.targets)).toBeVisible();
  await expect(row.getByLabel(selectors.query.metrics)).toBeVisible();
});

test('default query returns heap_inuse series', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  await panelEditPage.setVisualization('Table');
  await expect(panelEditPage.refreshPanel()).toBeOK();
  await expect(panelEditPage.panel.fieldNames).toContainText(['heap_inuse']);
});
