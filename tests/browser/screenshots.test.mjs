// Screenshots of the built plugin, and a browser test of what they show. A host page loads
// dist/module.js the way Grafana loads a plugin (SystemJS with its AMD extra, externals
// supplied from the same npm packages), mounts the plugin's editors, and draws the frames its
// DataSource gets from the real backend (test/browser/server) scraping two real demo
// services, with Grafana's published components (PanelChrome, TimeSeries, Table,
// @grafana/flamegraph). No Grafana server runs where this runs.
//
// Run: bash scripts/build.sh && node --test tests/browser/screenshots.test.mjs
// PNGs go to SCREENSHOT_DIR, default test-results/screenshots; `npm run screenshots` writes docs/img/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import {
  amdDependencies,
  builtModule,
  chromiumArgs,
  chromiumPath,
  closedAddress,
  goBuild,
  root,
  start,
  stopAll,
  watchErrors,
} from './lib.mjs';

const shots = path.resolve(process.env.SCREENSHOT_DIR ?? path.join(root, 'test-results', 'screenshots'));
const work = mkdtempSync(path.join(tmpdir(), 'pprof-shots-'));
const uid = 'browser-test';
let browser;
let context;
let page;
let errors;
let baseURL;
let targets;
// The panels' time range starts when the demo services do, so their series fill the charts.
let from;

before(async () => {
  // Fails first, with what to run, when the plugin is not built.
  builtModule();
  const site = path.join(work, 'site');
  execFileSync('node', [path.join(root, 'tests/browser/build-host.mjs'), site], { stdio: 'inherit' });
  const demo = goBuild('./examples/leakyapp', path.join(work, 'leakyapp'));
  const server = goBuild('./test/browser/server', path.join(work, 'server'));
  from = Date.now();
  const alpha = await start(demo, ['-addr', '127.0.0.1:0', '-registry-bytes-per-sec', '2097152']);
  const beta = await start(demo, ['-addr', '127.0.0.1:0', '-goroutines-per-sec', '5']);
  targets = [
    { name: 'alpha', url: alpha, labels: { env: 'test' } },
    { name: 'beta', url: beta, labels: { env: 'staging' } },
    { name: 'down', url: await closedAddress() },
  ];
  const jsonData = {
    targets,
    scrapeInterval: '500ms',
    storagePath: path.join(work, 'store'),
    // Fast schedules, so profiles, suspects and goroutine verdicts have data within seconds.
    profileIntervals: { heap: '1s', goroutine: 'off', block: 'off', mutex: 'off', threadcreate: 'off' },
    goroutineDumpInterval: '1s',
  };
  // The config editor shows the settings the backend runs with.
  writeFileSync(path.join(site, 'settings.json'), JSON.stringify(jsonData));
  baseURL = await start(server, ['-static', site, '-json-data', JSON.stringify(jsonData)]);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  // One context for every view: its HTTP and code caches keep the host bundle from loading anew.
  context = await browser.newContext({ colorScheme: 'dark' });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** dsQuery posts one query to the backend as the frontend does and returns its frames' schemas and values. */
async function dsQuery(query) {
  const res = await fetch(`${baseURL}/api/ds/query`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      from: String(from - 60_000),
      to: String(Date.now()),
      queries: [{ refId: 'A', datasource: { uid }, ...query }],
    }),
  });
  assert.equal(res.status, 200, `query ${JSON.stringify(query)}: ${res.status}`);
  const answer = (await res.json()).results.A;
  return { error: answer.error, frames: answer.frames ?? [] };
}

