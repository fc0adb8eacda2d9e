package snapshots

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/pprof/profile"
	bolt "go.etcd.io/bbolt"
)

// PutProfile stores p under key, sharing its strings, functions, mappings, locations, stacks
// and label sets with the target's earlier snapshots. p is only read. A snapshot already
// stored at key is kept and p dropped without error.
func (d *DB) PutProfile(ctx context.Context, key Key, p *profile.Profile, rawBytes int64) error {
	if err := checkPut(key, p); err != nil {
		return err
	}
	err := d.update(ctx, func(tx *bolt.Tx) error {
		k := encodeKey(key)
		meta := tx.Bucket(bucketMeta)
		if meta.Get(k) != nil {
			return nil
		}
		tables, err := openTables(tx, key.Target, true)
		if err != nil {
			return err
		}
		raw, err := encodeProfile(tables, p)
		if err != nil {
			return err
		}
		if err := tables.flush(); err != nil {
			return err
		}
		return putEntry(tx, k, compress(raw), kindProfile, rawBytes)
	})
	if err != nil {
		return fmt.Errorf("put profile %s: %w", key, err)
	}
	return nil
}

// PutBlob stores data, compressed, under key. A snapshot already stored at key is kept and
// data dropped without error.
func (d *DB) PutBlob(ctx context.Context, key Key, data []byte) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	z := compress(data)
	err := d.update(ctx, func(tx *bolt.Tx) error {
		k := encodeKey(key)
		if tx.Bucket(bucketMeta).Get(k) != nil {
			return nil
		}
		return putEntry(tx, k, z, kindBlob, int64(len(data)))
	})
	if err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return nil
}

func checkPut(key Key, p *profile.Profile) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	if p == nil {
		return fmt.Errorf("put profile %s: the profile is nil", key)
	}
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("put profile %s: invalid profile: %w", key, err)
	}
	for i, s := range p.Sample {
		for _, l := range s.Location {
			if l == nil {
				return fmt.Errorf("put profile %s: sample %d has a nil location", key, i)
			}
		}
	}
	return nil
}

func putEntry(tx *bolt.Tx, k, payload []byte, kind entryKind, raw int64) error {
	data, meta := tx.Bucket(bucketData), tx.Bucket(bucketMeta)
	data.FillPercent, meta.FillPercent = sequentialFill, sequentialFill
	if err := data.Put(k, payload); err != nil {
		return fmt.Errorf("store payload: %w", err)
	}
	if err := meta.Put(k, encodeEntry(entry{kind: kind, raw: raw, payload: int64(len(payload))})); err != nil {
		return fmt.Errorf("store metadata: %w", err)
	}
	return nil
}

// errWrongKind is wrapped when a profile is read as a blob or the other way round.
var errWrongKind = errors.New("wrong snapshot kind")

// wrongKind says which kind the snapshot at a key is.
func wrongKind(stored entryKind) error {
	if stored == kindBlob {
		return fmt.Errorf("%w: the snapshot is a blob, not a profile", errWrongKind)
	}
	return fmt.Errorf("%w: the snapshot is a profile, not a blob", errWrongKind)
}
