package suspects

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// keyTable interns function names and keys. Profiles decoded one by one share no pointers,
// so names are interned once and keys are looked up by function ids, not by strings built
// per sample.
type keyTable struct {
	by     By
	names  []string
	nameID map[string]int32

	states []keyState
	// byLeaf maps a function id to its key (ByFunction); byHash maps a stack hash to its key
	// (ByStack), colliding hashes probing the next value.
	byLeaf map[int32]int32
	byHash map[uint64]int32

	// The location cache of the profile being added: each location's function ids, leaf
	// first. Decoded profiles number their locations 1..n, so the cache is a slice indexed
	// by ID, valid where locGen holds the profile's generation; other IDs use the map.
	gen    uint32
	locGen []uint32
	locIDs [][]int32
	locs   map[*profile.Location][]int32
	stack  []int32
}

func newKeyTable(by By) keyTable {
	return keyTable{
		by: by, nameID: map[string]int32{}, byLeaf: map[int32]int32{}, byHash: map[uint64]int32{},
		locs: map[*profile.Location][]int32{},
	}
}

// beginProfile invalidates the location cache of the previous profile and sizes it for p.
func (kt *keyTable) beginProfile(p *profile.Profile) {
	kt.gen++
	if kt.gen == 0 {
		clear(kt.locGen)
		kt.gen = 1
	}
	if n := len(p.Location) + 1; n > len(kt.locGen) {
		kt.locGen = append(kt.locGen, make([]uint32, n-len(kt.locGen))...)
		kt.locIDs = append(kt.locIDs, make([][]int32, n-len(kt.locIDs))...)
	}
}

// endProfile forgets the pointers into the profile, so that no part of it outlives its Add.
func (kt *keyTable) endProfile() {
	clear(kt.locs)
}

// lookup returns the key id of a sample's stack, creating the key when new. A key created
// after the first snapshot of a segment held nothing in the earlier ones, so its previous
// value is a known 0 (havePrev).
func (kt *keyTable) lookup(locs []*profile.Location, havePrev bool) int32 {
	if kt.by == ByFunction {
		leaf := int32(-1)
		if len(locs) > 0 {
			if ids := kt.location(locs[0]); len(ids) > 0 {
				leaf = ids[0]
			}
		}
		if leaf < 0 {
			leaf = kt.intern("(unknown)")
		}
		if id, ok := kt.byLeaf[leaf]; ok {
			return id
		}
		id := kt.add([]int32{leaf}, havePrev)
		kt.byLeaf[leaf] = id
		return id
	}
	kt.stack = kt.stack[:0]
	for _, l := range locs {
		kt.stack = append(kt.stack, kt.location(l)...)
	}
	if len(kt.stack) == 0 {
		kt.stack = append(kt.stack, kt.intern("(unknown)"))
	}
	h := hashIDs(kt.stack)
	for {
		id, ok := kt.byHash[h]
		if !ok {
			id = kt.add(slices.Clone(kt.stack), havePrev)
			kt.byHash[h] = id
			return id
		}
		if slices.Equal(kt.states[id].stack, kt.stack) {
			return id
		}
		h++
	}
}

func (kt *keyTable) add(stack []int32, havePrev bool) int32 {
	kt.states = append(kt.states, keyState{stack: stack, havePrev: havePrev})
	return int32(len(kt.states) - 1)
}

// location returns a location's function ids, innermost inlined frame first, which is the
// order of Location.Line. An unsymbolized location is named by its address.
func (kt *keyTable) location(l *profile.Location) []int32 {
	if l == nil {
		// Only hand-built profiles have these; decoding refuses them.
		return []int32{kt.intern("(unknown)")}
	}
	indexed := l.ID > 0 && l.ID < uint64(len(kt.locGen))
	if indexed {
		if kt.locGen[l.ID] == kt.gen {
			return kt.locIDs[l.ID]
		}
	} else if ids, ok := kt.locs[l]; ok {
		return ids
	}
	var ids []int32
	if indexed {
		// Reuse the previous profile's slice for this ID: ids never escape the cache.
		ids = kt.locIDs[l.ID][:0]
	}
	for _, line := range l.Line {
		if line.Function != nil && line.Function.Name != "" {
			ids = append(ids, kt.intern(line.Function.Name))
		}
	}
	if len(ids) == 0 {
		ids = append(ids, kt.intern(fmt.Sprintf("0x%x", l.Address)))
	}
	if indexed {
		kt.locGen[l.ID], kt.locIDs[l.ID] = kt.gen, ids
	} else {
		kt.locs[l] = ids
	}
	return ids
}

func (kt *keyTable) intern(name string) int32 {
	if id, ok := kt.nameID[name]; ok {
		return id
	}
	id := int32(len(kt.names))
	kt.names = append(kt.names, name)
	kt.nameID[name] = id
	return id
}

// describe returns a key's name, its leaf function and (ByStack) its stack root first.
func (kt *keyTable) describe(k *keyState) (key, function string, stack []string) {
	function = kt.names[k.stack[0]]
	if kt.by == ByFunction {
		return function, function, nil
	}
	stack = make([]string, len(k.stack))
	for i, id := range k.stack {
		stack[len(k.stack)-1-i] = kt.names[id]
	}
	return strings.Join(stack, ";"), function, stack
}

// hashIDs is FNV-1a over the ids, a whole id per round: collisions only cost a probe.
func hashIDs(ids []int32) uint64 {
	h := uint64(14695981039346656037)
	for _, id := range ids {
		h ^= uint64(uint32(id))
		h *= 1099511628211
	}
	return h ^ h>>29
}
