// Browser tests of the editors: the plugin's config and query editors and its DataSource class,
// bundled with the real @grafana packages, in headless Chromium, against the real backend
// (test/browser/server) scraping two real demo services. Grafana's own server cannot run
// where these tests run; the plugin-e2e specs in tests/ cover that on hosts that have it.
//
// Run: node --test tests/browser/   (needs Chromium: CHROMIUM or `chromium` on PATH)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { chromiumArgs, chromiumPath, closedAddress, goBuild, root, start, stopAll, watchErrors } from './lib.mjs';

const work = mkdtempSync(path.join(tmpdir(), 'pprof-browser-'));
// Screenshots are kept for people to look at; CI can collect them.
const shots = process.env.SCREENSHOT_DIR ?? path.join(root, 'test-results', 'browser');
let browser;
let baseURL;

before(async () => {
  const site = path.join(work, 'site');
  execFileSync('node', [path.join(root, 'tests/browser/build.mjs'), site], { stdio: 'inherit' });
  const demo = goBuild('./examples/leakyapp', path.join(work, 'leakyapp'));
  const server = goBuild('./test/browser/server', path.join(work, 'server'));
  const alpha = await start(demo, ['-addr', '127.0.0.1:0', '-registry-bytes-per-sec', '1048576']);
  const beta = await start(demo, ['-addr', '127.0.0.1:0', '-goroutines-per-sec', '5']);
  const jsonData = {
    targets: [
      { name: 'alpha', url: alpha, labels: { env: 'test' } },
      { name: 'beta', url: beta },
      { name: 'down', url: await closedAddress() },
    ],
    scrapeInterval: '200ms',
    storagePath: path.join(work, 'store'),
    // Fast schedules, so the profile and goroutine editors have stored data within seconds.
    profileIntervals: { heap: '1s', goroutine: 'off', block: 'off', mutex: 'off', threadcreate: 'off' },
    goroutineDumpInterval: '1s',
  };
  baseURL = await start(server, ['-static', site, '-json-data', JSON.stringify(jsonData)]);
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: chromiumArgs,
  });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** open loads the page and fails the test on any error the page logs or throws. */
async function open(query) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors = watchErrors(page);
  await page.goto(`${baseURL}/index.html${query}`);
  return { page, errors };
}

async function json(page, testId) {
  const text = await page.getByTestId(testId).textContent();
  return text ? JSON.parse(text) : undefined;
}

/** resultAfter waits until the panel has run more than `runs` times and its answer arrived. */
async function resultAfter(page, runs) {
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=runs]').textContent) > n, runs, {
    timeout: 10_000,
  });
  return waitResult(page, () => true);
}

/** poll reads the JSON printed under testId until ok accepts it, or fails after 15 s. */
async function poll(page, testId, ok) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await json(page, testId);
    if (value !== undefined && ok(value)) {
      return value;
    }
    assert.ok(Date.now() < deadline, `${testId} never became as expected; last: ${JSON.stringify(value)}`);
    await page.waitForTimeout(100);
  }
}

const waitQuery = (page, ok) => poll(page, 'query', ok);
const waitResult = (page, ok) => poll(page, 'result', ok);

function valueFields(result) {
  return result.frames.map((f) => f.fields[1]);
}

/** resource calls the backend the way the editors do, through the test server. */
async function resource(pathAndQuery) {
  const res = await fetch(`${baseURL}/api/datasources/uid/browser-test/resources/${pathAndQuery}`);
  assert.equal(res.status, 200, `${pathAndQuery}: ${res.status}`);
  return res;
}

