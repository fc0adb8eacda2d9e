import { screen } from '@testing-library/react';

import { renderConfigEditor } from '../test/configEditor';
import { settingsFixture } from '../test/settings';
import { installComboboxShims } from '../test/jsdomShims';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../test/user';
import { selectors } from './selectors';

const settings = settingsFixture;

const renderEditor = renderConfigEditor;

const t = selectors.config.targets;

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

describe('ConfigEditor', () => {
  // plugin-ui's authentication method is a Select, whose menu watches scrolling.
  beforeEach(installComboboxShims);

  it('adds a target to jsonData', async () => {
    const { onOptionsChange, lastOptions } = renderEditor();

    await user.click(screen.getByRole('button', { name: t.addButton }));
    expect(onOptionsChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ jsonData: expect.objectContaining({ targets: [{ name: '', url: '' }] }) })
    );

    await user.type(screen.getByRole('textbox', { name: t.name(0) }), 'api');
    await user.click(screen.getByRole('textbox', { name: t.url(0) }));
    await user.paste('http://api:6060');
    await user.click(screen.getByRole('textbox', { name: t.labels(0) }));
    await user.paste('env=prod, team=core');

    expect(lastOptions().jsonData.targets).toEqual([
      { name: 'api', url: 'http://api:6060', labels: { env: 'prod', team: 'core' } },
    ]);
  });

  it('removes a target', async () => {
    const { lastOptions } = renderEditor(
      settings({
        jsonData: {
          targets: [
            { name: 'a', url: 'http://a:1', labels: { env: 'a' } },
            { name: 'b', url: 'http://b:1', labels: { env: 'b' } },
          ],
        },
      })
    );

    await user.click(screen.getByRole('button', { name: t.removeButton(0) }));

    expect(lastOptions().jsonData.targets).toEqual([{ name: 'b', url: 'http://b:1', labels: { env: 'b' } }]);
    expect(screen.getByRole('textbox', { name: t.labels(0) })).toHaveValue('env=b');
  });

  it('flags duplicate and empty names, bad URLs and bad label names', () => {
    renderEditor(
      settings({
        jsonData: {
          targets: [
            { name: 'api', url: 'http://api:6060' },
            { name: 'api', url: 'ftp://api' },
            { name: '', url: 'http://x:1', labels: { target: 'x' } },
          ],
        },
      })
    );

    expect(screen.getAllByText('The name "api" is used by more than one target')).toHaveLength(2);
    expect(screen.getByText('The URL must start with http:// or https://')).toBeInTheDocument();
    expect(screen.getByText('Enter a name')).toBeInTheDocument();
    expect(screen.getByText('"target" is reserved: it is set to the target name')).toBeInTheDocument();
  });

  it('reports a bad label name typed as text', async () => {
    renderEditor(settings({ jsonData: { targets: [{ name: 'api', url: 'http://api:6060' }] } }));

    await user.type(screen.getByRole('textbox', { name: t.labels(0) }), '1env=prod');

    expect(screen.getByText(/"1env" is not a valid label name/)).toBeInTheDocument();
  });

  const a = selectors.config.auth;

  /** chooseAuthMethod picks a method in @grafana/plugin-ui's authentication select. */
  async function chooseAuthMethod(label: string) {
    await user.click(screen.getByRole('combobox', { name: a.method }));
    await user.click(await screen.findByText(label, { selector: '[role="option"] *' }));
  }

  it('stores the bearer token in secureJsonData only', async () => {
    const { lastOptions } = renderEditor();

    await chooseAuthMethod(a.bearerMethod);
    await user.type(screen.getByLabelText(a.bearerToken), 's3cret');

    expect(lastOptions().secureJsonData).toEqual({ bearerToken: 's3cret' });
    expect(JSON.stringify(lastOptions().jsonData)).not.toContain('s3cret');
    expect(lastOptions().basicAuth).toBe(false);
  });

  it('resets a configured bearer token', async () => {
    const { lastOptions } = renderEditor(settings({ secureJsonFields: { bearerToken: true } }));
    const input = screen.getByLabelText(a.bearerToken);
    expect(input).toHaveValue('configured');
    expect(input).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Reset' }));

    expect(lastOptions().secureJsonFields.bearerToken).toBe(false);
    expect(lastOptions().secureJsonData).toEqual({ bearerToken: '' });
    expect(screen.getByLabelText(a.bearerToken)).toBeEnabled();
  });

  it('forgets the bearer token when another method is chosen, so it is no longer sent', async () => {
    const { lastOptions } = renderEditor(settings({ secureJsonFields: { bearerToken: true } }));

    await chooseAuthMethod('No Authentication');

    expect(lastOptions().secureJsonFields.bearerToken).toBe(false);
    expect(lastOptions().secureJsonData).toEqual({ bearerToken: '' });
    expect(screen.queryByLabelText(a.bearerToken)).not.toBeInTheDocument();
  });

  it('offers only the methods a backend that scrapes on its own can use', async () => {
    renderEditor();

    await user.click(screen.getByRole('combobox', { name: a.method }));

    const options = screen.getAllByRole('option').map((o) => o.textContent ?? '');
    expect(options.some((o) => o.includes('Basic authentication'))).toBe(true);
    expect(options.some((o) => o.includes(a.bearerMethod))).toBe(true);
    expect(options.some((o) => o.includes('Forward OAuth'))).toBe(false);
    expect(options.some((o) => o.includes('cross-site'))).toBe(false);
  });

  it('keeps basic auth in the SDK keys', async () => {
    const { lastOptions } = renderEditor();

    await chooseAuthMethod('Basic authentication');
    await user.type(screen.getByLabelText(new RegExp(`^${a.basicAuthUser}`)), 'scraper');
    await user.type(screen.getByLabelText(new RegExp(`^${a.basicAuthPassword}`)), 'pw');

    expect(lastOptions().jsonData).toMatchObject({ basicAuth: true, basicAuthUser: 'scraper' });
    expect(lastOptions().secureJsonData).toEqual({ basicAuthPassword: 'pw' });
    expect(lastOptions()).toMatchObject({ basicAuth: true, basicAuthUser: 'scraper' });
  });

  it('turns off basic auth stored in jsonData too, which the SDK would otherwise still send', async () => {
    const { lastOptions } = renderEditor(
      settings({ basicAuth: true, basicAuthUser: 'old', jsonData: { basicAuth: true, basicAuthUser: 'old' } })
    );

    await chooseAuthMethod('No Authentication');

    expect(lastOptions().basicAuth).toBe(false);
    expect(lastOptions().jsonData.basicAuth).toBe(false);
  });

  it('leaves TLS verification on by default and warns when it is turned off', async () => {
    const { lastOptions } = renderEditor();
    const skipVerify = screen.getByRole('checkbox', { name: 'Skip TLS certificate validation' });
    expect(skipVerify).not.toBeChecked();
    expect(screen.queryByText(a.skipVerifyWarning)).not.toBeInTheDocument();

    await user.click(skipVerify);

    expect(lastOptions().jsonData.tlsSkipVerify).toBe(true);
    expect(screen.getByText(a.skipVerifyWarning)).toBeInTheDocument();
  });

  it('stores TLS client certificates as secrets', async () => {
    const { lastOptions } = renderEditor();

    await user.click(screen.getByRole('checkbox', { name: 'TLS Client Authentication' }));
    await user.type(screen.getByLabelText(/^Client Key/), 'KEY');

    expect(lastOptions().jsonData.tlsAuth).toBe(true);
    expect(lastOptions().secureJsonData).toEqual(expect.objectContaining({ tlsClientKey: 'KEY' }));
    expect(JSON.stringify(lastOptions().jsonData)).not.toContain('KEY');
  });

  it('writes header names to jsonData and values to secureJsonData', async () => {
    const { lastOptions } = renderEditor();
    const h = selectors.config.headers;

    await user.click(screen.getByRole('button', { name: h.addButton }));
    await user.type(screen.getByRole('textbox', { name: h.name(0) }), 'X-Token');
    await user.type(screen.getByLabelText(h.value(0)), 'abc');

    expect(lastOptions().jsonData.httpHeaderName1).toBe('X-Token');
    expect(lastOptions().secureJsonData).toEqual({ httpHeaderValue1: 'abc' });
  });

  it('renumbers headers after a removal and asks again for a value it could not move', async () => {
    const { lastOptions } = renderEditor(
      settings({
        jsonData: { httpHeaderName1: 'A', httpHeaderName2: 'B' },
        secureJsonFields: { httpHeaderValue1: true, httpHeaderValue2: true },
      })
    );
    const h = selectors.config.headers;

    await user.click(screen.getByRole('button', { name: h.removeButton(0) }));

    expect(lastOptions().jsonData).toEqual({ httpHeaderName1: 'B' });
    expect(lastOptions().secureJsonData).toEqual({ httpHeaderValue1: '', httpHeaderValue2: '' });
    expect(screen.getByText('Enter a value')).toBeInTheDocument();
  });

  it('validates durations and stores sizes in bytes', async () => {
    const { lastOptions } = renderEditor();
    const sc = selectors.config.scrape;

    await user.type(screen.getByLabelText(sc.scrapeInterval), '10ms');
    expect(screen.getByText('Must be at least 100ms')).toBeInTheDocument();

    await user.type(screen.getByLabelText(sc.retention), '2 weeks');
    expect(screen.getByText('"2 weeks" is not a duration such as 15s, 5m or 7d')).toBeInTheDocument();

    await user.type(screen.getByLabelText(sc.maxResponseMiB), '32');
    await user.type(screen.getByLabelText(sc.timeout), '30');
    expect(lastOptions().jsonData).toMatchObject({ maxResponseBytes: 32 << 20, timeout: 30 });
  });
});
