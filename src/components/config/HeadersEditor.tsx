import React from 'react';
import { ConfigSubSection } from '@grafana/plugin-ui';
import { Button, IconButton, InlineField, InlineFieldRow, Input, SecretInput, Stack, Text } from '@grafana/ui';

import { PprofOptions, PprofSecureJsonData } from '../../types/config';
import { selectors } from '../selectors';
import { ConfigProps, resetSecret, setSecret } from './options';

const s = selectors.config.headers;

type NameKey = `httpHeaderName${number}`;
type ValueKey = `httpHeaderValue${number}`;

const nameKey = (n: number): NameKey => `httpHeaderName${n}`;
const valueKey = (n: number): ValueKey => `httpHeaderValue${n}`;

interface Header {
  name: string;
  /** value is a newly typed value; stored values are never sent back to the browser. */
  value?: string;
  configured: boolean;
}

/**
 * readHeaders lists the headers the way the SDK reads them: httpHeaderName1, 2, … up to the
 * first missing number.
 */
function readHeaders({ options }: ConfigProps): Header[] {
  const headers: Header[] = [];
  for (let n = 1; options.jsonData[nameKey(n)] !== undefined; n++) {
    headers.push({
      name: options.jsonData[nameKey(n)] ?? '',
      value: options.secureJsonData?.[valueKey(n)],
      configured: Boolean(options.secureJsonFields?.[valueKey(n)]),
    });
  }
  return headers;
}

/** HeadersEditor edits custom headers sent to every target; their values are secrets. */
export function HeadersEditor(props: ConfigProps) {
  const { options, onOptionsChange } = props;
  const headers = readHeaders(props);

  const setName = (index: number, name: string) =>
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, [nameKey(index + 1)]: name } });

  const add = () =>
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, [nameKey(headers.length + 1)]: '' } });

  // The SDK stops at the first missing number, so removing a header renumbers those after it.
  // A stored value cannot move with its header (the browser never sees it): such a header is
  // left without a value and asks for it again, and the value at the freed last number is erased.
  const remove = (index: number) => {
    const jsonData: PprofOptions = { ...options.jsonData };
    const secureJsonData: PprofSecureJsonData = { ...options.secureJsonData };
    const secureJsonFields = { ...options.secureJsonFields };
    headers.forEach((_, i) => delete jsonData[nameKey(i + 1)]);
    headers
      .filter((_, i) => i !== index)
      .forEach((header, i) => {
        const n = i + 1;
        jsonData[nameKey(n)] = header.name;
        if (n - 1 < index) {
          return;
        }
        secureJsonData[valueKey(n)] = header.value ?? '';
        secureJsonFields[valueKey(n)] = false;
      });
    secureJsonData[valueKey(headers.length)] = '';
    secureJsonFields[valueKey(headers.length)] = false;
    onOptionsChange({ ...options, jsonData, secureJsonData, secureJsonFields });
  };

  return (
    <ConfigSubSection title={s.section}>
      <Stack direction="column" gap={1}>
        <Text color="secondary">Headers sent with every request to the targets. Values are stored encrypted.</Text>
        {headers.map((header, index) => {
          const nameError = header.name.trim() === '' ? 'Enter a header name' : undefined;
          const valueError = !header.configured && !header.value ? 'Enter a value' : undefined;
          return (
            <InlineFieldRow key={index}>
              <InlineField label="Name" labelWidth={8} invalid={Boolean(nameError)} error={nameError}>
                <Input
                  aria-label={s.name(index)}
                  value={header.name}
                  placeholder="X-Custom-Header"
                  width={28}
                  onChange={(e) => setName(index, e.currentTarget.value)}
                />
              </InlineField>
              <InlineField label="Value" labelWidth={8} invalid={Boolean(valueError)} error={valueError}>
                <SecretInput
                  aria-label={s.value(index)}
                  isConfigured={header.configured}
                  value={header.value ?? ''}
                  placeholder="value"
                  width={36}
                  onChange={(e) => setSecret(props, valueKey(index + 1), e.currentTarget.value)}
                  onReset={() => resetSecret(props, valueKey(index + 1))}
                />
              </InlineField>
              <IconButton name="trash-alt" tooltip={s.removeButton(index)} onClick={() => remove(index)} />
            </InlineFieldRow>
          );
        })}
        <div>
          <Button variant="secondary" icon="plus" onClick={add}>
            {s.addButton}
          </Button>
        </div>
      </Stack>
    </ConfigSubSection>
  );
}
