import { DataQueryRequest } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { findValues, PprofVariableSupport, VariableApi } from './variables';
import { parseLabelFilter, VariableQuery } from './types/variables';

let mockTemplateSrv: Pick<TemplateSrv, 'replace'> = { replace: (t: string | undefined) => t ?? '' };
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => mockTemplateSrv,
}));

function api(): jest.Mocked<VariableApi> {
  return {
    getTargets: jest
      .fn()
      .mockResolvedValue([
        { name: 'api', labels: { env: 'prod', job: 'web' } },
        { name: 'worker', labels: { env: 'prod', job: 'batch' } },
        { name: 'canary', labels: { env: 'staging' } },
        { name: 'bare' },
      ]),
    getMetrics: jest.fn().mockResolvedValue([
      { name: 'heap_inuse', unit: 'bytes', description: '', formula: '', kind: 'gauge' },
      { name: 'gc_cpu', unit: 'percentunit', description: '', formula: '', kind: 'gc' },
    ]),
    getFunctions: jest.fn().mockResolvedValue(['main.leakIntoRegistry', 'bytes.growSlice']),
  };
}

const q = (p: Partial<VariableQuery>): VariableQuery => ({ refId: 'v', kind: 'targets', ...p });

describe('findValues', () => {
  it('lists every target, or those whose labels match the filter', async () => {
    const a = api();
    expect(await findValues(a, q({}))).toEqual([
      { text: 'api' },
      { text: 'worker' },
      { text: 'canary' },
      { text: 'bare' },
    ]);
    expect(await findValues(a, q({ labelFilter: 'env=prod, job=batch' }))).toEqual([{ text: 'worker' }]);
    await expect(findValues(a, q({ labelFilter: 'env' }))).rejects.toThrow(
      'label filter: "env" is not a name=value pair'
    );
  });

  it('lists the distinct values of a label, sorted', async () => {
    expect(await findValues(api(), q({ kind: 'labelValues', label: 'env' }))).toEqual([
      { text: 'prod' },
      { text: 'staging' },
    ]);
  });

  it("lists a target's functions, with variables replaced, and nothing without a target", async () => {
    const a = api();
    const replace = (t: string) => t.replace('$target', 'api');
    expect(await findValues(a, q({ kind: 'functions', target: '$target' }), replace)).toEqual([
      { text: 'main.leakIntoRegistry' },
      { text: 'bytes.growSlice' },
    ]);
    expect(a.getFunctions).toHaveBeenCalledWith('api', 'heap');
    expect(await findValues(a, q({ kind: 'functions' }))).toEqual([]);
    expect(a.getFunctions).toHaveBeenCalledTimes(1);
  });

  it('lists the metric catalog', async () => {
    expect(await findValues(api(), q({ kind: 'metrics' }))).toEqual([{ text: 'heap_inuse' }, { text: 'gc_cpu' }]);
  });
});

describe('parseLabelFilter', () => {
  it('reads name=value pairs and ignores empty parts', () => {
    expect(parseLabelFilter(' env = prod ,, job=web ')).toEqual({
      pairs: [
        ['env', 'prod'],
        ['job', 'web'],
      ],
    });
    expect(parseLabelFilter(undefined)).toEqual({ pairs: [] });
    expect(parseLabelFilter('=x').error).toBe('"=x" is not a name=value pair');
  });
});

describe('PprofVariableSupport', () => {
  it('answers a variable query with its values, replacing dashboard variables', async () => {
    mockTemplateSrv = { replace: (t: string | undefined) => (t ?? '').replace('$env', 'staging') };
    const support = new PprofVariableSupport(api());
    const request = {
      targets: [q({ labelFilter: 'env=$env' })],
      scopedVars: {},
    } as unknown as DataQueryRequest<VariableQuery>;
    const resp = await lastValueFrom(support.query(request));
    expect(resp.data).toEqual([{ text: 'canary' }]);
  });
});
