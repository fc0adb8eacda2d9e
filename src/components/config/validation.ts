import { parseDurationMs } from '../../duration';
import { TargetConfig } from '../../types/config';
import { MIN_SCRAPE_INTERVAL_MS } from '../../types/query.gen';

// These checks mirror the backend's settings loader so that a mistake shows up next to the
// field that causes it instead of as a failed "Save & test".

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// MIN_SCRAPE_INTERVAL_MS is the backend's lower bound on the scrape interval.
export { MIN_SCRAPE_INTERVAL_MS };

/** TargetErrors holds the validation message of each field of one target row, if any. */
export interface TargetErrors {
  name?: string;
  url?: string;
  labels?: string;
}

/** durationError explains why an optional, positive duration setting is invalid. */
export function durationError(text: string | undefined, minMs = 0): string | undefined {
  if (!text || text.trim() === '') {
    return undefined;
  }
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    return `"${text}" is not a duration such as 15s, 5m or 7d`;
  }
  if (ms <= 0) {
    return 'Must be greater than zero';
  }
  if (ms < minMs) {
    return `Must be at least ${minMs}ms`;
  }
  return undefined;
}

/** urlError explains why a target base URL is not an absolute http(s) URL with a host. */
export function urlError(text: string): string | undefined {
  if (text.trim() === '') {
    return 'Enter the base URL, e.g. http://my-service:6060';
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Not a valid URL: it must look like http://host:port';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'The URL must start with http:// or https://';
  }
  if (url.hostname === '') {
    return 'The URL has no host';
  }
  // jsonData is stored in plain text and shown to every editor of the data source.
  if (url.username !== '' || url.password !== '') {
    return 'Do not put credentials in the URL: set them under Authentication, where they are stored encrypted';
  }
  if (url.search !== '' || url.hash !== '') {
    return 'Give only scheme, host, port and path prefix: no ?query or #fragment';
  }
  return undefined;
}

/** labelNameError explains why a name cannot be used as a label of a target's series. */
export function labelNameError(name: string): string | undefined {
  if (!LABEL_NAME.test(name)) {
    return `"${name}" is not a valid label name (letters, digits and _, not starting with a digit)`;
  }
  if (name === 'target') {
    return '"target" is reserved: it is set to the target name';
  }
  if (name.startsWith('__')) {
    return `"${name}" is reserved: names starting with __ are internal`;
  }
  return undefined;
}

/** ParsedLabels is the result of reading a `key=value, key2=value2` text. */
export interface ParsedLabels {
  labels: Record<string, string>;
  error?: string;
}

/**
 * parseLabels reads `key=value, key2=value2`. Valid pairs are returned even when others are
 * wrong, so that one typo does not wipe the labels already entered.
 */
export function parseLabels(text: string): ParsedLabels {
  const labels: Record<string, string> = {};
  const errors: string[] = [];
  for (const part of text.split(',')) {
    const pair = part.trim();
    if (pair === '') {
      continue;
    }
    const eq = pair.indexOf('=');
    if (eq < 0) {
      errors.push(`"${pair}" is not a key=value pair`);
      continue;
    }
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const keyError = labelNameError(key);
    if (keyError) {
      errors.push(keyError);
      continue;
    }
    if (key in labels) {
      errors.push(`Label "${key}" is set twice`);
      continue;
    }
    labels[key] = value;
  }
  return { labels, error: errors.length > 0 ? errors.join('; ') : undefined };
}

/** formatLabels writes labels as `key=value, key2=value2`, sorted by key. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels![key]}`)
    .join(', ');
}

function isSelectorSyntax(name: string): boolean {
  return name === '*' || (name.length >= 2 && name.startsWith('/') && name.endsWith('/'));
}

/** validateTargets returns the errors of each target, in order (an empty object when valid). */
export function validateTargets(targets: TargetConfig[]): TargetErrors[] {
  const counts = new Map<string, number>();
  for (const t of targets) {
    const name = t.name.trim();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return targets.map((t) => {
    const errors: TargetErrors = {};
    const name = t.name.trim();
    if (name === '') {
      errors.name = 'Enter a name';
    } else if ((counts.get(name) ?? 0) > 1) {
      errors.name = `The name "${name}" is used by more than one target`;
    } else if (name !== t.name) {
      errors.name = 'Remove the spaces around the name';
    } else if (isSelectorSyntax(name)) {
      errors.name = 'Queries read "*" and /…/ as target patterns, so a name cannot look like one';
    }
    errors.url = urlError(t.url);
    for (const key of Object.keys(t.labels ?? {})) {
      errors.labels = errors.labels ?? labelNameError(key);
    }
    return errors;
  });
}

/**
 * positiveIntegerError explains why an optional whole-number setting (a count or whole
 * seconds, stored as a Go int) is not at least 1.
 */
export function positiveIntegerError(
  value: number | undefined,
  message = 'Enter a whole number, at least 1'
): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  return Number.isInteger(value) && value > 0 ? undefined : message;
}

/** isOff tells whether a schedule setting switches its collection off, as the backend reads "off" and "0". */
export function isOff(text: string | undefined): boolean {
  const v = text?.trim();
  return v === 'off' || v === '0';
}

/**
 * scheduleError explains why a collection interval is invalid: it must be empty (the default),
 * "off" (or "0"), or a duration of at least the backend's minimum of 100ms.
 */
export function scheduleError(text: string | undefined): string | undefined {
  if (!text || text.trim() === '' || isOff(text)) {
    return undefined;
  }
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    return `"${text}" is not a duration such as 60s or 5m, or "off"`;
  }
  if (ms < MIN_SCRAPE_INTERVAL_MS) {
    return `Must be at least ${MIN_SCRAPE_INTERVAL_MS}ms, or "off"`;
  }
  return undefined;
}

/** cpuSecondsError explains why a CPU profile length is not a whole number of seconds from 1 to the maximum. */
export function cpuSecondsError(seconds: number | undefined, max: number): string | undefined {
  if (seconds === undefined) {
    return undefined;
  }
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= max
    ? undefined
    : `Enter a whole number of seconds from 1 to ${max}`;
}

/**
 * cpuIntervalError explains why a CPU profile schedule is invalid: besides being a valid
 * schedule, it must leave time between profiles, since only one runs at a time per target.
 */
export function cpuIntervalError(text: string | undefined, seconds: number): string | undefined {
  const error = scheduleError(text);
  if (error || !text || text.trim() === '' || isOff(text)) {
    return error;
  }
  const ms = parseDurationMs(text) ?? 0;
  return ms <= seconds * 1000 ? `Must be longer than the ${seconds} s profile it takes` : undefined;
}
