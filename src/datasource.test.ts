import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { DataSource } from './datasource';
import { interpolateTargets } from './templating';
import { PprofOptions } from './types/config';
import { QueryType, RuntimeQuery } from './types/query';

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
        return Array.isArray(value) ? value.join(',') : value;
      })
    ),
  };
}

let mockTemplateSrv: Pick<TemplateSrv, 'replace'> = fakeTemplateSrv({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => mockTemplateSrv,
}));

function dataSource() {
  return new DataSource({ jsonData: {} } as DataSourceInstanceSettings<PprofOptions>);
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
