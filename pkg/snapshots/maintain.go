package snapshots

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxCapRounds bounds the delete-and-measure rounds of one Maintain. Each round deletes at
// least the payload bytes the store is over the cap by, but page-granular accounting can
// free less than that, hence more than one round.
const maxCapRounds = 16

// maintainLoop runs Maintain every MaintenanceInterval until the database is closed.
func (sh *sharedDB) maintainLoop() {
	defer close(sh.done)
	o := sh.opts.Load()
	if o.MaintenanceInterval < 0 {
		<-sh.stop
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-sh.stop
		cancel()
	}()
	t := time.NewTicker(o.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-sh.stop:
			return
		case <-t.C:
			if err := sh.maintain(ctx); err != nil && ctx.Err() == nil {
				sh.opts.Load().Logger.Warn("snapshot store maintenance failed", "path", sh.dir, "err", err)
			}
		}
	}
}

// Maintain applies retention and the size cap once: snapshots older than FullResolution are
// thinned to the first of each hour per target and kind, those older than Retention are
// deleted, and while the store uses more than MaxBytes the oldest unpinned snapshots go
// first. Pinned snapshots are never deleted.
//
// Table entries are dropped by mark-and-sweep, per target and only for targets that lost
// snapshots, in the same transaction as the deletion: every remaining profile payload of the
// target is decoded to mark the stacks, label sets and mappings it uses, and the marks are
// followed through locations and functions to strings; the rest is deleted. A target left
// without profiles loses its tables outright. Reference counts would make the sweep
// unnecessary but cost one table write per sample on every Put, where the sweep costs a
// decode of each remaining snapshot once per maintenance that deleted something.
func (d *DB) Maintain(ctx context.Context) error {
	sh, release, err := d.acquire()
	if err != nil {
		return err
	}
	defer release()
	return sh.maintain(ctx)
}

func (sh *sharedDB) maintain(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := *sh.opts.Load()
	var sweepErrs []error
	err := sh.bolt.Update(func(tx *bolt.Tx) error {
		cands, keys, err := listCandidates(tx)
		if err != nil {
			return err
		}
		victims := retentionVictims(cands, o.Now(), o)
		dirty, err := deleteSnapshots(tx, keys, victims)
		if err != nil {
			return err
		}
		sweepErrs = sweepTargets(tx, dirty)
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply snapshot retention: %w", err)
	}
	if o.MaxBytes > 0 {
		if err := sh.applyCap(ctx, o.MaxBytes, &sweepErrs); err != nil {
			return err
		}
	}
	return errors.Join(sweepErrs...)
}

func (sh *sharedDB) applyCap(ctx context.Context, maxBytes int64, sweepErrs *[]error) error {
	for range maxCapRounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		used, err := sh.inUseBytes()
		if err != nil {
			return fmt.Errorf("measure snapshot store: %w", err)
		}
		if used <= maxBytes {
			return nil
		}
		deleted := 0
		err = sh.bolt.Update(func(tx *bolt.Tx) error {
			cands, keys, err := listCandidates(tx)
			if err != nil {
				return err
			}
			victims := capVictims(cands, used-maxBytes)
			deleted = len(victims)
			dirty, err := deleteSnapshots(tx, keys, victims)
			if err != nil {
				return err
			}
			*sweepErrs = append(*sweepErrs, sweepTargets(tx, dirty)...)
			return nil
		})
		if err != nil {
			return fmt.Errorf("apply snapshot size cap: %w", err)
		}
		if deleted == 0 {
			return fmt.Errorf("snapshot store uses %d bytes, over its cap of %d, and only pinned snapshots are left", used, maxBytes)
		}
	}
	return nil
}

// listCandidates returns every snapshot's metadata as retention candidates, in key order
// (so by series, then time), with the keys alongside.
func listCandidates(tx *bolt.Tx) ([]candidate, [][]byte, error) {
	var cands []candidate
	var keys [][]byte
	err := tx.Bucket(bucketMeta).ForEach(func(k, v []byte) error {
		e, err := decodeEntry(v)
		if err != nil || len(k) < 8 {
			// Keep what cannot be read: retention must not turn corruption into data loss.
			return nil
		}
		cands = append(cands, candidate{
			series: string(k[:len(k)-8]),
			ms:     keyMs(k),
			size:   e.payload + int64(2*len(k)+len(v)),
			pinned: len(e.pins) > 0,
		})
		keys = append(keys, bytes.Clone(k))
		return nil
	})
	return cands, keys, err
}

