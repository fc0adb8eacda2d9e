package snapshots

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/pprof/profile"
	bolt "go.etcd.io/bbolt"
)

// List returns the snapshots of one target and kind within [from, to], oldest first,
// reading metadata only.
func (d *DB) List(ctx context.Context, target, kind string, from, to time.Time) ([]Meta, error) {
	var out []Meta
	err := d.view(ctx, func(tx *bolt.Tx) error {
		prefix := seriesPrefix(target, kind)
		toMs := to.UnixMilli()
		c := tx.Bucket(bucketMeta).Cursor()
		for k, v := c.Seek(appendTime(bytes.Clone(prefix), from.UnixMilli())); k != nil && isSeriesKey(k, prefix); k, v = c.Next() {
			if keyMs(k) > toMs {
				break
			}
			m, err := metaOf(target, kind, k, v)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list snapshots of %s/%s: %w", target, kind, err)
	}
	return out, nil
}

// Nearest returns the newest snapshot of one target and kind at or before at, or an error
// wrapping ErrNotFound.
func (d *DB) Nearest(ctx context.Context, target, kind string, at time.Time) (Meta, error) {
	var out Meta
	found := false
	err := d.view(ctx, func(tx *bolt.Tx) error {
		prefix := seriesPrefix(target, kind)
		c := tx.Bucket(bucketMeta).Cursor()
		k, v := c.Seek(appendTime(bytes.Clone(prefix), at.UnixMilli()))
		if k == nil || !isSeriesKey(k, prefix) || keyMs(k) > at.UnixMilli() {
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
		if k == nil || !isSeriesKey(k, prefix) {
			return nil
		}
		var err error
		out, err = metaOf(target, kind, k, v)
		found = err == nil
		return err
	})
	if err == nil && !found {
		err = ErrNotFound
	}
	if err != nil {
		return Meta{}, fmt.Errorf("nearest snapshot of %s/%s at %s: %w", target, kind, at.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}

func isSeriesKey(k, prefix []byte) bool {
	return len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix)
}

func metaOf(target, kind string, k, v []byte) (Meta, error) {
	e, err := decodeEntry(v)
	if err != nil {
		return Meta{}, err
	}
	return Meta{
		Key:      Key{Target: target, Kind: kind, Time: time.UnixMilli(keyMs(k)).UTC()},
		RawBytes: e.raw,
		Pins:     e.pins,
	}, nil
}

// getEntry returns the metadata and compressed payload of key, checking its kind.
func getEntry(tx *bolt.Tx, key Key, want entryKind) ([]byte, error) {
	k := encodeKey(key)
	v := tx.Bucket(bucketMeta).Get(k)
	if v == nil {
		return nil, ErrNotFound
	}
	e, err := decodeEntry(v)
	if err != nil {
		return nil, err
	}
	if e.kind != want {
		return nil, wrongKind(e.kind)
	}
	z := tx.Bucket(bucketData).Get(k)
	if z == nil {
		return nil, fmt.Errorf("payload is missing: %w", errTruncated)
	}
	return z, nil
}

// Profile rebuilds the profile stored at key from its payload and the target's tables.
func (d *DB) Profile(ctx context.Context, key Key) (*profile.Profile, error) {
	var p *profile.Profile
	err := d.view(ctx, func(tx *bolt.Tx) error {
		z, err := getEntry(tx, key, kindProfile)
		if err != nil {
			return err
		}
		raw, err := decompress(z)
		if err != nil {
			return err
		}
		pl, err := decodePayload(raw)
		if err != nil {
			return err
		}
		tables, err := openTables(tx, key.Target, false)
		if err != nil {
			return err
		}
		if tables == nil {
			return fmt.Errorf("tables of target %q are missing: %w", key.Target, errTruncated)
		}
		p, err = rebuildProfile(pl, tables)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", key, err)
	}
	return p, nil
}

// Blob returns the blob stored at key.
func (d *DB) Blob(ctx context.Context, key Key) ([]byte, error) {
	var out []byte
	err := d.view(ctx, func(tx *bolt.Tx) error {
		z, err := getEntry(tx, key, kindBlob)
		if err != nil {
			return err
		}
		out, err = decompress(z)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", key, err)
	}
	return out, nil
}
