// Durations are read the way the backend reads them (grafana-plugin-sdk-go gtime): Go's
// time.ParseDuration syntax ("1h30m", "500ms") plus whole days, weeks, months and years ("7d").

const CALENDAR_DURATION = /^(\d+)([dwMy])$/;
const GO_DURATION = /^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/;
const GO_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
const CALENDAR_UNIT_MS: Record<string, number> = { d: 864e5, w: 6048e5, M: 2592e6, y: 31536e6 };

/**
 * parseDurationMs returns a duration in milliseconds, or undefined when the text is not one.
 */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  const calendar = CALENDAR_DURATION.exec(s);
  if (calendar) {
    return Number(calendar[1]) * CALENDAR_UNIT_MS[calendar[2]];
  }
  if (!GO_DURATION.test(s)) {
    return undefined;
  }
  let total = 0;
  for (const [, value, , unit] of s.matchAll(/(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(value) * GO_UNIT_MS[unit];
  }
  return total;
}
