import { screen } from '@testing-library/react';

import { renderConfigEditor } from '../test/configEditor';
import { settingsFixture } from '../test/settings';
import { EDITOR_TEST_TIMEOUT_MS, setupUser } from '../test/user';
import { selectors } from './selectors';

const settings = settingsFixture;

const renderEditor = renderConfigEditor;

const t = selectors.config.targets;

const user = setupUser();
jest.setTimeout(EDITOR_TEST_TIMEOUT_MS);

describe('ConfigEditor', () => {
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

  it('stores the bearer token in secureJsonData only', async () => {
    const { lastOptions } = renderEditor();

    await user.type(screen.getByLabelText(selectors.config.auth.bearerToken), 's3cret');

    expect(lastOptions().secureJsonData).toEqual({ bearerToken: 's3cret' });
    expect(JSON.stringify(lastOptions().jsonData)).not.toContain('s3cret');
  });

  it('resets a configured bearer token', async () => {
    const { lastOptions } = renderEditor(settings({ secureJsonFields: { bearerToken: true } }));
    const input = screen.getByLabelText(selectors.config.auth.bearerToken);
    expect(input).toHaveValue('configured');
    expect(input).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Reset' }));

    expect(lastOptions().secureJsonFields.bearerToken).toBe(false);
    expect(lastOptions().secureJsonData).toEqual({ bearerToken: '' });
    expect(screen.getByLabelText(selectors.config.auth.bearerToken)).toBeEnabled();
  });

  it('keeps basic auth in the SDK keys', async () => {
    const { lastOptions } = renderEditor();

    await user.click(screen.getByRole('switch', { name: selectors.config.auth.basicAuth }));
    await user.type(screen.getByLabelText(selectors.config.auth.basicAuthUser), 'scraper');
    await user.type(screen.getByLabelText(selectors.config.auth.basicAuthPassword), 'pw');

    expect(lastOptions().jsonData).toMatchObject({ basicAuth: true, basicAuthUser: 'scraper' });
    expect(lastOptions().secureJsonData).toEqual({ basicAuthPassword: 'pw' });
    expect(lastOptions()).toMatchObject({ basicAuth: true, basicAuthUser: 'scraper' });
  });

  it('leaves TLS verification on by default and warns when it is turned off', async () => {
    const { lastOptions } = renderEditor();
    const skipVerify = screen.getByRole('switch', { name: selectors.config.tls.skipVerify });
    expect(skipVerify).not.toBeChecked();
    expect(screen.queryByText(/Certificates are not verified/)).not.toBeInTheDocument();

    await user.click(skipVerify);

    expect(lastOptions().jsonData.tlsSkipVerify).toBe(true);
    expect(screen.getByText(/Certificates are not verified/)).toBeInTheDocument();
  });

  it('stores TLS client certificates as secrets', async () => {
    const { lastOptions } = renderEditor();

    await user.click(screen.getByRole('switch', { name: selectors.config.tls.clientAuth }));
    await user.type(screen.getByRole('textbox', { name: selectors.config.tls.clientKey }), 'KEY');

    expect(lastOptions().jsonData.tlsAuth).toBe(true);
    expect(lastOptions().secureJsonData).toEqual({ tlsClientKey: 'KEY' });
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
