package snapshots

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Pin names the snapshot at key so that retention and the size cap keep it. It fails with
// ErrNotFound when no snapshot is stored at key and with ErrPinTaken when the name is in use.
func (d *DB) Pin(ctx context.Context, name string, key Key) error {
	if err := checkPinName(name); err != nil {
		return fmt.Errorf("pin %q: %w", name, err)
	}
	if err := checkKey(key); err != nil {
		return fmt.Errorf("pin %q: %w", name, err)
	}
	now := d.sh.opts.Load().Now()
	err := d.update(ctx, func(tx *bolt.Tx) error {
		pins, meta := tx.Bucket(bucketPins), tx.Bucket(bucketMeta)
		if pins.Get([]byte(name)) != nil {
			return ErrPinTaken
		}
		k := encodeKey(key)
		v := meta.Get(k)
		if v == nil {
			return ErrNotFound
		}
		e, err := decodeEntry(v)
		if err != nil {
			return err
		}
		e.pins = addPin(e.pins, name)
		if err := meta.Put(k, encodeEntry(e)); err != nil {
			return err
		}
		return pins.Put([]byte(name), encodePin(key, now))
	})
	if err != nil {
		return fmt.Errorf("pin %q on %s: %w", name, key, err)
	}
	return nil
}

// Unpin removes a pin; the snapshot stays until retention reaches it. It fails with
// ErrNotFound when there is no such pin.
func (d *DB) Unpin(ctx context.Context, name string) error {
	err := d.update(ctx, func(tx *bolt.Tx) error {
		pins, meta := tx.Bucket(bucketPins), tx.Bucket(bucketMeta)
		v := pins.Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		p, err := decodePin(name, v)
		if err != nil {
			return err
		}
		k := encodeKey(p.Key)
		if mv := meta.Get(k); mv != nil {
			e, err := decodeEntry(mv)
			if err != nil {
				return err
			}
			e.pins = removePin(e.pins, name)
			if err := meta.Put(k, encodeEntry(e)); err != nil {
				return err
			}
		}
		return pins.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("unpin %q: %w", name, err)
	}
	return nil
}

// Pins returns all pins, sorted by name.
func (d *DB) Pins(ctx context.Context) ([]Pin, error) {
	var out []Pin
	err := d.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPins).ForEach(func(k, v []byte) error {
			p, err := decodePin(string(k), v)
			if err != nil {
				return fmt.Errorf("pin %q: %w", k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list pins: %w", err)
	}
	return out, nil
}
