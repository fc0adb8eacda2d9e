import React, { useState } from 'react';
import { Button, Text } from '@grafana/ui';

import { ProbeInfo } from '../../types/resources';
import { errorText } from '../query/useResource';
import { selectors } from '../selectors';

interface Props {
  index: number;
  name: string;
  /** probe is undefined while the row differs from the saved settings: only saved targets can be tested. */
  probe?: (name: string) => Promise<ProbeInfo>;
}

/** TargetTest asks the backend to probe one saved target and shows what answered. */
export function TargetTest({ index, name, probe }: Props) {
  const [state, setState] = useState<{ loading: boolean; result?: ProbeInfo; error?: string }>({ loading: false });
  const run = async () => {
    if (!probe) {
      return;
    }
    setState({ loading: true });
    try {
      setState({ loading: false, result: await probe(name) });
    } catch (err) {
      setState({ loading: false, error: errorText(err) });
    }
  };
  return (
    <>
      <Button
        variant="secondary"
        size="sm"
        icon="plug"
        disabled={!probe || state.loading}
        tooltip={probe ? undefined : 'Save the data source first: only saved targets can be tested.'}
        aria-label={selectors.config.targets.testButton(index)}
        onClick={run}
      >
        {state.loading ? 'Testing…' : 'Test'}
      </Button>
      {state.result && (
        <Text color={state.result.ok ? 'success' : 'error'} data-testid={`target-test-${index}`}>
          {state.result.summary}
        </Text>
      )}
      {state.error && (
        <Text color="error">
          Could not test {name}: {state.error}
        </Text>
      )}
    </>
  );
}
