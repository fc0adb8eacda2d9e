import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { DataSource } from './datasource';
import { interpolateTargets } from './templating';
import { PprofOptions } from './types/config';
import { GoroutinesQuery, PprofQuery, ProfileQuery, QueryType, RuntimeQuery, SuspectsQuery } from './types/query';

/**
 * fakeTemplateSrv replaces `$name` by the variable's values the way Grafana does: a
 * multi-value variable is handed to a format function as an array, or joined with commas.
 */
function fakeTemplateSrv(variables: Record<string, string | string[]>): Pick<TemplateSrv, 'replace'> {
  return {
    replace: jest.fn((text?: string, _scoped?: ScopedVars, format?: string | Function) =>
      (text ?? '').replace(/\$(\w+)/g, (match, name: string) => {
        const value = variables[name];
        if (value === undefined) {
          return match;
        }
        if (typeof format === 'function') {
          return format(value);
        }
        if (format === 'regex') {
          const escape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');
          return Array.isArray(value) ? `(${value.map(escape).join('|')})` : escape(value);
        }
        return Array.isArray(value) ? value.join(',') : value;
      })
    ),
  };
}

let mockTemplateSrv: Pick<TemplateSrv, 'replace'> = fakeTemplateSrv({});
const mockDelete = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => mockTemplateSrv,
  getBackendSrv: () => ({ delete: mockDelete }),
}));

function dataSource() {
  return new DataSource({ uid: 'pprof-uid', jsonData: {} } as DataSourceInstanceSettings<PprofOptions>);
}

const query = (q: Partial<RuntimeQuery>): RuntimeQuery => ({ refId: 'A', queryType: QueryType.Runtime, ...q });

describe('interpolateTargets', () => {
  it('expands a multi-value variable into one target per value', () => {
    const srv = fakeTemplateSrv({ target: ['api', 'worker'] });

    expect(interpolateTargets(['$target'], {}, srv)).toEqual(['api', 'worker']);
  });

  it('keeps plain names and patterns, and drops empty and repeated entries', () => {
    const srv = fakeTemplateSrv({ target: ['api', 'worker'], none: '' });

    expect(interpolateTargets(['api', '/db-.*/', '$target', '$none', ' '], {}, srv)).toEqual([
      'api',
      '/db-.*/',
      'worker',
    ]);
  });

  it('passes the scoped variables of repeated panels', () => {
    const srv = fakeTemplateSrv({ target: 'api' });
    const scoped: ScopedVars = { target: { text: 'api', value: 'api' } };

    interpolateTargets(['$target'], scoped, srv);

    expect(srv.replace).toHaveBeenCalledWith('$target', scoped, expect.any(Function));
  });
});

describe('DataSource', () => {
  it('applies template variables to targets and window', () => {
    mockTemplateSrv = fakeTemplateSrv({ target: ['api', 'worker'], window: '6h' });

    const applied = dataSource().applyTemplateVariables(
      query({ targets: ['$target'], metrics: ['heap_slope'], window: '$window' }),
      {}
    );

    expect(applied).toEqual(query({ targets: ['api', 'worker'], metrics: ['heap_slope'], window: '6h' }));
  });

  it('starts new queries with heap_inuse of every target', () => {
    expect(dataSource().getDefaultQuery(CoreApp.Explore)).toEqual({
      queryType: QueryType.Runtime,
      targets: [],
      metrics: ['heap_inuse'],
    });
  });

  it('skips hidden queries', () => {
    const ds = dataSource();

    expect(ds.filterQuery(query({ hide: true }))).toBe(false);
    expect(ds.filterQuery(query({}))).toBe(true);
  });

  it('reads targets and metrics from the backend resources', async () => {
    const ds = dataSource();
    const getResource = jest
      .spyOn(ds, 'getResource')
      .mockResolvedValueOnce([{ name: 'api', labels: { env: 'prod' } }])
      .mockResolvedValueOnce(null);

    await expect(ds.getTargets()).resolves.toEqual([{ name: 'api', labels: { env: 'prod' } }]);
    await expect(ds.getMetrics()).resolves.toEqual([]);
    expect(getResource).toHaveBeenNthCalledWith(1, 'targets');
    expect(getResource).toHaveBeenNthCalledWith(2, 'metrics');
  });
});

