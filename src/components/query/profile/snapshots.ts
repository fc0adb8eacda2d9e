import { ComboboxOption } from '@grafana/ui';
import { dateTimeFormat } from '@grafana/data';

import { SnapshotInfo } from '../../../types/resources';

/**
 * parseAt reads a query's `at` the way the backend does: Unix milliseconds or an RFC 3339 time.
 * Anything else (e.g. a `$variable`) has no time the editor can know.
 */
export function parseAt(at: string | undefined): number | undefined {
  const text = at?.trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    return Number(text);
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * shownSnapshot is the stored snapshot the query shows: the one nearest `at`, or nearest the
 * end of the range when the query sets no time. Undefined when none is stored in the range.
 */
export function shownSnapshot(
  snapshots: SnapshotInfo[],
  at: string | undefined,
  rangeTo: number | undefined
): SnapshotInfo | undefined {
  const wanted = parseAt(at) ?? rangeTo;
  if (wanted === undefined) {
    return snapshots[snapshots.length - 1];
  }
  let best: SnapshotInfo | undefined;
  for (const s of snapshots) {
    if (!best || Math.abs(s.time - wanted) < Math.abs(best.time - wanted)) {
      best = s;
    }
  }
  return best;
}

/** snapshotOptions offers the stored snapshots, newest first, by the value `at` stores. */
export function snapshotOptions(snapshots: SnapshotInfo[]): Array<ComboboxOption<string>> {
  return [...snapshots].reverse().map((s) => ({
    label: formatTime(s.time),
    value: String(s.time),
    description: [formatBytes(s.rawBytes), s.pins.length > 0 && `pinned as ${s.pins.join(', ')}`]
      .filter(Boolean)
      .join(' · '),
  }));
}

/** formatTime shows a snapshot time in the user's time zone, to the second. */
export function formatTime(ms: number): string {
  return dateTimeFormat(ms, { format: 'YYYY-MM-DD HH:mm:ss' });
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}