// deleteSnapshots deletes the picked snapshots and returns the targets that lost profiles.
func deleteSnapshots(tx *bolt.Tx, keys [][]byte, picked []int) (map[string]bool, error) {
	meta, data := tx.Bucket(bucketMeta), tx.Bucket(bucketData)
	dirty := make(map[string]bool)
	for _, i := range picked {
		k := keys[i]
		key, err := decodeKey(k)
		if err != nil {
			return nil, err
		}
		if e, err := decodeEntry(meta.Get(k)); err == nil && e.kind == kindProfile {
			dirty[key.Target] = true
		}
		if err := meta.Delete(k); err != nil {
			return nil, err
		}
		if err := data.Delete(k); err != nil {
			return nil, err
		}
	}
	return dirty, nil
}

// sweepTargets sweeps the tables of each target; a target whose snapshots cannot be read
// keeps all of its tables, and the error says which.
func sweepTargets(tx *bolt.Tx, targets map[string]bool) []error {
	var errs []error
	for target := range targets {
		if err := sweepTarget(tx, target); err != nil {
			errs = append(errs, fmt.Errorf("sweep tables of target %q: %w", target, err))
		}
	}
	return errs
}

// sweepTarget deletes the table entries of target that no remaining profile refers to.
func sweepTarget(tx *bolt.Tx, target string) error {
	root := tx.Bucket(bucketTables)
	if root.Bucket([]byte(target)) == nil {
		return nil
	}
	var live [numTables]map[uint64]bool
	for i := range live {
		live[i] = make(map[uint64]bool)
	}
	prefix := targetPrefix(target)
	profiles := 0
	c := tx.Bucket(bucketMeta).Cursor()
	data := tx.Bucket(bucketData)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		e, err := decodeEntry(v)
		if err != nil {
			return err
		}
		if e.kind != kindProfile {
			continue
		}
		profiles++
		raw, err := decompress(data.Get(k))
		if err != nil {
			return err
		}
		pl, err := decodePayload(raw)
		if err != nil {
			return err
		}
		for _, id := range pl.stacks {
			live[tableStacks][id] = true
		}
		for _, id := range pl.labels {
			live[tableLabels][id] = true
		}
		for _, id := range pl.mappings {
			live[tableMappings][id] = true
		}
	}
	if profiles == 0 {
		return root.DeleteBucket([]byte(target))
	}
	bt, err := openTables(tx, target, false)
	if err != nil {
		return err
	}
	if err := markTables(bt, &live); err != nil {
		return err
	}
	for t := range numTables {
		if err := sweepTable(bt, table(t), live[t]); err != nil {
			return err
		}
	}
	return nil
}

// markTables follows the marked stacks, label sets and mappings to everything they use.
func markTables(bt *boltTables, live *[numTables]map[uint64]bool) error {
	for id := range live[tableStacks] {
		b, err := bt.lookup(tableStacks, id)
		if err != nil {
			return err
		}
		locs, err := decodeStack(b)
		if err != nil {
			return err
		}
		for _, l := range locs {
			live[tableLocations][l] = true
		}
	}
	for id := range live[tableLocations] {
		b, err := bt.lookup(tableLocations, id)
		if err != nil {
			return err
		}
		l, err := decodeLocation(b)
		if err != nil {
			return err
		}
		if l.mapping != 0 {
			live[tableMappings][l.mapping] = true
		}
		for _, ln := range l.lines {
			live[tableFunctions][ln.function] = true
		}
	}
	var strs []uint64
	for _, t := range []table{tableFunctions, tableMappings, tableLabels} {
		for id := range live[t] {
			if id == 0 {
				continue
			}
			b, err := bt.lookup(t, id)
			if err != nil {
				return err
			}
			if strs, err = t.stringIDs(b, strs[:0]); err != nil {
				return err
			}
			for _, s := range strs {
				live[tableStrings][s] = true
			}
		}
	}
	return nil
}

// sweepTable deletes the entries of t not in live. Deletion waits until the cursor is done,
// as bbolt cursors skip entries when the bucket changes under them.
func sweepTable(bt *boltTables, t table, live map[uint64]bool) error {
	type dead struct {
		id      uint64
		content []byte
	}
	var gone []dead
	c := bt.data[t].Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			continue
		}
		id := keyID(k)
		if !live[id] {
			gone = append(gone, dead{id, bytes.Clone(v)})
		}
	}
	for _, g := range gone {
		if err := bt.remove(t, g.id, g.content); err != nil {
			return err
		}
	}
	return nil
}
