import { DataSourceSettings } from '@grafana/data';

import { PprofOptions, PprofSecureJsonData } from '../types/config';

/** Settings is the data source settings object the config editor edits. */
export type Settings = DataSourceSettings<PprofOptions, PprofSecureJsonData>;

/**
 * settingsFixture is a freshly created Go pprof data source as Grafana hands it to the config
 * editor, with overrides; shared by the jest tests and the browser tests' page.
 */
export function settingsFixture(overrides: Partial<Settings> = {}): Settings {
  // `database` is required by the type but deprecated, and this data source never uses it.
  const base: Omit<Settings, 'database'> = {
    id: 1,
    uid: 'pprof',
    orgId: 1,
    name: 'Go pprof',
    typeLogoUrl: '',
    type: 'leakwatch-pprof-datasource',
    typeName: 'Go pprof',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
  };
  return { ...base, ...overrides } as Settings;
}
