import { readFileSync } from 'node:fs';
import path from 'node:path';

import { test as base, expect, type DataSourceSettings, type E2ESelectorGroups } from '@grafana/plugin-e2e';
import type { Locator, Page, Response } from '@playwright/test';

import { PprofOptions, PprofSecureJsonData, TargetConfig } from '../src/types/config';

// Shared setup of the specs: they run against the stack `docker compose up` starts (see
// docs/e2e.md), so everything they need to know about it is read from the same provisioning
// files and bundled dashboards Grafana loads, never repeated here.

/** DATASOURCES_FILE is the provisioning file (under provisioning/datasources) of the demo data source. */
export const DATASOURCES_FILE = 'datasources.yml';

/** ALERTS_FILE is the provisioning file (under provisioning/alerting) of the bundled alert rules. */
export const ALERTS_FILE = 'go-leaks.yaml';

/**
 * DATA_WAIT_MS bounds how long a spec keeps refreshing until the demo's collected data shows:
 * heap profiles arrive every 15 s and goroutine dumps every 30 s after the stack starts, and
 * leak suspects need a few heap snapshots.
 */
export const DATA_WAIT_MS = 120_000;

/** Demo is the provisioned demo data source and its targets. */
export interface Demo {
  ds: DataSourceSettings<PprofOptions, PprofSecureJsonData>;
  /** targets are the demo services, in the configured order (the first is the editors' default). */
  targets: TargetConfig[];
}

/** test is plugin-e2e's test with a `demo` fixture: the provisioned data source, checked to have targets. */
export const test = base.extend<{ demo: Demo }>({
  demo: async ({ readProvisionedDataSource }, use) => {
    const ds = await readProvisionedDataSource<PprofOptions, PprofSecureJsonData>({ fileName: DATASOURCES_FILE });
    if (!ds) {
      throw new Error(`provisioning/datasources/${DATASOURCES_FILE} provisions no data source`);
    }
    const targets = ds.jsonData?.targets ?? [];
    if (targets.length === 0) {
      throw new Error(`the data source "${ds.name}" in ${DATASOURCES_FILE} has no targets`);
    }
    await use({ ds, targets });
  },
});

export { expect };

/**
 * chooseRadio picks an option of a RadioButtonGroup by its accessible names, so a renamed group or
 * option fails here rather than silently picking another. The radio input lies under its label,
 * hence the forced click (as for plugin-e2e's Switch); Playwright's check() is no use because the
 * query type group is controlled and switches only after a request, after check() has given up.
 */
export async function chooseRadio(root: Page | Locator, group: string, option: string): Promise<void> {
  const radio = root
    .getByRole('radiogroup', { name: group, exact: true })
    .getByRole('radio', { name: option, exact: true });
  await radio.click({ force: true });
  await expect(radio).toBeChecked();
}

/**
 * turnOn switches a Switch on. Its input is covered by the slider drawn in its label, hence the
 * forced click (as plugin-e2e's own Switch component does).
 */
export async function turnOn(toggle: Locator): Promise<void> {
  await toggle.click({ force: true });
  await expect(toggle).toBeChecked();
}

/**
 * queryOfType matches the data query response of a query of one type. Editors run their query on
 * every change, so waiting for "any" query response could catch the one of the previous type.
 */
export function queryOfType(selectors: E2ESelectorGroups, queryType: string, extra?: string) {
  return (response: Response): boolean => {
    if (!response.url().includes(selectors.apis.DataSource.query)) {
      return false;
    }
    const body = response.request().postData() ?? '';
    return body.includes(`"queryType":"${queryType}"`) && (extra === undefined || body.includes(extra));
  };
}

/**
 * expectQueryOK asserts that a data query response is a success and answers a query of the given
 * type, for page methods that wait for whichever query response comes first.
 */
export async function expectQueryOK(pending: Promise<Response>, queryType: string): Promise<void> {
  await expect(pending).toBeOK();
  const body = (await pending).request().postData() ?? '';
  expect(body, `the response answers a "${queryType}" query`).toContain(`"queryType":"${queryType}"`);
}

/** resourceOf matches the response of one of the data source's resource endpoints. */
export function resourceOf(uid: string, resource: string) {
  return (response: Response): boolean =>
    // endsWith: Grafana may be served under a sub-path.
    new URL(response.url()).pathname.endsWith(`/api/datasources/uid/${uid}/resources/${resource}`);
}

/** BundledDashboard is what the specs need of a dashboard the plugin ships. */
export interface BundledDashboard {
  uid: string;
  title: string;
  /** panelTitles are the titles of the panels that are not rows, in file order. */
  panelTitles: string[];
  /** variables are the names of the dashboard's template variables, in order. */
  variables: string[];
}

interface DashboardJson {
  uid?: string;
  title?: string;
  panels?: Array<{ type?: string; title?: string }>;
  templating?: { list?: Array<{ name?: string }> };
}

/**
 * bundledDashboards reads the dashboards plugin.json includes: Grafana provisions them from the
 * plugin's own copy (provisioning/dashboards), so plugin-e2e's readProvisionedDashboard, which
 * reads provisioning/dashboards/<file>, does not see them.
 */
export function bundledDashboards(): BundledDashboard[] {
  const src = path.join(__dirname, '..', 'src');
  const plugin = JSON.parse(readFileSync(path.join(src, 'plugin.json'), 'utf8')) as {
    includes?: Array<{ type?: string; path?: string }>;
  };
  const files = (plugin.includes ?? []).filter((i) => i.type === 'dashboard' && i.path).map((i) => i.path!);
  if (files.length === 0) {
    throw new Error('src/plugin.json includes no dashboards');
  }
  return files.map((file) => {
    const json = JSON.parse(readFileSync(path.join(src, file), 'utf8')) as DashboardJson;
    if (!json.uid || !json.title) {
      throw new Error(`src/${file}: a bundled dashboard needs a uid and a title`);
    }
    return {
      uid: json.uid,
      title: json.title,
      panelTitles: (json.panels ?? []).filter((p) => p.type !== 'row' && p.title).map((p) => p.title!),
      variables: (json.templating?.list ?? []).map((v) => v.name ?? ''),
    };
  });
}
