import React from 'react';
import { render, screen, within } from '@testing-library/react';

import type { DataSource } from '../datasource';
import { VariableQuery } from '../types/variables';
import { VariableQueryEditor } from './VariableQueryEditor';
import { selectors } from './selectors';
import { setupUser } from '../test/user';

function renderEditor(query: VariableQuery) {
  const onChange = jest.fn();
  const props = {
    query,
    onChange,
    onRunQuery: jest.fn(),
    datasource: {} as DataSource,
  } as unknown as React.ComponentProps<typeof VariableQueryEditor>;
  render(<VariableQueryEditor {...props} />);
  return onChange;
}

describe('VariableQueryEditor', () => {
  it('starts as a target list and flags a malformed label filter', () => {
    renderEditor({ refId: 'v', kind: 'targets', labelFilter: 'env' });
    const kinds = within(screen.getByRole('radiogroup', { name: selectors.variable.kind }));
    expect(kinds.getByRole('radio', { name: 'Targets' })).toBeChecked();
    expect(screen.getByText('"env" is not a name=value pair')).toBeInTheDocument();
  });

  it('switches the kind and edits the fields of that kind', async () => {
    const user = setupUser();
    const onChange = renderEditor({ refId: 'v', kind: 'functions' });
    await user.type(screen.getByLabelText(selectors.variable.target), 'a');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', kind: 'functions', target: 'a' });
    const kinds = within(screen.getByRole('radiogroup', { name: selectors.variable.kind }));
    await user.click(kinds.getByRole('radio', { name: 'Label values' }));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', kind: 'labelValues' });
  });
});
