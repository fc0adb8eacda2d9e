import { DataSourcePluginOptionsEditorProps } from '@grafana/data';

import { PprofOptions, PprofSecureJsonData, SecureKey } from '../../types/config';

/** ConfigProps are the props Grafana passes to the config editor and its sections. */
export type ConfigProps = DataSourcePluginOptionsEditorProps<PprofOptions, PprofSecureJsonData>;

/** updateJsonData merges a patch into jsonData; keys patched to undefined are dropped. */
export function updateJsonData({ options, onOptionsChange }: ConfigProps, patch: Partial<PprofOptions>): void {
  const jsonData: PprofOptions = { ...options.jsonData, ...patch };
  for (const key of Object.keys(patch) as Array<keyof PprofOptions>) {
    if (patch[key] === undefined) {
      delete jsonData[key];
    }
  }
  onOptionsChange({ ...options, jsonData });
}

/** setSecret stores a new secret value; it only ever goes to secureJsonData. */
export function setSecret({ options, onOptionsChange }: ConfigProps, key: SecureKey, value: string): void {
  onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, [key]: value } });
}

/**
 * resetSecret forgets a stored secret: the empty value overwrites it on save, and clearing the
 * configured flag lets the user type a new one.
 */
export function resetSecret({ options, onOptionsChange }: ConfigProps, key: SecureKey): void {
  onOptionsChange({
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...options.secureJsonData, [key]: '' },
  });
}

/** isSecretConfigured tells whether Grafana already stores a value for the key. */
export function isSecretConfigured({ options }: ConfigProps, key: SecureKey): boolean {
  return Boolean(options.secureJsonFields?.[key]);
}
