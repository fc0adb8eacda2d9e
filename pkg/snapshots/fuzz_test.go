package snapshots

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// mapTables is an in-memory interner and lookuper for decoder tests.
type mapTables struct {
	entries [numTables]map[uint64][]byte
	ids     [numTables]map[string]uint64
}

func newMapTables() *mapTables {
	mt := &mapTables{}
	for i := range numTables {
		mt.entries[i], mt.ids[i] = make(map[uint64][]byte), make(map[string]uint64)
	}
	return mt
}

func (mt *mapTables) intern(t table, content []byte) (uint64, error) {
	if id, ok := mt.ids[t][string(content)]; ok {
		return id, nil
	}
	id := uint64(len(mt.entries[t]) + 1)
	mt.entries[t][id] = bytes.Clone(content)
	mt.ids[t][string(content)] = id
	return id, nil
}

func (mt *mapTables) ascending(t table) func(uint64) ([]byte, error) {
	return func(id uint64) ([]byte, error) { return mt.lookup(t, id) }
}

func (mt *mapTables) maxID(t table) uint64 { return uint64(len(mt.entries[t])) }

func (mt *mapTables) lookup(t table, id uint64) ([]byte, error) {
	if b, ok := mt.entries[t][id]; ok {
		return b, nil
	}
	return nil, missingEntry(t, id)
}

// FuzzDecodePayload feeds arbitrary bytes to the payload decoder and rebuilds what decodes
// against the tables of the captured heap and goroutine profiles, and to the table entry,
// metadata, key and pin decoders: none may panic, and a rebuilt profile must be valid.
func FuzzDecodePayload(f *testing.F) {
	mt := newMapTables()
	for _, name := range []string{"heap.pb.gz", "goroutine.pb.gz"} {
		p, _ := readProfile(f, name)
		pl, err := encodeProfile(mt, p)
		require.NoError(f, err)
		f.Add(pl)
		f.Add(pl[:len(pl)/2])
	}
	f.Add(encodeEntry(entry{kind: kindProfile, raw: 10, payload: 3, pins: []string{"a"}}))
	f.Add(encodeKey(key("app", "heap", t0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if pl, err := decodePayload(b); err == nil {
			if p, err := rebuildProfile(pl, mt); err == nil {
				if err := p.CheckValid(); err != nil {
					t.Fatalf("rebuilt profile is invalid: %v", err)
				}
			}
		}
		_, _ = decodeFunction(b)
		_, _ = decodeMapping(b)
		_, _ = decodeLocation(b)
		_, _ = decodeStack(b)
		_, _ = decodeLabelSet(b)
		_, _ = decodeEntry(b)
		_, _ = decodeKey(b)
		_, _ = decodePin("x", b)
		for t := range numTables {
			_, _ = table(t).stringIDs(b, nil)
		}
	})
}
