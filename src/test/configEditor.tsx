import React, { useState } from 'react';
import { render } from '@testing-library/react';

import { ConfigEditor } from '../components/ConfigEditor';
import { Settings, settingsFixture } from './settings';

/** renderConfigEditor renders the config editor the way Grafana does: every change is fed back as the new options. */
export function renderConfigEditor(initial: Settings = settingsFixture()) {
  const onOptionsChange = jest.fn<void, [Settings]>();
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  const lastOptions = () => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, lastOptions };
}
