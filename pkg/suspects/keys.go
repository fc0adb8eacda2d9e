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

	// locs caches, for the profile being added, each location's function ids, leaf first.
	locs  map[*profile.Location][]int32
	stack []int32
}

func newKeyTable(by By) keyTable {
	return keyTable{
		by: by, nameID: map[string]int32{}, byLeaf: map[int32]int32{}, byHash: map[uint64]int32{},
		locs: map[*profile.Location][]int32{},
	}
}

// endProfile forgets the location cache, so that no part of a profile outlives its Add.
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
	if ids, ok := kt.locs[l]; ok {
		return ids
	}
	var ids []int32
	for _, line := range l.Line {
		if line.Function != nil && line.Function.Name != "" {
			ids = append(ids, kt.intern(line.Function.Name))
		}
	}
	if len(ids) == 0 {
		ids = append(ids, kt.intern(fmt.Sprintf("0x%x", l.Address)))
	}
	kt.locs[l] = ids
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

// hashIDs is FNV-1a over the ids.
func hashIDs(ids []int32) uint64 {
	h := uint64(14695981039346656037)
	for _, id := range ids {
		u := uint32(id)
		for range 4 {
			h ^= uint64(u & 0xff)
			h *= 1099511628211
			u >>= 8
		}
	}
	return h
}