/** until polls the backend with a query until ok accepts its answer, or fails naming what was awaited. */
async function until(what, query, ok, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const answer = await dsQuery(query);
    if (!answer.error && ok(answer.frames)) {
      return answer.frames;
    }
    assert.ok(Date.now() < deadline, `${what} never arrived; last answer: ${JSON.stringify(answer).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rows = (frame) => frame?.data?.values?.[0]?.length ?? 0;
const heapQuery = (target) => ({
  queryType: 'runtime',
  targets: [target],
  metrics: ['heap_inuse', 'heap_idle', 'heap_released'],
});

const uiIcons = path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons');

/**
 * missingIcon tells the requests allowed to fail besides fonts: icons Grafana's server has but
 * @grafana/ui's package does not ship (@grafana/flamegraph asks for angle-double-up). An icon
 * the package ships is served, so its failure still fails the test.
 */
function missingIcon(pathname) {
  const prefix = '/public/build/img/icons/';
  return pathname.startsWith(prefix) && !existsSync(path.join(uiIcons, pathname.slice(prefix.length)));
}

/**
 * open shows a view of the host page. One page serves every view, as one Grafana tab serves
 * many dashboards: the host loads the built plugin once, and each view is mounted afresh.
 */
async function open(view, height = 800) {
  if (page) {
    // The previous view's test has judged its errors; errors while loading count for this view.
    errors.length = 0;
  } else {
    page = await context.newPage();
    errors = watchErrors(page, missingIcon);
    await page.goto(`${baseURL}/index.html?from=${from}`);
    await page.waitForSelector('body[data-loaded=true]', { timeout: 20_000 });
  }
  await page.setViewportSize({ width: 1280, height });
  await page.evaluate((name) => window.showView(name), view);
  await page.waitForSelector(`body[data-view="${view}"]`);
  return { page, errors };
}

async function shot(page, name, errors) {
  assert.deepEqual(errors, [], `errors on the page of ${name}`);
  await page.screenshot({ path: path.join(shots, name), fullPage: true });
}

async function inputValues(page, labels) {
  return Promise.all(labels.map((l) => page.getByLabel(l, { exact: true }).inputValue()));
}

describe('the built plugin in a Grafana-like host', () => {
  test('the host supplies every module dist/module.js imports, and the config editor shows the targets', async () => {
    const { page, errors } = await open('config', 900);
    const supplied = JSON.parse(await page.getByTestId('shared-modules').textContent());
    for (const dep of amdDependencies(builtModule()).filter((d) => d !== 'module')) {
      assert.ok(supplied.includes(dep), `dist/module.js imports ${dep}, which the host does not supply`);
    }
    await page.getByRole('button', { name: 'Add target' }).waitFor();
    for (const [i, t] of targets.entries()) {
      assert.deepEqual(await inputValues(page, [`Target ${i + 1} name`, `Target ${i + 1} base URL`]), [t.name, t.url]);
    }
    assert.equal(await page.getByLabel('Target 1 labels', { exact: true }).inputValue(), 'env=test');
    assert.equal(await page.getByLabel('Scrape interval', { exact: true }).inputValue(), '500ms');
    await page.getByText('Profiles and goroutine dumps').first().waitFor();
    await shot(page, 'config-editor.png', errors);
  });

  test('the runtime query editor lists targets, metrics and the window', async () => {
    const { page, errors } = await open('query-runtime', 360);
    const type = page.getByRole('radiogroup', { name: 'Query type' });
    assert.equal(await type.getByRole('radio', { name: 'Runtime' }).isChecked(), true);
    for (const label of ['Targets', 'Metrics', 'Window']) {
      await page.getByLabel(label, { exact: true }).waitFor();
    }
    // The chosen metrics are shown by the catalog's names.
    await page.getByText('heap_idle', { exact: true }).waitFor();
    await shot(page, 'query-editor-runtime.png', errors);
  });

  test('the profile query editor offers sample types, a baseline and the download link', async () => {
    await until('a heap snapshot of alpha', { queryType: 'profile', target: 'alpha' }, (f) => rows(f[0]) > 0);
    const { page, errors } = await open('query-profile', 420);
    // The pickers are comboboxes filled from the backend's targets and profile-types resources.
    assert.deepEqual(
      await Promise.all(
        ['Target', 'Profile type', 'Sample type'].map((l) =>
          page.getByRole('combobox', { name: l, exact: true }).inputValue()
        )
      ),
      ['alpha', 'heap', 'inuse_space']
    );
    const baseline = page.getByRole('radiogroup', { name: 'Baseline' });
    assert.equal(await baseline.getByRole('radio', { name: 'Range start' }).isChecked(), true);
    const href = await page.getByRole('link', { name: /Download \.pb\.gz/ }).getAttribute('href');
    assert.match(href, /resources\/snapshot\?target=alpha&type=heap/);
    await shot(page, 'query-editor-profile.png', errors);
  });

  test('the suspects query editor ranks by function with a top N', async () => {
    const { page, errors } = await open('query-suspects', 360);
    for (const label of ['Target', 'Rank by', 'Output', 'Top N']) {
      await page.getByLabel(label, { exact: true }).first().waitFor();
    }
    await shot(page, 'query-editor-suspects.png', errors);
  });

  test('the goroutines query editor shows the verdict output and its thresholds', async () => {
    const { page, errors } = await open('query-goroutines', 360);
    const output = page.getByRole('radiogroup', { name: 'Output' });
    assert.equal(await output.getByRole('radio', { name: /Verdicts/ }).isChecked(), true);
    for (const label of ['Targets', 'Stale after', 'Growing snapshots']) {
      await page.getByLabel(label, { exact: true }).first().waitFor();
    }
    await shot(page, 'query-editor-goroutines.png', errors);
  });

  test('the annotations editor offers the event kinds with the saved ones on', async () => {
    const { page, errors } = await open('annotations', 300);
    assert.equal(await page.getByLabel('Process restarts').isChecked(), true);
    assert.equal(await page.getByLabel('Pinned snapshots').isChecked(), true);
    assert.equal(await page.getByLabel('Skipped goroutine dumps').isChecked(), false);
    await shot(page, 'query-editor-annotations.png', errors);
  });

  test('the variable editor filters targets by label and previews the values', async () => {
    const { page, errors } = await open('variable', 300);
    const kind = page.getByRole('radiogroup', { name: 'Variable lists' });
    assert.equal(await kind.getByRole('radio', { name: 'Targets' }).isChecked(), true);
    assert.equal(await page.getByLabel('Label filter', { exact: true }).inputValue(), 'env=test');
    await page.getByTestId('variable-values').getByText('alpha', { exact: true }).waitFor();
    await shot(page, 'variable-editor.png', errors);
  });

  test("the flame graph of alpha's heap shows the leaking function", async () => {
    const { page, errors } = await open('flamegraph', 900);
    await page.locator('[data-testid="panel Heap in use of alpha"][data-state=done]').waitFor({ timeout: 10_000 });
    await page.locator('canvas').first().waitFor();
    // The top table sorts by self: the leaking function holds nearly all of the heap.
    const rows = page.getByTestId('topTable').getByRole('row');
    await rows.nth(1).waitFor();
    assert.match(await rows.nth(1).textContent(), /^main\.leakIntoRegistry/);
    await shot(page, 'flamegraph.png', errors);
  });

  test('the diff flame graph compares the heap now with the range start', async () => {
    const diff = await until(
      'a diff of two heap snapshots of alpha',
      { queryType: 'profile', target: 'alpha', baseline: 'rangeStart' },
      (f) => f[0]?.schema?.fields?.some((x) => x.name === 'valueRight')
    );
    assert.deepEqual(
      diff[0].schema.fields.map((f) => f.name),
      ['level', 'value', 'self', 'label', 'valueRight', 'selfRight']
    );
    const { page, errors } = await open('flamegraph-diff', 900);
    const title = 'Heap in use of alpha: now against the range start';
    await page.locator(`[data-testid="panel ${title}"][data-state=done]`).waitFor({ timeout: 10_000 });
    await page.locator('canvas').first().waitFor();
    // The diff legend and the top table's diff columns replace the single-profile ones.
    await page.getByText('-100% (removed)').waitFor();
    await page.getByText('+100% (added)').waitFor();
    const table = page.getByTestId('topTable');
    for (const column of ['Baseline', 'Comparison', 'Diff']) {
      await table.getByText(column, { exact: true }).waitFor();
    }
    // The search narrows the table to the leak, which the range start did not hold yet.
    await page.getByPlaceholder('Search...').fill('leakIntoRegistry');
    const row = table.getByRole('row').filter({ hasText: 'main.leakIntoRegistry' });
    await row.waitFor();
    // Baseline and comparison are the function's shares of each heap; the leak's share grew.
    const [baselineShare, comparisonShare] = [...(await row.textContent()).matchAll(/([\d.]+)%/g)].map((m) =>
      Number(m[1])
    );
    assert.ok(comparisonShare > baselineShare, `leak share ${baselineShare}% → ${comparisonShare}%`);
    await shot(page, 'flamegraph-diff.png', errors);
  });

  test('the dashboard draws the heap series of both targets, the leak suspects and the goroutine verdicts', async () => {
    for (const target of ['alpha', 'beta']) {
      await until(
        `three heap series of ${target}`,
        heapQuery(target),
        (f) => f.length === 3 && f.every((x) => rows(x) > 3)
      );
    }
    await until(
      'a leak suspect in alpha',
      { queryType: 'suspects', target: 'alpha', by: 'function', output: 'table' },
      (f) => JSON.stringify(f).includes('main.leakIntoRegistry')
    );
    await until(
      'a growing goroutine group in beta',
      { queryType: 'goroutines', targets: ['beta'], output: 'verdicts' },
      (f) => JSON.stringify(f).includes('growing')
    );
    const { page, errors } = await open('dashboard', 700);
    for (const title of ['Heap of alpha', 'Heap of beta', 'Leak suspects of alpha', 'Goroutine leak verdicts']) {
      await page.locator(`[data-testid="panel ${title}"][data-state=done]`).waitFor({ timeout: 10_000 });
    }
    for (const target of ['alpha', 'beta']) {
      const panel = page.getByTestId(`panel Heap of ${target}`);
      // uPlot draws into a canvas; the legend below it names every series.
      assert.equal((await panel.locator('canvas').count()) > 0, true, `no chart in the ${target} panel`);
      const series = await panel
        .locator('[data-testid^="data-testid VizLegend series "]')
        .evaluateAll((els) => els.map((e) => e.dataset.testid.slice('data-testid VizLegend series '.length)));
      assert.equal(series.length, 3, `legend of ${target}: ${series}`);
      for (const metric of ['heap_inuse', 'heap_idle', 'heap_released']) {
        assert.ok(
          series.some((name) => name.startsWith(metric) && name.includes(`target="${target}"`)),
          `legend of ${target} lacks ${metric}: ${series}`
        );
      }
    }
    await page.getByTestId('panel Leak suspects of alpha').getByText('main.leakIntoRegistry').first().waitFor();
    // beta leaks goroutines at a steady rate: its group is judged growing.
    await page.getByTestId('panel Goroutine leak verdicts').getByText('growing', { exact: true }).first().waitFor();
    await shot(page, 'dashboard-heap.png', errors);
  });
});