describe('DataSource with profile, suspects and goroutines queries', () => {
  const profile = (q: Partial<ProfileQuery>): ProfileQuery => ({ refId: 'A', queryType: QueryType.Profile, ...q });

  it("applies template variables to the profile query's targets, times and regexes", () => {
    mockTemplateSrv = fakeTemplateSrv({
      svc: 'api',
      canary: 'api-canary',
      fn: ['main.(*T).leak', 'main.run'],
      off: '1h',
    });

    const applied = dataSource().applyTemplateVariables(
      profile({
        target: '$svc',
        baseline: 'target',
        baselineTarget: '$canary',
        baselineOffset: '$off',
        focus: '^$fn$',
        ignore: 'runtime\\.$',
        profileType: 'heap',
      }),
      {}
    );

    expect(applied).toEqual(
      profile({
        target: 'api',
        baseline: 'target',
        baselineTarget: 'api-canary',
        baselineOffset: '1h',
        focus: '^(main\\.\\(\\*T\\)\\.leak|main\\.run)$',
        ignore: 'runtime\\.$',
        profileType: 'heap',
      })
    );
  });

  it('applies template variables to the suspects target and the goroutines targets', () => {
    mockTemplateSrv = fakeTemplateSrv({ svc: 'api', all: ['api', 'worker'], stale: '30m' });
    const ds = dataSource();

    const suspects: SuspectsQuery = { refId: 'A', queryType: QueryType.Suspects, target: '$svc', topN: 5 };
    expect(ds.applyTemplateVariables(suspects, {})).toEqual({ ...suspects, target: 'api' });

    const goroutines: GoroutinesQuery = {
      refId: 'A',
      queryType: QueryType.Goroutines,
      targets: ['$all'],
      staleThreshold: '$stale',
      output: 'verdicts',
    };
    expect(ds.applyTemplateVariables(goroutines, {})).toEqual({
      ...goroutines,
      targets: ['api', 'worker'],
      staleThreshold: '30m',
    });
  });

  it('reads a query without a type as a runtime query', () => {
    mockTemplateSrv = fakeTemplateSrv({});

    const applied = dataSource().applyTemplateVariables({ refId: 'A', targets: ['api'] } as unknown as PprofQuery, {});

    expect(applied).toEqual(query({ targets: ['api'] }));
  });

  it('holds back a diff until its baseline is complete', () => {
    const ds = dataSource();

    expect(ds.filterQuery(profile({}))).toBe(true);
    expect(ds.filterQuery(profile({ baseline: 'rangeStart' }))).toBe(true);
    expect(ds.filterQuery(profile({ baseline: 'offset' }))).toBe(false);
    expect(ds.filterQuery(profile({ baseline: 'offset', baselineOffset: ' ' }))).toBe(false);
    expect(ds.filterQuery(profile({ baseline: 'offset', baselineOffset: '1h' }))).toBe(true);
    expect(ds.filterQuery(profile({ baseline: 'pin' }))).toBe(false);
    expect(ds.filterQuery(profile({ baseline: 'pin', baselinePin: 'before-release' }))).toBe(true);
    expect(ds.filterQuery(profile({ baseline: 'target' }))).toBe(false);
    expect(ds.filterQuery(profile({ baseline: 'target', baselineTarget: 'worker' }))).toBe(true);
    expect(ds.filterQuery(profile({ hide: true }))).toBe(false);
  });

  it('reads profile types, snapshots, pins and goroutine states from the backend resources', async () => {
    const ds = dataSource();
    const getResource = jest
      .spyOn(ds, 'getResource')
      .mockResolvedValueOnce([{ type: 'heap' }])
      .mockResolvedValueOnce([{ time: 1, rawBytes: 2, pins: [] }])
      .mockResolvedValueOnce(null)
      .mockResolvedValueOnce(['running', 'select']);

    await expect(ds.getProfileTypes('api')).resolves.toEqual([{ type: 'heap' }]);
    await expect(ds.getSnapshots('api', 'allocs', 1000, 2000)).resolves.toEqual([{ time: 1, rawBytes: 2, pins: [] }]);
    await expect(ds.getPins()).resolves.toEqual([]);
    await expect(ds.getGoroutineStates()).resolves.toEqual(['running', 'select']);

    expect(getResource).toHaveBeenNthCalledWith(1, 'profile-types', { target: 'api' });
    expect(getResource).toHaveBeenNthCalledWith(2, 'snapshots', {
      target: 'api',
      type: 'allocs',
      from: 1000,
      to: 2000,
    });
    expect(getResource).toHaveBeenNthCalledWith(3, 'pins');
    expect(getResource).toHaveBeenNthCalledWith(4, 'goroutine-states');
  });

  it('creates and deletes pins', async () => {
    const ds = dataSource();
    const postResource = jest.spyOn(ds, 'postResource').mockResolvedValueOnce({});
    mockDelete.mockResolvedValueOnce({});

    await ds.createPin({ name: 'before-release', target: 'api', kind: 'heap', time: 1767362400000 });
    await ds.deletePin('before release');

    expect(postResource).toHaveBeenCalledWith('pins', {
      name: 'before-release',
      target: 'api',
      kind: 'heap',
      time: 1767362400000,
    });
    expect(mockDelete).toHaveBeenCalledWith('/api/datasources/uid/pprof-uid/resources/pins', undefined, {
      params: { name: 'before release' },
    });
  });

  it('links a snapshot download, the newest when no time is given', () => {
    const ds = dataSource();

    expect(ds.snapshotDownloadUrl({ target: 'api canary', profileType: 'heap', time: 1767362400000 })).toBe(
      '/api/datasources/uid/pprof-uid/resources/snapshot?target=api+canary&type=heap&time=1767362400000'
    );
    expect(ds.snapshotDownloadUrl({ target: 'api', profileType: 'goroutine' })).toBe(
      '/api/datasources/uid/pprof-uid/resources/snapshot?target=api&type=goroutine'
    );
  });
});
