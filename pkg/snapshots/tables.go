package snapshots

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// table names one of the per-target tables that snapshots share. Entries are content
// addressed: the same string, function, mapping, location, stack or label set gets the same
// id in every snapshot of a target, which is what keeps a snapshot taken a minute after the
// previous one down to its sample values.
type table int

const (
	tableStrings table = iota
	tableFunctions
	tableMappings
	tableLocations
	tableStacks
	tableLabels
	numTables
)

var tableNames = [numTables]string{"strings", "functions", "mappings", "locations", "stacks", "label sets"}

func (t table) String() string { return tableNames[t] }

// interner stores a table entry once and returns its id; ids are never 0, which the
// encodings use for "none" (no mapping, empty string, no labels).
type interner interface {
	intern(t table, content []byte) (uint64, error)
}

// lookuper returns table entries by id, or an error naming the missing entry.
type lookuper interface {
	lookup(t table, id uint64) ([]byte, error)
	// ascending returns a lookup for ids in ascending order, which a B+tree serves by
	// stepping a cursor instead of searching from the root for each id.
	ascending(t table) func(id uint64) ([]byte, error)
	// maxID is the largest id table t has handed out.
	maxID(t table) uint64
}

// The entry encodings below are varint records; string fields are string-table ids.

type functionEntry struct {
	name, systemName, filename uint64
	startLine                  int64
}

func (f functionEntry) encode() []byte {
	b := binary.AppendUvarint(nil, f.name)
	b = binary.AppendUvarint(b, f.systemName)
	b = binary.AppendUvarint(b, f.filename)
	return binary.AppendVarint(b, f.startLine)
}

func decodeFunction(b []byte) (functionEntry, error) {
	r := reader{b: b}
	f := functionEntry{
		name:       r.uvarint("function name"),
		systemName: r.uvarint("function system name"),
		filename:   r.uvarint("function file name"),
		startLine:  r.varint("function start line"),
	}
	return f, r.done("function")
}

type mappingEntry struct {
	start, limit, offset        uint64
	file, buildID, kernelRelSym uint64
	flags                       byte
}

const (
	mapHasFunctions = 1 << iota
	mapHasFilenames
	mapHasLineNumbers
	mapHasInlineFrames
)

func (m mappingEntry) encode() []byte {
	b := binary.AppendUvarint(nil, m.start)
	b = binary.AppendUvarint(b, m.limit)
	b = binary.AppendUvarint(b, m.offset)
	b = binary.AppendUvarint(b, m.file)
	b = binary.AppendUvarint(b, m.buildID)
	b = binary.AppendUvarint(b, m.kernelRelSym)
	return append(b, m.flags)
}

func decodeMapping(b []byte) (mappingEntry, error) {
	r := reader{b: b}
	m := mappingEntry{
		start:        r.uvarint("mapping start"),
		limit:        r.uvarint("mapping limit"),
		offset:       r.uvarint("mapping offset"),
		file:         r.uvarint("mapping file"),
		buildID:      r.uvarint("mapping build id"),
		kernelRelSym: r.uvarint("mapping relocation symbol"),
		flags:        r.byte("mapping flags"),
	}
	return m, r.done("mapping")
}

type lineEntry struct {
	function     uint64
	line, column int64
}

type locationEntry struct {
	mapping, address uint64
	folded           bool
	lines            []lineEntry
}

func (l locationEntry) encode() []byte {
	b := binary.AppendUvarint(nil, l.mapping)
	b = binary.AppendUvarint(b, l.address)
	b = appendBool(b, l.folded)
	b = binary.AppendUvarint(b, uint64(len(l.lines)))
	for _, ln := range l.lines {
		b = binary.AppendUvarint(b, ln.function)
		b = binary.AppendVarint(b, ln.line)
		b = binary.AppendVarint(b, ln.column)
	}
	return b
}