/** storedSnapshots waits until the backend has stored a snapshot of a target's profile type. */
async function storedSnapshots(target, type) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const list = await (await resource(`snapshots?target=${target}&type=${type}`)).json();
    if (list.length > 0) {
      return list;
    }
    assert.ok(Date.now() < deadline, `no ${type} snapshot of ${target} stored`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function switchType(page, name) {
  await page.getByRole('radiogroup', { name: 'Query type' }).getByRole('radio', { name }).click({ force: true });
}

describe('profile and goroutines editors', () => {
  test('Profile starts as the heap flame graph of the first target, from stored snapshots', async () => {
    await storedSnapshots('alpha', 'heap');
    const { page, errors } = await open('');
    await waitResult(page, () => true);
    await switchType(page, 'Profile');
    const query = await waitQuery(page, (q) => q.queryType === 'profile');
    assert.deepEqual(
      { target: query.target, profileType: query.profileType, sampleType: query.sampleType, output: query.output },
      { target: 'alpha', profileType: 'heap', sampleType: 'inuse_space', output: 'flamegraph' }
    );
    const result = await waitResult(page, (r) => r.frames.length === 1 && r.frames[0].rows > 0);
    assert.equal(result.error, undefined);
    assert.deepEqual(
      result.frames[0].fields.map((f) => f.name),
      ['level', 'value', 'self', 'label']
    );
    assert.equal(result.frames[0].fields[1].unit, 'bytes');

    // The sample types offered are the heap's, from the backend's profile-types resource.
    await page.getByLabel('Sample type').click();
    const options = await page.getByRole('option').allTextContents();
    for (const name of ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']) {
      assert.ok(
        options.some((o) => o.includes(name)),
        `sample type ${name} in ${options}`
      );
    }
    await page.keyboard.press('Escape');

    // The download link serves the shown snapshot as the gzipped profile go tool pprof opens.
    const href = await page.getByRole('link', { name: /Download \.pb\.gz/ }).getAttribute('href');
    assert.match(href, /\/api\/datasources\/uid\/browser-test\/resources\/snapshot\?target=alpha&type=heap/);
    const body = Buffer.from(await (await fetch(new URL(href, baseURL))).arrayBuffer());
    assert.deepEqual([...body.subarray(0, 2)], [0x1f, 0x8b]);
    await page.screenshot({ path: path.join(shots, 'profile-editor.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Goroutines shows state series from stored dumps and says waits are understated', async () => {
    await storedSnapshots('beta', 'heap');
    const { page, errors } = await open('');
    await waitResult(page, () => true);
    await switchType(page, 'Goroutines');
    const query = await waitQuery(page, (q) => q.queryType === 'goroutines');
    assert.equal(query.output, 'states');
    const result = await waitResult(page, (r) => r.frames.some((f) => f.fields[1]?.labels?.state));
    assert.equal(result.error, undefined);
    const beta = result.frames.map((f) => f.fields[1].labels).filter((l) => l.target === 'beta');
    assert.ok(
      beta.some((l) => l.state === 'chan_receive'),
      `beta leaks goroutines blocked in chan receive: ${JSON.stringify(beta)}`
    );
    await page
      .getByText(/understate/)
      .first()
      .waitFor();
    await page.screenshot({ path: path.join(shots, 'goroutines-editor.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('query editor', () => {
  test('a new panel shows heap in use of every target, from the backend', async () => {
    // The backend needs a few scrapes before there is a series to show; reload as a user would.
    const deadline = Date.now() + 20_000;
    let page;
    let errors;
    let result;
    for (;;) {
      ({ page, errors } = await open(''));
      result = await waitResult(page, () => true);
      if (result.frames.length === 2 || Date.now() > deadline) {
        break;
      }
      await page.close();
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(result.error, undefined);
    assert.deepEqual(
      valueFields(result).map((f) => [f.name, f.labels, f.unit]),
      [
        ['heap_inuse', { target: 'alpha', env: 'test' }, 'bytes'],
        ['heap_inuse', { target: 'beta' }, 'bytes'],
      ]
    );
    assert.ok(result.frames.every((f) => f.type === 'timeseries-multi' && f.rows > 0));
    // The target that refuses connections has no series, so no frame of its own; its failure
    // reaches the panel as a notice on the first frame.
    assert.ok(
      result.frames[0].notices.some((n) => n.includes('target "down"') && n.includes('refused')),
      JSON.stringify(result.frames[0].notices)
    );
    assert.deepEqual(await json(page, 'query'), {
      refId: 'A',
      queryType: 'runtime',
      targets: [],
      metrics: ['heap_inuse'],
    });
    await page.getByLabel('Metrics').waitFor();
    await page.screenshot({ path: path.join(shots, 'query-editor.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("the pickers list the backend's targets and metric catalog, and a choice runs the query", async () => {
    const { page, errors } = await open('');
    await waitResult(page, () => true);

    await page.getByLabel('Targets').click();
    const targetOptions = await page.getByRole('option').allTextContents();
    for (const name of ['alpha', 'beta', 'down', '$target']) {
      assert.ok(
        targetOptions.some((o) => o.includes(name)),
        `target option ${name} in ${targetOptions}`
      );
    }
    await page.getByRole('option', { name: /^beta/ }).click();
    let query = await waitQuery(page, (q) => q.targets.length > 0);
    assert.deepEqual(query.targets, ['beta']);
    await page.keyboard.press('Escape');
    let result = await waitResult(page, (r) => r.frames.length === 1);
    assert.deepEqual(valueFields(result)[0].labels, { target: 'beta' });

    const runs = Number(await page.getByTestId('runs').textContent());
    const metrics = page.getByLabel('Metrics');
    await metrics.click();
    await metrics.fill('goroutines');
    const metricOptions = await page.getByRole('option').allTextContents();
    assert.ok(
      metricOptions.some((o) => o.startsWith('goroutines')),
      `metric options: ${metricOptions}`
    );
    // Each option carries the catalog's description, unit and formula from the backend.
    assert.ok(
      metricOptions.some((o) => o.includes('unit: short')),
      `metric options: ${metricOptions}`
    );
    await page
      .getByRole('option', { name: /^goroutines\b/ })
      .first()
      .click();
    query = await waitQuery(page, (q) => q.metrics.length === 2);
    assert.deepEqual(query.metrics, ['heap_inuse', 'goroutines']);
    await page.keyboard.press('Escape');
    result = await waitResult(page, (r) => r.frames.length === 2);
    assert.ok(Number(await page.getByTestId('runs').textContent()) > runs, 'choosing a metric runs the query');
    // Two metrics of one target: the metric label keeps the label sets unique for alerting.
    assert.deepEqual(
      valueFields(result).map((f) => [f.name, f.labels]),
      [
        ['heap_inuse', { target: 'beta', metric: 'heap_inuse' }],
        ['goroutines', { target: 'beta', metric: 'goroutines' }],
      ]
    );
    await page.screenshot({ path: path.join(shots, 'query-editor-metrics.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('$target expands in the browser before the backend sees it', async () => {
    const { page, errors } = await open('?target=alpha');
    await waitResult(page, () => true);
    await page.getByLabel('Targets').click();
    await page.getByRole('option', { name: /\$target/ }).click();
    assert.deepEqual((await waitQuery(page, (q) => q.targets.length > 0)).targets, ['$target']);
    await page.keyboard.press('Escape');
    const result = await waitResult(page, (r) => r.frames.length === 1);
    assert.deepEqual(valueFields(result)[0].labels, { target: 'alpha', env: 'test' });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('an invalid window is flagged in the editor and the instant switch returns numbers', async () => {
    const { page, errors } = await open('');
    await waitResult(page, () => true);
    await page.getByLabel('Window').fill('soon');
    await page.getByText('Enter a duration such as 30m or 6h').waitFor();
    await page.getByLabel('Window').fill('30m');
    assert.equal(await page.getByText('Enter a duration such as 30m or 6h').count(), 0);

    const runs = Number(await page.getByTestId('runs').textContent());
    await page.getByLabel('Instant').click({ force: true });
    assert.equal((await json(page, 'query')).instant, true);
    const result = await resultAfter(page, runs);
    assert.ok(
      result.frames.length === 2 && result.frames.every((f) => f.type === 'numeric-multi' && f.rows === 1),
      JSON.stringify(result)
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('config editor', () => {
  test('targets and secrets are saved where Grafana keeps them', async () => {
    const { page, errors } = await open('?pane=config');
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.getByLabel('Target 1 name').fill('payments');
    await page.getByLabel('Target 1 base URL').fill('not a url');
    await page.getByText('Not a valid URL: it must look like http://host:port').waitFor();
    await page.getByLabel('Target 1 base URL').fill('http://payments:6060');
    await page.getByLabel('Target 1 labels').fill('env=prod, job=payments');

    await page.getByRole('button', { name: 'Add target' }).click();
    await page.getByLabel('Target 2 name').fill('payments');
    await page.getByText('is used by more than one target').first().waitFor();

    await page.getByRole('button', { name: 'Remove target 2' }).click();
    // The authentication section is @grafana/plugin-ui's: the method is a select, and the
    // token field appears once the bearer-token method is chosen.
    await page.getByRole('combobox', { name: 'Authentication method' }).click();
    await page.getByRole('option', { name: /Bearer token/ }).click();
    await page.getByLabel('Bearer token', { exact: true }).fill('s3cret');

    const options = await json(page, 'options');
    assert.deepEqual(options.jsonData.targets, [
      { name: 'payments', url: 'http://payments:6060', labels: { env: 'prod', job: 'payments' } },
    ]);
    assert.equal(options.secureJsonData?.bearerToken, 's3cret');
    assert.ok(!JSON.stringify(options.jsonData).includes('s3cret'), 'the token must not be in jsonData');
    await page.screenshot({ path: path.join(shots, 'config-editor.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
