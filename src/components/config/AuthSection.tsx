import React, { useState } from 'react';
import { Auth, AuthMethod, convertLegacyAuthProps } from '@grafana/plugin-ui';
import { Alert, InlineField, SecretInput, Stack } from '@grafana/ui';

import { selectors } from '../selectors';
import { ConfigProps, isSecretConfigured } from './options';

const s = selectors.config.auth;

/** BEARER_METHOD is the id of the bearer-token method added to @grafana/plugin-ui's list. */
export const BEARER_METHOD = 'custom-bearer' as const;

type Method = AuthMethod | typeof BEARER_METHOD;

// Forwarding the user's OAuth identity and cross-site cookies make no sense here: the backend
// scrapes on its own schedule, with no user behind the request.
const VISIBLE_METHODS: Method[] = [AuthMethod.NoAuth, AuthMethod.BasicAuth, BEARER_METHOD];

type Options = ConfigProps['options'];

/**
 * withSdkBasicAuth mirrors the top-level basic-auth fields, which @grafana/plugin-ui writes, into
 * jsonData: the SDK turns basic auth on when either says so, so a stale jsonData value written by
 * older versions of this editor must not keep it on.
 */
function withSdkBasicAuth(options: Options): Options {
  const enabled = Boolean(options.basicAuth);
  if (!enabled && options.jsonData.basicAuth === undefined) {
    return options;
  }
  return {
    ...options,
    jsonData: { ...options.jsonData, basicAuth: enabled, basicAuthUser: options.basicAuthUser ?? '' },
  };
}

/** clearBearer forgets the bearer token, so that it is no longer sent once another method is chosen. */
function clearBearer(options: Options): Options {
  if (!options.secureJsonFields?.bearerToken && !options.secureJsonData?.bearerToken) {
    return options;
  }
  return {
    ...options,
    secureJsonFields: { ...options.secureJsonFields, bearerToken: false },
    secureJsonData: { ...options.secureJsonData, bearerToken: '' },
  };
}

function initialMethod(props: ConfigProps): Method {
  const { options } = props;
  if (options.basicAuth || options.jsonData.basicAuth) {
    return AuthMethod.BasicAuth;
  }
  if (isSecretConfigured(props, 'bearerToken') || options.secureJsonData?.bearerToken) {
    return BEARER_METHOD;
  }
  return AuthMethod.NoAuth;
}

/**
 * AuthSection edits the credentials and TLS settings the backend uses for every target, with
 * @grafana/plugin-ui's Auth component over the SDK's standard keys, plus a bearer-token method.
 * Custom headers have their own section (HeadersEditor): plugin-ui's renumbers stored header
 * values after a removal, which would send one header's secret under another's name.
 */
export function AuthSection(props: ConfigProps) {
  const { options, onOptionsChange } = props;
  // The chosen method is kept here because "bearer token" has no stored flag: it is chosen
  // before a token is typed.
  const [method, setMethod] = useState<Method>(() => initialMethod(props));
  const onChange = (next: Options) => onOptionsChange(withSdkBasicAuth(next));
  const legacy = convertLegacyAuthProps({ config: options, onChange });
  // Unset switches come through as undefined, which would flip plugin-ui's checkboxes from
  // uncontrolled to controlled on the first click.
  const tls = legacy.TLS && {
    ...legacy.TLS,
    TLSClientAuth: { ...legacy.TLS.TLSClientAuth, enabled: Boolean(options.jsonData.tlsAuth) },
    skipTLSVerification: { ...legacy.TLS.skipTLSVerification, enabled: Boolean(options.jsonData.tlsSkipVerify) },
  };
  const tokenConfigured = isSecretConfigured(props, 'bearerToken');

  const select = (next: Method) => {
    setMethod(next);
    const cleared = next === BEARER_METHOD ? options : clearBearer(options);
    onChange({ ...cleared, basicAuth: next === AuthMethod.BasicAuth });
  };

  const bearer = (
    <InlineField
      label={s.bearerToken}
      labelWidth={24}
      tooltip="Sent as 'Authorization: Bearer <token>' with every request to the targets. Stored encrypted."
    >
      <SecretInput
        id="pprof-bearer-token"
        aria-label={s.bearerToken}
        isConfigured={tokenConfigured}
        value={options.secureJsonData?.bearerToken ?? ''}
        placeholder="token"
        width={40}
        onChange={(e) =>
          onChange({ ...options, secureJsonData: { ...options.secureJsonData, bearerToken: e.currentTarget.value } })
        }
        onReset={() => onChange(clearBearer(options))}
      />
    </InlineField>
  );

  return (
    <Stack direction="column" gap={1}>
      <Auth
        {...legacy}
        TLS={tls}
        selectedMethod={method}
        visibleMethods={VISIBLE_METHODS}
        defaultOptionsOverrides={{
          [AuthMethod.NoAuth]: { description: 'The targets accept requests without credentials' },
          [AuthMethod.BasicAuth]: { description: 'Send a user name and password with every request to the targets' },
        }}
        customMethods={[
          {
            id: BEARER_METHOD,
            label: s.bearerMethod,
            description: 'Send a token in the Authorization header with every request to the targets',
            component: bearer,
          },
        ]}
        onAuthMethodSelect={(m) => select(m as Method)}
        customHeaders={undefined}
      />
      {options.jsonData.tlsSkipVerify && (
        <Alert severity="warning" title={s.skipVerifyWarning}>
          Anyone on the network path can impersonate the targets and read the credentials sent to them. Use it only for
          testing, or add the targets&apos; CA certificate instead.
        </Alert>
      )}
    </Stack>
  );
}
