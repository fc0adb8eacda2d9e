import React from 'react';
import { FieldSet, InlineField, InlineSwitch, Input, SecretTextArea, Text } from '@grafana/ui';

import { SecureKey } from '../../types/config';
import { selectors } from '../selectors';
import { ConfigProps, isSecretConfigured, resetSecret, setSecret, updateJsonData } from './options';

const s = selectors.config.tls;
const LABEL_WIDTH = 32;

/** TlsSection edits how the backend verifies targets and authenticates to them over TLS. */
export function TlsSection(props: ConfigProps) {
  const { jsonData } = props.options;

  return (
    <FieldSet label={s.section}>
      <InlineField
        label={s.skipVerify}
        labelWidth={LABEL_WIDTH}
        tooltip="Accept any certificate the targets present. Only for testing."
      >
        <InlineSwitch
          id="pprof-tls-skip-verify"
          aria-label={s.skipVerify}
          value={Boolean(jsonData.tlsSkipVerify)}
          onChange={(e) => updateJsonData(props, { tlsSkipVerify: e.currentTarget.checked })}
        />
      </InlineField>
      {jsonData.tlsSkipVerify && (
        <Text color="warning" element="p">
          Certificates are not verified: anyone on the network path can impersonate the targets and read the credentials
          sent to them.
        </Text>
      )}
      <InlineField
        label={s.serverName}
        labelWidth={LABEL_WIDTH}
        tooltip="The name expected in the targets' certificates, when it differs from the host in their URLs."
      >
        <Input
          id="pprof-tls-server-name"
          value={jsonData.serverName ?? ''}
          placeholder="domain.example.com"
          width={40}
          onChange={(e) => updateJsonData(props, { serverName: e.currentTarget.value || undefined })}
        />
      </InlineField>
      <InlineField
        label={s.withCACert}
        labelWidth={LABEL_WIDTH}
        tooltip="Verify the targets' certificates against this CA instead of the system's trusted roots."
      >
        <InlineSwitch
          id="pprof-tls-with-ca"
          aria-label={s.withCACert}
          value={Boolean(jsonData.tlsAuthWithCACert)}
          onChange={(e) => updateJsonData(props, { tlsAuthWithCACert: e.currentTarget.checked })}
        />
      </InlineField>
      {jsonData.tlsAuthWithCACert && (
        <PemField props={props} secretKey="tlsCACert" label={s.caCert} placeholder="-----BEGIN CERTIFICATE-----" />
      )}
      <InlineField
        label={s.clientAuth}
        labelWidth={LABEL_WIDTH}
        tooltip="Present a client certificate to the targets (mutual TLS)."
      >
        <InlineSwitch
          id="pprof-tls-client-auth"
          aria-label={s.clientAuth}
          value={Boolean(jsonData.tlsAuth)}
          onChange={(e) => updateJsonData(props, { tlsAuth: e.currentTarget.checked })}
        />
      </InlineField>
      {jsonData.tlsAuth && (
        <>
          <PemField
            props={props}
            secretKey="tlsClientCert"
            label={s.clientCert}
            placeholder="-----BEGIN CERTIFICATE-----"
          />
          <PemField
            props={props}
            secretKey="tlsClientKey"
            label={s.clientKey}
            placeholder="-----BEGIN PRIVATE KEY-----"
          />
        </>
      )}
    </FieldSet>
  );
}

interface PemFieldProps {
  props: ConfigProps;
  secretKey: SecureKey;
  label: string;
  placeholder: string;
}

/** PemField edits one PEM block stored as a secret. */
function PemField({ props, secretKey, label, placeholder }: PemFieldProps) {
  const id = `pprof-${secretKey}`;
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} htmlFor={id}>
      <SecretTextArea
        id={id}
        aria-label={label}
        isConfigured={isSecretConfigured(props, secretKey)}
        value={props.options.secureJsonData?.[secretKey] ?? ''}
        placeholder={placeholder}
        cols={60}
        rows={6}
        onChange={(e) => setSecret(props, secretKey, e.currentTarget.value)}
        onReset={() => resetSecret(props, secretKey)}
      />
    </InlineField>
  );
}
