import React, { useState } from 'react';
import { Button, InlineField, InlineFieldRow, Input, LinkButton, Text } from '@grafana/ui';
import { getTemplateSrv } from '@grafana/runtime';

import { DataSource } from '../../../datasource';
import { SnapshotInfo } from '../../../types/resources';
import { selectors } from '../../selectors';
import { LABEL_WIDTH } from '../fields';
import { errorText } from '../useResource';
import { parseAt } from './snapshots';
import { ProfileContext } from './types';

const s = selectors.query.profile;

interface Props {
  refId: string;
  datasource: Pick<DataSource, 'createPin' | 'snapshotDownloadUrl'>;
  ctx: ProfileContext;
  profileType: string;
  at: string | undefined;
  /** shown is the stored snapshot the query shows, when the editor knows it. */
  shown: SnapshotInfo | undefined;
  /** onPinned lets the editor reload the pins, so the new one can be picked as a baseline. */
  onPinned: () => void;
}

type PinState =
  { status: 'idle' } | { status: 'saving' } | { status: 'done'; name: string } | { status: 'failed'; error: string };

/** SnapshotActions downloads the shown snapshot as a .pb.gz and pins it under a name. */
export function SnapshotActions({ refId, datasource, ctx, profileType, at, shown, onPinned }: Props) {
  const [name, setName] = useState('');
  const [pin, setPin] = useState<PinState>({ status: 'idle' });
  // The backend knows targets by name only: a `$variable` target is expanded first.
  const target = getTemplateSrv().replace(ctx.target);
  const time = shown?.time ?? parseAt(at);
  const href = datasource.snapshotDownloadUrl({ target, profileType, time });
  const kind = ctx.info?.storedAs ?? profileType;

  const save = async () => {
    if (!shown) {
      return;
    }
    setPin({ status: 'saving' });
    try {
      await datasource.createPin({ name: name.trim(), target, kind, time: shown.time });
      setPin({ status: 'done', name: name.trim() });
      setName('');
      onPinned();
    } catch (err) {
      setPin({ status: 'failed', error: errorText(err) });
    }
  };

  const pinError = pin.status === 'failed' ? `Could not pin the snapshot: ${pin.error}` : undefined;
  return (
    <InlineFieldRow>
      <InlineField
        label={s.pinName}
        labelWidth={LABEL_WIDTH}
        tooltip="Pin the snapshot the query shows: pinned snapshots are kept by retention and can be a diff baseline. Needs a snapshot stored in the range."
        invalid={Boolean(pinError)}
        error={pinError}
      >
        <Input
          id={`pprof-pin-name-${refId}`}
          value={name}
          placeholder="e.g. before-release"
          width={24}
          onChange={(e) => setName(e.currentTarget.value)}
        />
      </InlineField>
      <Button
        variant="secondary"
        icon="bookmark"
        disabled={!shown || name.trim() === '' || pin.status === 'saving'}
        onClick={save}
      >
        {s.pinButton}
      </Button>
      <LinkButton variant="secondary" icon="download-alt" href={href} download target="_blank" rel="noreferrer">
        {s.download}
      </LinkButton>
      {pin.status === 'done' && (
        <span role="status">
          <Text color="success">Pinned as {pin.name}</Text>
        </span>
      )}
    </InlineFieldRow>
  );
}
