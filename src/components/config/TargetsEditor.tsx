import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { Button, Stack, Text, useStyles2 } from '@grafana/ui';

import { TargetConfig } from '../../types/config';
import { ProbeInfo } from '../../types/resources';
import { selectors } from '../selectors';
import { TargetRow } from './TargetRow';
import { validateTargets } from './validation';

interface Props {
  targets: TargetConfig[];
  onChange: (targets: TargetConfig[]) => void;
  /** saved are the targets as the backend has them; only those can be tested. */
  saved?: TargetConfig[];
  probe?: (name: string) => Promise<ProbeInfo>;
}

const s = selectors.config.targets;

/** TargetsEditor edits the Go services the backend scrapes, as a table with one row per target. */
export function TargetsEditor({ targets, onChange, saved = [], probe }: Props) {
  const styles = useStyles2(getStyles);
  const isSaved = (t: TargetConfig) => saved.some((s) => s.name === t.name && s.url === t.url);
  const errors = useMemo(() => validateTargets(targets), [targets]);

  const replace = (index: number, target: TargetConfig) => onChange(targets.map((t, i) => (i === index ? target : t)));
  const remove = (index: number) => onChange(targets.filter((_, i) => i !== index));
  const add = () => onChange([...targets, { name: '', url: '' }]);

  return (
    <ConfigSection
      title={s.section}
      description={
        <>
          Go services that expose <code>/debug/vars</code> and <code>/debug/pprof/</code> (net/http/pprof and expvar).
          Grafana&apos;s server scrapes them; the browser never does.
        </>
      }
    >
      <Stack direction="column" gap={1}>
        {targets.length === 0 ? (
          <Text italic>No targets yet: add one to start collecting runtime metrics.</Text>
        ) : (
          <table className={styles.table} aria-label={s.table}>
            <thead>
              <tr>
                <th>Name</th>
                <th>Base URL</th>
                <th>Labels</th>
                <th>Test</th>
                <th>
                  <span className={styles.hidden}>Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {targets.map((target, index) => (
                <TargetRow
                  key={index}
                  index={index}
                  target={target}
                  errors={errors[index]}
                  onChange={(t) => replace(index, t)}
                  onRemove={() => remove(index)}
                  probe={probe && isSaved(target) ? probe : undefined}
                />
              ))}
            </tbody>
          </table>
        )}
        <div>
          <Button variant="secondary" icon="plus" onClick={add}>
            {s.addButton}
          </Button>
        </div>
      </Stack>
    </ConfigSection>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    borderCollapse: 'collapse',
    width: '100%',
    maxWidth: 1100,
    th: {
      textAlign: 'left',
      padding: theme.spacing(0.5, 1, 0.5, 0),
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
    td: {
      verticalAlign: 'top',
      padding: theme.spacing(1, 1, 0, 0),
    },
  }),
  hidden: css({
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
  }),
});
