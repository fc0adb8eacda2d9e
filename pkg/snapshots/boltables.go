package snapshots

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// boltTables is the tables of one target in a transaction: per table a data bucket (id →
// content) and an index bucket (64-bit content hash → ids with that hash). The index holds
// hashes rather than the content so that the content is stored once; ids sharing a hash are
// told apart by comparing their content.
type boltTables struct {
	data, index [numTables]*bolt.Bucket
	// pending holds the index values written by this Put, flushed in key order at its end:
	// bbolt inserts into a sorted in-memory node, so 100k index puts at random hash keys
	// into a new bucket would cost a quadratic amount of copying, where puts in key order
	// append.
	pending [numTables]map[string][]byte
}

var (
	dataBucketNames  = [numTables][]byte{[]byte("s"), []byte("f"), []byte("m"), []byte("l"), []byte("k"), []byte("b")}
	indexBucketNames = [numTables][]byte{[]byte("s#"), []byte("f#"), []byte("m#"), []byte("l#"), []byte("k#"), []byte("b#")}
)

// openTables returns the target's tables, creating them when create is set; it returns nil
// and no error when they do not exist and create is not set.
func openTables(tx *bolt.Tx, target string, create bool) (*boltTables, error) {
	root := tx.Bucket(bucketTables)
	tb := root.Bucket([]byte(target))
	if tb == nil {
		if !create {
			return nil, nil
		}
		var err error
		if tb, err = root.CreateBucket([]byte(target)); err != nil {
			return nil, fmt.Errorf("create tables of target %q: %w", target, err)
		}
	}
	t := &boltTables{}
	for i := range numTables {
		var err error
		if create {
			t.data[i], err = tb.CreateBucketIfNotExists(dataBucketNames[i])
			if err == nil {
				t.index[i], err = tb.CreateBucketIfNotExists(indexBucketNames[i])
			}
			if err != nil {
				return nil, fmt.Errorf("create %s table of target %q: %w", table(i), target, err)
			}
			t.data[i].FillPercent = sequentialFill
			continue
		}
		t.data[i], t.index[i] = tb.Bucket(dataBucketNames[i]), tb.Bucket(indexBucketNames[i])
		if t.data[i] == nil || t.index[i] == nil {
			return nil, fmt.Errorf("%s table of target %q is missing: %w", table(i), target, errTruncated)
		}
	}
	return t, nil
}

func idKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id)
}

// contentHash is 64-bit FNV-1a, inlined because hash/fnv allocates a hasher per call and
// Put hashes every stack of a profile.
func contentHash(b []byte) []byte {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), h)
}

// intern returns the id of content in table t, storing it under a new id if it is new.
// bbolt keeps references to the keys and values passed to Put until the transaction ends,
// so every Put gets freshly allocated slices.
func (bt *boltTables) intern(t table, content []byte) (uint64, error) {
	hk := contentHash(content)
	ids, ok := bt.pending[t][string(hk)]
	if !ok {
		ids = bt.index[t].Get(hk)
	}
	r := reader{b: ids}
	for len(r.b) > 0 {
		id := r.uvarint("table index")
		if r.err != nil {
			return 0, fmt.Errorf("%s index: %w", t, r.err)
		}
		if bytes.Equal(bt.data[t].Get(idKey(id)), content) {
			return id, nil
		}
	}
	id, err := bt.data[t].NextSequence()
	if err != nil {
		return 0, fmt.Errorf("next %s id: %w", t, err)
	}
	if err := bt.data[t].Put(idKey(id), bytes.Clone(content)); err != nil {
		return 0, fmt.Errorf("store %s entry: %w", t, err)
	}
	if bt.pending[t] == nil {
		bt.pending[t] = make(map[string][]byte)
	}
	bt.pending[t][string(hk)] = binary.AppendUvarint(bytes.Clone(ids), id)
	return id, nil
}

// flush writes the pending index entries in key order.
func (bt *boltTables) flush() error {
	for t := range numTables {
		for _, hk := range sortedKeys(bt.pending[t]) {
			if err := bt.index[t].Put([]byte(hk), bt.pending[t][hk]); err != nil {
				return fmt.Errorf("index %s entry: %w", table(t), err)
			}
		}
		bt.pending[t] = nil
	}
	return nil
}

// lookup returns the content of id in table t; the bytes are valid for the transaction.
func (bt *boltTables) lookup(t table, id uint64) ([]byte, error) {
	v := bt.data[t].Get(idKey(id))
	if v == nil {
		return nil, missingEntry(t, id)
	}
	return v, nil
}

// ascending steps one cursor forward through the ids asked for, seeking only across gaps.
func (bt *boltTables) ascending(t table) func(id uint64) ([]byte, error) {
	c := bt.data[t].Cursor()
	var k, v []byte
	return func(id uint64) ([]byte, error) {
		for steps := 0; k != nil && keyID(k) < id && steps < 4; steps++ {
			k, v = c.Next()
		}
		if k == nil || keyID(k) != id {
			k, v = c.Seek(idKey(id))
		}
		if k == nil || len(k) != 8 || keyID(k) != id {
			k = nil
			return nil, missingEntry(t, id)
		}
		return v, nil
	}
}

func (bt *boltTables) maxID(t table) uint64 { return bt.data[t].Sequence() }

// remove deletes id from table t and from its index.
func (bt *boltTables) remove(t table, id uint64, content []byte) error {
	hk := contentHash(content)
	var kept []byte
	r := reader{b: bt.index[t].Get(hk)}
	for len(r.b) > 0 {
		other := r.uvarint("table index")
		if r.err != nil {
			return fmt.Errorf("%s index: %w", t, r.err)
		}
		if other != id {
			kept = binary.AppendUvarint(kept, other)
		}
	}
	var err error
	if len(kept) == 0 {
		err = bt.index[t].Delete(hk)
	} else {
		err = bt.index[t].Put(hk, kept)
	}
	if err != nil {
		return fmt.Errorf("unindex %s entry %d: %w", t, id, err)
	}
	return bt.data[t].Delete(idKey(id))
}

func keyID(k []byte) uint64 { return binary.BigEndian.Uint64(k) }
