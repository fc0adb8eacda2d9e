import React from 'react';
import { Alert, FieldSet, InlineField, InlineSwitch, Input, SecretInput } from '@grafana/ui';

import { selectors } from '../selectors';
import { ConfigProps, isSecretConfigured, resetSecret, setSecret } from './options';

const s = selectors.config.auth;
const LABEL_WIDTH = 24;

/** AuthSection edits the credentials the backend sends to every target. */
export function AuthSection(props: ConfigProps) {
  const { options, onOptionsChange } = props;
  const { jsonData, secureJsonData } = options;
  const basicAuth = Boolean(jsonData.basicAuth);
  const hasBearer = isSecretConfigured(props, 'bearerToken') || Boolean(secureJsonData?.bearerToken);

  // The SDK reads basic auth from jsonData, but lets the legacy top-level fields override it:
  // both are written so that an old top-level value cannot silently win.
  const setBasicAuth = (enabled: boolean, user = jsonData.basicAuthUser ?? '') =>
    onOptionsChange({
      ...options,
      basicAuth: enabled,
      basicAuthUser: user,
      jsonData: { ...jsonData, basicAuth: enabled, basicAuthUser: user },
    });

  return (
    <FieldSet label={s.section}>
      <InlineField
        label={s.basicAuth}
        labelWidth={LABEL_WIDTH}
        tooltip="Send a user name and password with every request to the targets."
      >
        <InlineSwitch
          id="pprof-basic-auth"
          aria-label={s.basicAuth}
          value={basicAuth}
          onChange={(e) => setBasicAuth(e.currentTarget.checked)}
        />
      </InlineField>
      {basicAuth && (
        <>
          <InlineField label={s.basicAuthUser} labelWidth={LABEL_WIDTH}>
            <Input
              id="pprof-basic-auth-user"
              value={jsonData.basicAuthUser ?? ''}
              placeholder="user"
              width={40}
              onChange={(e) => setBasicAuth(true, e.currentTarget.value)}
            />
          </InlineField>
          <InlineField label={s.basicAuthPassword} labelWidth={LABEL_WIDTH}>
            <SecretInput
              id="pprof-basic-auth-password"
              isConfigured={isSecretConfigured(props, 'basicAuthPassword')}
              value={secureJsonData?.basicAuthPassword ?? ''}
              placeholder="password"
              width={40}
              onChange={(e) => setSecret(props, 'basicAuthPassword', e.currentTarget.value)}
              onReset={() => resetSecret(props, 'basicAuthPassword')}
            />
          </InlineField>
        </>
      )}
      <InlineField
        label={s.bearerToken}
        labelWidth={LABEL_WIDTH}
        tooltip="Sent as 'Authorization: Bearer <token>' with every request to the targets. Stored encrypted."
      >
        <SecretInput
          id="pprof-bearer-token"
          isConfigured={isSecretConfigured(props, 'bearerToken')}
          value={secureJsonData?.bearerToken ?? ''}
          placeholder="token"
          width={40}
          onChange={(e) => setSecret(props, 'bearerToken', e.currentTarget.value)}
          onReset={() => resetSecret(props, 'bearerToken')}
        />
      </InlineField>
      {basicAuth && hasBearer && (
        <Alert severity="warning" title="Two kinds of credentials">
          Basic authentication and a bearer token both use the Authorization header: configure only one of them.
        </Alert>
      )}
    </FieldSet>
  );
}
