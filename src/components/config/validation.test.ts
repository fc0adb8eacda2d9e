import { parseDurationMs } from '../../duration';
import {
  cpuIntervalError,
  cpuSecondsError,
  durationError,
  formatLabels,
  isOff,
  parseLabels,
  positiveIntegerError,
  scheduleError,
  urlError,
  validateTargets,
} from './validation';

describe('parseDurationMs', () => {
  it.each([
    ['15s', 15_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
  ])('reads %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '15', 'd', '7 days', '1d2h', '-5s', 'abc'])('rejects %p', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('durationError', () => {
  it('accepts empty values, which mean the default', () => {
    expect(durationError(undefined)).toBeUndefined();
    expect(durationError('')).toBeUndefined();
  });

  it('enforces a minimum', () => {
    expect(durationError('50ms', 100)).toBe('Must be at least 100ms');
    expect(durationError('0s')).toBe('Must be greater than zero');
  });
});

describe('urlError', () => {
  it.each(['http://api:6060', 'https://api.example.com/base', 'http://10.0.0.1:8080'])('accepts %s', (url) => {
    expect(urlError(url)).toBeUndefined();
  });

  it.each([
    ['', /Enter the base URL/],
    ['api:6060', /http:\/\/ or https:\/\//],
    ['ftp://api', /http:\/\/ or https:\/\//],
    ['http//api', /Not a valid URL/],
    ['http://scraper:s3cret@api:6060', /Do not put credentials in the URL/],
    ['http://api:6060/?debug=1', /no \?query or #fragment/],
    ['http://api:6060/#top', /no \?query or #fragment/],
  ])('rejects %p', (url, message) => {
    expect(urlError(url)).toMatch(message);
  });
});

describe('parseLabels', () => {
  it('reads key=value pairs and round-trips through formatLabels', () => {
    const parsed = parseLabels(' team=core ,env=prod,, ');

    expect(parsed).toEqual({ labels: { team: 'core', env: 'prod' } });
    expect(formatLabels(parsed.labels)).toBe('env=prod, team=core');
  });

  it('keeps the valid pairs and explains the others', () => {
    const parsed = parseLabels('env=prod, __meta=x, target=y, nopair, env=dev');

    expect(parsed.labels).toEqual({ env: 'prod' });
    expect(parsed.error).toContain('"__meta" is reserved');
    expect(parsed.error).toContain('"target" is reserved');
    expect(parsed.error).toContain('"nopair" is not a key=value pair');
    expect(parsed.error).toContain('Label "env" is set twice');
  });
});

describe('validateTargets', () => {
  it('accepts distinct, well-formed targets', () => {
    expect(
      validateTargets([
        { name: 'api', url: 'http://api:6060', labels: { env: 'prod' } },
        { name: 'worker', url: 'http://worker:6060' },
      ])
    ).toEqual([{}, {}]);
  });

  it('rejects names the query language reads as patterns', () => {
    const [star, regex] = validateTargets([
      { name: '*', url: 'http://a:1' },
      { name: '/a.*/', url: 'http://b:1' },
    ]);

    expect(star.name).toMatch(/target patterns/);
    expect(regex.name).toMatch(/target patterns/);
  });
});

describe('scheduleError', () => {
  it.each([undefined, '', ' ', 'off', '0', '100ms', '60s', '1h30m', '1d'])('accepts %p', (text) => {
    expect(scheduleError(text)).toBeUndefined();
  });

  it('rejects what the backend rejects, naming the way to switch it off', () => {
    expect(scheduleError('99ms')).toBe('Must be at least 100ms, or "off"');
    expect(scheduleError('0s')).toBe('Must be at least 100ms, or "off"');
    expect(scheduleError('Off')).toBe('"Off" is not a duration such as 60s or 5m, or "off"');
    expect(scheduleError('5 min')).toBe('"5 min" is not a duration such as 60s or 5m, or "off"');
  });

  it('reads "off" and "0" as off, as the backend does', () => {
    expect(isOff(' off ')).toBe(true);
    expect(isOff('0')).toBe(true);
    expect(isOff('0s')).toBe(false);
    expect(isOff(undefined)).toBe(false);
  });
});

describe('cpuIntervalError', () => {
  it('leaves CPU profiling off by default', () => {
    expect(cpuIntervalError(undefined, 10)).toBeUndefined();
    expect(cpuIntervalError('off', 10)).toBeUndefined();
  });

  it('needs an interval longer than the profile', () => {
    expect(cpuIntervalError('10s', 10)).toBe('Must be longer than the 10 s profile it takes');
    expect(cpuIntervalError('10001ms', 10)).toBeUndefined();
    expect(cpuIntervalError('30s', 30)).toBe('Must be longer than the 30 s profile it takes');
    expect(cpuIntervalError('5m', 30)).toBeUndefined();
  });

  it('reports a bad schedule before the length', () => {
    expect(cpuIntervalError('10ms', 10)).toBe('Must be at least 100ms, or "off"');
  });
});

describe('cpuSecondsError and positiveIntegerError', () => {
  it('bounds the CPU profile length to whole seconds from 1 to the maximum', () => {
    expect(cpuSecondsError(undefined, 30)).toBeUndefined();
    expect(cpuSecondsError(1, 30)).toBeUndefined();
    expect(cpuSecondsError(30, 30)).toBeUndefined();
    for (const bad of [0, 31, 2.5, -1]) {
      expect(cpuSecondsError(bad, 30)).toBe('Enter a whole number of seconds from 1 to 30');
    }
  });

  it('needs whole numbers of at least 1', () => {
    expect(positiveIntegerError(undefined)).toBeUndefined();
    expect(positiveIntegerError(10000)).toBeUndefined();
    expect(positiveIntegerError(0)).toBe('Enter a whole number, at least 1');
    expect(positiveIntegerError(1.5, 'seconds please')).toBe('seconds please');
  });
});
