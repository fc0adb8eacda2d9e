import React from 'react';
import { render, screen } from '@testing-library/react';

import { TargetConfig } from '../../types/config';
import { ProbeInfo } from '../../types/resources';
import { selectors } from '../selectors';
import { setupUser } from '../../test/user';
import { TargetsEditor } from './TargetsEditor';

const s = selectors.config.targets;
const saved: TargetConfig[] = [{ name: 'api', url: 'http://api:6060' }];

describe('TargetsEditor target test', () => {
  it('tests a saved target through the backend and shows what answered', async () => {
    const user = setupUser();
    const probe = jest.fn<Promise<ProbeInfo>, [string]>().mockResolvedValue({
      target: 'api',
      ok: true,
      source: 'expvar',
      goroutines: 12,
      summary: 'api: ok (MemStats via /debug/vars, 12 goroutines)',
      endpoints: [],
    });
    render(<TargetsEditor targets={saved} saved={saved} probe={probe} onChange={jest.fn()} />);
    await user.click(screen.getByRole('button', { name: s.testButton(0) }));
    expect(probe).toHaveBeenCalledWith('api');
    expect(await screen.findByText('api: ok (MemStats via /debug/vars, 12 goroutines)')).toBeInTheDocument();
  });

  it('shows the failure the backend reports', async () => {
    const user = setupUser();
    const probe = jest.fn().mockRejectedValue({ data: { message: 'unknown target "api"' } });
    render(<TargetsEditor targets={saved} saved={saved} probe={probe} onChange={jest.fn()} />);
    await user.click(screen.getByRole('button', { name: s.testButton(0) }));
    expect(await screen.findByText('Could not test api: unknown target "api"')).toBeInTheDocument();
  });

  it('cannot test a target that is new or edited and not saved yet', async () => {
    const user = setupUser();
    const probe = jest.fn();
    const edited = [
      { name: 'api', url: 'http://api:7070' },
      { name: 'new', url: 'http://new:6060' },
    ];
    render(<TargetsEditor targets={edited} saved={saved} probe={probe} onChange={jest.fn()} />);
    for (const index of [0, 1]) {
      const button = screen.getByRole('button', { name: s.testButton(index) });
      // A button with a tooltip stays focusable and says it is disabled with aria-disabled.
      expect(button).toHaveAttribute('aria-disabled', 'true');
      await user.click(button);
    }
    expect(probe).not.toHaveBeenCalled();
  });
});
