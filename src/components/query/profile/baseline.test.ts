import { ProfileQuery, QueryType } from '../../../types/query';
import { PINS } from '../../../test/queryEditor';
import { baselinePatch, pinOptions } from './baseline';

const query: ProfileQuery = {
  refId: 'A',
  queryType: QueryType.Profile,
  baseline: 'pin',
  baselinePin: 'before-release',
  baselineOffset: '2h',
  baselineTarget: 'worker',
};

describe('baselinePatch', () => {
  it('keeps only the value of the chosen baseline', () => {
    expect(baselinePatch(query, 'pin')).toEqual({ baseline: 'pin', baselinePin: 'before-release' });
    expect(baselinePatch(query, 'target')).toEqual({ baseline: 'target', baselineTarget: 'worker' });
    expect(baselinePatch(query, 'offset')).toEqual({ baseline: 'offset', baselineOffset: '2h' });
    expect(baselinePatch(query, 'rangeStart')).toEqual({ baseline: 'rangeStart' });
    expect(baselinePatch(query, '')).toEqual({});
  });

  it('starts an offset baseline at one hour', () => {
    expect(baselinePatch({ refId: 'A', queryType: QueryType.Profile }, 'offset')).toEqual({
      baseline: 'offset',
      baselineOffset: '1h',
    });
  });
});

describe('pinOptions', () => {
  it('offers the pins of the target and of the kind the type is stored as', () => {
    const names = (target: string, type: string, storedAs: string) =>
      pinOptions(PINS, target, { type, storedAs }).map((o) => o.value);

    expect(names('api', 'heap', 'heap')).toEqual(['before-release']);
    expect(names('api', 'allocs', 'heap')).toEqual(['before-release']);
    expect(names('api', 'block', 'block')).toEqual(['api-block']);
    expect(names('worker', 'heap', 'heap')).toEqual(['worker-baseline']);
    expect(names('db', 'heap', 'heap')).toEqual([]);
    expect(pinOptions(PINS, 'api', undefined)).toEqual([]);
  });
});
