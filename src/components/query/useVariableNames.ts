import { useMemo } from 'react';
import { getTemplateSrv } from '@grafana/runtime';

/**
 * useVariableNames lists the dashboard's template variables, so that `$target` can be picked
 * instead of typed; the backend never sees them, applyTemplateVariables expands them first.
 */
export function useVariableNames(): string[] {
  return useMemo(
    () =>
      getTemplateSrv()
        .getVariables()
        .map((v) => v.name),
    []
  );
}
