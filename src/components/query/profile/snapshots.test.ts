import { SnapshotInfo } from '../../../types/resources';
import { parseAt, shownSnapshot, snapshotOptions } from './snapshots';

const at = (iso: string) => Date.parse(iso);
const SNAPSHOTS: SnapshotInfo[] = [
  { time: at('2026-01-02T14:00:00Z'), rawBytes: 2 << 20, pins: [] },
  { time: at('2026-01-02T14:30:00Z'), rawBytes: 100, pins: ['a', 'b'] },
  { time: at('2026-01-02T15:00:00Z'), rawBytes: 10_240, pins: [] },
];

describe('parseAt', () => {
  it('reads Unix milliseconds and RFC 3339 times', () => {
    expect(parseAt('1767362400000')).toBe(1767362400000);
    expect(parseAt(' 2026-01-02T14:00:00Z ')).toBe(at('2026-01-02T14:00:00Z'));
    expect(parseAt('2026-01-02T15:00:00+01:00')).toBe(at('2026-01-02T14:00:00Z'));
  });

  it.each([undefined, '', 'now', '$time', '2026-01-02', '2026-13-45T99:00:00Z'])('has no time for %p', (text) => {
    expect(parseAt(text)).toBeUndefined();
  });
});

describe('shownSnapshot', () => {
  it('picks the snapshot nearest at, else nearest the end of the range', () => {
    expect(shownSnapshot(SNAPSHOTS, '2026-01-02T14:10:00Z', undefined)).toBe(SNAPSHOTS[0]);
    expect(shownSnapshot(SNAPSHOTS, String(at('2026-01-02T14:20:00Z')), undefined)).toBe(SNAPSHOTS[1]);
    expect(shownSnapshot(SNAPSHOTS, undefined, at('2026-01-02T14:40:00Z'))).toBe(SNAPSHOTS[1]);
    expect(shownSnapshot(SNAPSHOTS, '$time', at('2026-01-02T16:00:00Z'))).toBe(SNAPSHOTS[2]);
  });

  it('shows the newest without a time, and nothing without snapshots', () => {
    expect(shownSnapshot(SNAPSHOTS, undefined, undefined)).toBe(SNAPSHOTS[2]);
    expect(shownSnapshot([], undefined, at('2026-01-02T14:00:00Z'))).toBeUndefined();
  });
});

describe('snapshotOptions', () => {
  it('lists snapshots newest first by their Unix millisecond time, with size and pins', () => {
    expect(snapshotOptions(SNAPSHOTS)).toEqual([
      { label: '2026-01-02 15:00:00', value: String(SNAPSHOTS[2].time), description: '10 KiB' },
      { label: '2026-01-02 14:30:00', value: String(SNAPSHOTS[1].time), description: '1 KiB · pinned as a, b' },
      { label: '2026-01-02 14:00:00', value: String(SNAPSHOTS[0].time), description: '2.0 MiB' },
    ]);
  });
});
