import { DataQuery } from '@grafana/schema';

/** VariableKind is what a template variable of this data source lists. */
export type VariableKind = 'targets' | 'labelValues' | 'functions' | 'metrics';

/**
 * VariableQuery is a template variable's query. It runs in the browser against the backend's
 * resources (variables are not alert rules, so they need no backend query type).
 */
export interface VariableQuery extends DataQuery {
  kind: VariableKind;
  /** labelFilter keeps targets whose labels match `name=value` pairs separated by commas (kind targets). */
  labelFilter?: string;
  /** label names the target label whose values are listed (kind labelValues). */
  label?: string;
  /** target and profileType choose the snapshot whose functions are listed (kind functions). */
  target?: string;
  profileType?: string;
}

/** parseLabelFilter reads `env=prod, job=api` into pairs; malformed pairs are reported. */
export function parseLabelFilter(filter: string | undefined): { pairs: Array<[string, string]>; error?: string } {
  const pairs: Array<[string, string]> = [];
  for (const part of (filter ?? '').split(',')) {
    const p = part.trim();
    if (p === '') {
      continue;
    }
    const eq = p.indexOf('=');
    if (eq <= 0) {
      return { pairs, error: `"${p}" is not a name=value pair` };
    }
    pairs.push([p.slice(0, eq).trim(), p.slice(eq + 1).trim()]);
  }
  return { pairs };
}