func decodeLocation(b []byte) (locationEntry, error) {
	r := reader{b: b}
	l := locationEntry{
		mapping: r.uvarint("location mapping"),
		address: r.uvarint("location address"),
		folded:  r.byte("location folded flag") != 0,
	}
	n := r.count("location line count", 3)
	for range n {
		l.lines = append(l.lines, lineEntry{
			function: r.uvarint("line function"),
			line:     r.varint("line number"),
			column:   r.varint("line column"),
		})
	}
	return l, r.done("location")
}

func encodeStack(locs []uint64) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 1+3*len(locs)), uint64(len(locs)))
	for _, id := range locs {
		b = binary.AppendUvarint(b, id)
	}
	return b
}

func decodeStack(b []byte) ([]uint64, error) {
	r := reader{b: b}
	n := r.count("stack depth", 1)
	locs := make([]uint64, n)
	for i := range locs {
		locs[i] = r.uvarint("stack location")
	}
	return locs, r.done("stack")
}

// labelSet is the labels of one sample, keys and values as string-table ids, sorted by key
// so that equal label maps encode to equal bytes.
type labelSet struct {
	str []strLabel
	num []numLabel
}

type strLabel struct {
	key    uint64
	values []uint64
}

type numLabel struct {
	key    uint64
	values []int64
	units  []uint64
}

func (s labelSet) encode() []byte {
	b := binary.AppendUvarint(nil, uint64(len(s.str)))
	for _, l := range s.str {
		b = binary.AppendUvarint(b, l.key)
		b = binary.AppendUvarint(b, uint64(len(l.values)))
		for _, v := range l.values {
			b = binary.AppendUvarint(b, v)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(s.num)))
	for _, l := range s.num {
		b = binary.AppendUvarint(b, l.key)
		b = binary.AppendUvarint(b, uint64(len(l.values)))
		for _, v := range l.values {
			b = binary.AppendVarint(b, v)
		}
		b = binary.AppendUvarint(b, uint64(len(l.units)))
		for _, u := range l.units {
			b = binary.AppendUvarint(b, u)
		}
	}
	return b
}

func decodeLabelSet(b []byte) (labelSet, error) {
	r := reader{b: b}
	var s labelSet
	n := r.count("string label count", 2)
	for range n {
		l := strLabel{key: r.uvarint("string label key")}
		for range r.count("string label values", 1) {
			l.values = append(l.values, r.uvarint("string label value"))
		}
		s.str = append(s.str, l)
	}
	n = r.count("numeric label count", 3)
	for range n {
		l := numLabel{key: r.uvarint("numeric label key")}
		for range r.count("numeric label values", 1) {
			l.values = append(l.values, r.varint("numeric label value"))
		}
		for range r.count("numeric label units", 1) {
			l.units = append(l.units, r.uvarint("numeric label unit"))
		}
		s.num = append(s.num, l)
	}
	return s, r.done("label set")
}

// stringIDs appends every string-table id an entry of table t refers to; the sweep uses it
// to mark strings live.
func (t table) stringIDs(content []byte, ids []uint64) ([]uint64, error) {
	switch t {
	case tableFunctions:
		f, err := decodeFunction(content)
		if err != nil {
			return nil, err
		}
		return append(ids, f.name, f.systemName, f.filename), nil
	case tableMappings:
		m, err := decodeMapping(content)
		if err != nil {
			return nil, err
		}
		return append(ids, m.file, m.buildID, m.kernelRelSym), nil
	case tableLabels:
		s, err := decodeLabelSet(content)
		if err != nil {
			return nil, err
		}
		for _, l := range s.str {
			ids = append(ids, l.key)
			ids = append(ids, l.values...)
		}
		for _, l := range s.num {
			ids = append(ids, l.key)
			ids = append(ids, l.units...)
		}
		return ids, nil
	}
	return ids, nil
}

// missingEntry is the error of a lookup of an id the table does not hold: the tables and
// the snapshot disagree, which only corruption causes.
func missingEntry(t table, id uint64) error {
	return fmt.Errorf("%s table has no entry %d: %w", t, id, errTruncated)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
