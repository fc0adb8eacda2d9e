import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

// A character no target name contains: multi-value variables are joined with it and the
// result split again, so that one `$target` entry becomes one entry per selected value.
const SEPARATOR = '\u001f';

function joinValues(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(SEPARATOR) : String(value ?? '');
}

/**
 * interpolateTargets replaces template variables in target selectors. A multi-value variable
 * (or "All" without a custom all value) expands into one selector per value; empty results are
 * dropped and duplicates removed, keeping the first occurrence. An empty result still means
 * "every target", as it does for an empty list typed by hand.
 */
export function interpolateTargets(
  targets: string[] | undefined,
  scopedVars: ScopedVars,
  templateSrv: Pick<TemplateSrv, 'replace'>
): string[] {
  const expanded = (targets ?? []).flatMap((t) => templateSrv.replace(t, scopedVars, joinValues).split(SEPARATOR));
  return [...new Set(expanded.map((t) => t.trim()).filter((t) => t !== ''))];
}

/** interpolateText replaces template variables in a single-valued field such as the window. */
export function interpolateText(
  text: string | undefined,
  scopedVars: ScopedVars,
  templateSrv: Pick<TemplateSrv, 'replace'>
): string | undefined {
  return text === undefined ? undefined : templateSrv.replace(text, scopedVars);
}

/**
 * interpolateRegex replaces template variables in a regular expression (focus, ignore): the
 * values are escaped, and a multi-value variable becomes an alternation, so a function name
 * such as `main.(*T).leak` matches itself and not whatever its dots and stars would match.
 */
export function interpolateRegex(
  text: string | undefined,
  scopedVars: ScopedVars,
  templateSrv: Pick<TemplateSrv, 'replace'>
): string | undefined {
  return text === undefined ? undefined : templateSrv.replace(text, scopedVars, 'regex');
}
