import {
  BackendSrv,
  BackendSrvRequest,
  FetchError,
  FetchResponse,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  TemplateSrv,
} from '@grafana/runtime';
import { DataSourceInstanceSettings, ScopedVars, TypedVariableModel } from '@grafana/data';
import { Observable } from 'rxjs';

import { PprofOptions } from '../../../src/types/config';

/**
 * The pieces of Grafana's frontend services the plugin's frontend calls, implemented over
 * window.fetch against the test server (which answers with the real backend). Everything
 * else Grafana would provide is left out on purpose: a call to it fails the test.
 */

function fetchObservable<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
  return new Observable((subscriber) => {
    const url = new URL(options.url, window.location.origin);
    for (const [k, v] of Object.entries(options.params ?? {})) {
      url.searchParams.set(k, String(v));
    }
    const init: RequestInit = { method: options.method ?? 'GET', headers: { ...(options.headers ?? {}) } };
    if (options.data !== undefined) {
      init.body = JSON.stringify(options.data);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    window
      .fetch(url, init)
      .then(async (res) => {
        const text = await res.text();
        let data: unknown = text;
        try {
          data = JSON.parse(text);
        } catch {
          data = { message: text.trim() };
        }
        const response = {
          data: data as T,
          status: res.status,
          statusText: res.statusText,
          ok: res.ok,
          headers: res.headers,
          redirected: res.redirected,
          type: res.type,
          url: res.url,
          config: options,
        };
        if (!res.ok) {
          const err: FetchError = { ...response, data, message: res.statusText };
          subscriber.error(err);
          return;
        }
        subscriber.next(response);
        subscriber.complete();
      })
      .catch((err) => subscriber.error(err));
  });
}

/** installGrafanaServices wires the runtime services the data source class and editors use. */
export function installGrafanaServices(
  settings: DataSourceInstanceSettings<PprofOptions>,
  variables: Record<string, string[]>
) {
  const backendSrv: Partial<BackendSrv> = { fetch: fetchObservable };
  setBackendSrv(backendSrv as BackendSrv);

  // The dashboard's variables, each with its current (multi-)value; replace handles the
  // `$name` and `${name}` forms and the format function, as Grafana's TemplateSrv does.
  const templateSrv: Partial<TemplateSrv> = {
    getVariables: () =>
      Object.keys(variables).map((name) => ({ name, type: 'custom' }) as unknown as TypedVariableModel),
    replace: (text?: string, _scoped?: ScopedVars, format?: string | Function) =>
      (text ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
        const value = variables[braced ?? bare ?? ''];
        if (!value) {
          return whole;
        }
        return typeof format === 'function' ? format(value) : value.join(',');
      }),
    containsTemplate: (text?: string) => Boolean(text && text.includes('$')),
    updateTimeRange: () => {},
  };
  setTemplateSrv(templateSrv as TemplateSrv);

  setDataSourceSrv({
    getInstanceSettings: () => settings,
    get: () => Promise.reject(new Error('not available in the browser test')),
    getList: () => [settings],
    reload: () => {},
    registerRuntimeDataSource: () => {},
  } as never);
}
