package snapshots

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/google/pprof/profile"
)

// payloadVersion is the first byte of every uncompressed profile payload.
const payloadVersion = 1

// payload is what one profile snapshot stores besides the shared tables: the profile's
// header fields inline (a few short strings, cheaper inline than as table references) and
// its samples as columns. Samples are sorted by (stack, label set) so that the stack column
// is a run of small non-negative deltas and equal label sets sit together.
type payload struct {
	timeNanos, durationNanos, period int64
	periodType                       *profile.ValueType
	sampleTypes                      []*profile.ValueType
	defaultSampleType                string
	dropFrames, keepFrames, docURL   string
	comments                         []string
	// mappings lists every mapping of the profile, referenced by a location or not, in the
	// profile's order: the first is the main binary to pprof.
	mappings []uint64
	stacks   []uint64
	labels   []uint64
	// values holds one column per sample type.
	values [][]int64
}

// encoder interns one profile's tables. Its caches are keyed by the profile's own pointers
// and strings, so each function, location and mapping costs one table lookup per Put no
// matter how many samples use it.
type encoder struct {
	in   interner
	strs map[string]uint64
	fns  map[*profile.Function]uint64
	maps map[*profile.Mapping]uint64
	locs map[*profile.Location]uint64
	lbls map[string]uint64
}

func newEncoder(in interner) *encoder {
	return &encoder{
		in:   in,
		strs: make(map[string]uint64),
		fns:  make(map[*profile.Function]uint64),
		maps: make(map[*profile.Mapping]uint64),
		locs: make(map[*profile.Location]uint64),
		lbls: make(map[string]uint64),
	}
}

func (e *encoder) str(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	if id, ok := e.strs[s]; ok {
		return id, nil
	}
	id, err := e.in.intern(tableStrings, []byte(s))
	if err != nil {
		return 0, err
	}
	e.strs[s] = id
	return id, nil
}

// strList interns several strings.
func (e *encoder) strList(ss ...string) ([]uint64, error) {
	ids := make([]uint64, len(ss))
	for i, s := range ss {
		id, err := e.str(s)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

func (e *encoder) mapping(m *profile.Mapping) (uint64, error) {
	if m == nil {
		return 0, nil
	}
	if id, ok := e.maps[m]; ok {
		return id, nil
	}
	s, err := e.strList(m.File, m.BuildID, m.KernelRelocationSymbol)
	if err != nil {
		return 0, err
	}
	me := mappingEntry{start: m.Start, limit: m.Limit, offset: m.Offset, file: s[0], buildID: s[1], kernelRelSym: s[2]}
	if m.HasFunctions {
		me.flags |= mapHasFunctions
	}
	if m.HasFilenames {
		me.flags |= mapHasFilenames
	}
	if m.HasLineNumbers {
		me.flags |= mapHasLineNumbers
	}
	if m.HasInlineFrames {
		me.flags |= mapHasInlineFrames
	}
	id, err := e.in.intern(tableMappings, me.encode())
	if err != nil {
		return 0, err
	}
	e.maps[m] = id
	return id, nil
}

func (e *encoder) function(f *profile.Function) (uint64, error) {
	if f == nil {
		return 0, nil
	}
	if id, ok := e.fns[f]; ok {
		return id, nil
	}
	s, err := e.strList(f.Name, f.SystemName, f.Filename)
	if err != nil {
		return 0, err
	}
	fe := functionEntry{name: s[0], systemName: s[1], filename: s[2], startLine: f.StartLine}
	id, err := e.in.intern(tableFunctions, fe.encode())
	if err != nil {
		return 0, err
	}
	e.fns[f] = id
	return id, nil
}

func (e *encoder) location(l *profile.Location) (uint64, error) {
	if id, ok := e.locs[l]; ok {
		return id, nil
	}
	mid, err := e.mapping(l.Mapping)
	if err != nil {
		return 0, err
	}
	le := locationEntry{mapping: mid, address: l.Address, folded: l.IsFolded, lines: make([]lineEntry, len(l.Line))}
	for i, ln := range l.Line {
		fid, err := e.function(ln.Function)
		if err != nil {
			return 0, err
		}
		le.lines[i] = lineEntry{function: fid, line: ln.Line, column: ln.Column}
	}
	id, err := e.in.intern(tableLocations, le.encode())
	if err != nil {
		return 0, err
	}
	e.locs[l] = id
	return id, nil
}

func (e *encoder) stack(locs []*profile.Location, scratch []uint64) (uint64, []uint64, error) {
	scratch = scratch[:0]
	for _, l := range locs {
		id, err := e.location(l)
		if err != nil {
			return 0, scratch, err
		}
		scratch = append(scratch, id)
	}
	id, err := e.in.intern(tableStacks, encodeStack(scratch))
	return id, scratch, err
}

func (e *encoder) labelSet(s *profile.Sample) (uint64, error) {
	if len(s.Label) == 0 && len(s.NumLabel) == 0 {
		return 0, nil
	}
	var ls labelSet
	for _, k := range sortedKeys(s.Label) {
		l := strLabel{}
		var err error
		if l.key, err = e.str(k); err != nil {
			return 0, err
		}
		if l.values, err = e.strList(s.Label[k]...); err != nil {
			return 0, err
		}
		ls.str = append(ls.str, l)
	}
	for _, k := range sortedKeys(s.NumLabel) {
		l := numLabel{values: s.NumLabel[k]}
		var err error
		if l.key, err = e.str(k); err != nil {
			return 0, err
		}
		if l.units, err = e.strList(s.NumUnit[k]...); err != nil {
			return 0, err
		}
		ls.num = append(ls.num, l)
	}
	content := ls.encode()
	if id, ok := e.lbls[string(content)]; ok {
		return id, nil
	}
	id, err := e.in.intern(tableLabels, content)
	if err != nil {
		return 0, err
	}
	e.lbls[string(content)] = id
	return id, nil
}

// encodeProfile interns p's tables and returns its uncompressed payload. p must be valid
// (CheckValid), which guarantees that every sample has one value per sample type.
func encodeProfile(in interner, p *profile.Profile) ([]byte, error) {
	e := newEncoder(in)
	pl := payload{
		timeNanos: p.TimeNanos, durationNanos: p.DurationNanos, period: p.Period,
		periodType: p.PeriodType, sampleTypes: p.SampleType, defaultSampleType: p.DefaultSampleType,
		dropFrames: p.DropFrames, keepFrames: p.KeepFrames, docURL: p.DocURL, comments: p.Comments,
	}
	for _, m := range p.Mapping {
		id, err := e.mapping(m)
		if err != nil {
			return nil, err
		}
		pl.mappings = append(pl.mappings, id)
	}
	type row struct {
		stack, labels uint64
		s             *profile.Sample
	}
	rows := make([]row, len(p.Sample))
	var scratch []uint64
	for i, s := range p.Sample {
		var err error
		rows[i].s = s
		if rows[i].stack, scratch, err = e.stack(s.Location, scratch); err != nil {
			return nil, err
		}
		if rows[i].labels, err = e.labelSet(s); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(a.stack, b.stack), cmp.Compare(a.labels, b.labels))
	})
	pl.stacks = make([]uint64, len(rows))
	pl.labels = make([]uint64, len(rows))
	pl.values = make([][]int64, len(p.SampleType))
	for j := range pl.values {
		pl.values[j] = make([]int64, len(rows))
	}
	for i, r := range rows {
		pl.stacks[i], pl.labels[i] = r.stack, r.labels
		for j := range pl.values {
			pl.values[j][i] = r.s.Value[j]
		}
	}
	return pl.encode(), nil
}

func appendValueType(b []byte, v *profile.ValueType) []byte {
	return appendString(appendString(b, v.Type), v.Unit)
}

func (pl *payload) encode() []byte {
	n := len(pl.stacks)
	b := make([]byte, 0, 64+n*(2+3*len(pl.values)))
	b = append(b, payloadVersion)
	b = binary.AppendVarint(b, pl.timeNanos)
	b = binary.AppendVarint(b, pl.durationNanos)
	b = binary.AppendVarint(b, pl.period)
	b = appendBool(b, pl.periodType != nil)
	if pl.periodType != nil {
		b = appendValueType(b, pl.periodType)
	}
	b = binary.AppendUvarint(b, uint64(len(pl.sampleTypes)))
	for _, st := range pl.sampleTypes {
		b = appendValueType(b, st)
	}
	for _, s := range []string{pl.defaultSampleType, pl.dropFrames, pl.keepFrames, pl.docURL} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(pl.comments)))
	for _, c := range pl.comments {
		b = appendString(b, c)
	}
	b = binary.AppendUvarint(b, uint64(len(pl.mappings)))
	for _, m := range pl.mappings {
		b = binary.AppendUvarint(b, m)
	}
	b = binary.AppendUvarint(b, uint64(n))
	var prev uint64
	for _, s := range pl.stacks {
		b = binary.AppendUvarint(b, s-prev)
		prev = s
	}
	var prevL int64
	for _, l := range pl.labels {
		b = binary.AppendVarint(b, int64(l)-prevL)
		prevL = int64(l)
	}
	for _, col := range pl.values {
		for _, v := range col {
			b = binary.AppendVarint(b, v)
		}
	}
	return b
}

func decodePayload(b []byte) (*payload, error) {
	r := reader{b: b}
	if v := r.byte("payload version"); r.err == nil && v != payloadVersion {
		return nil, fmt.Errorf("payload version %d is not supported", v)
	}
	pl := &payload{
		timeNanos:     r.varint("time"),
		durationNanos: r.varint("duration"),
		period:        r.varint("period"),
	}
	if r.byte("period type flag") != 0 {
		pl.periodType = &profile.ValueType{Type: r.string("period type"), Unit: r.string("period unit")}
	}
	nTypes := r.count("sample type count", 2)
	for range nTypes {
		pl.sampleTypes = append(pl.sampleTypes, &profile.ValueType{Type: r.string("sample type"), Unit: r.string("sample unit")})
	}
	pl.defaultSampleType = r.string("default sample type")
	pl.dropFrames = r.string("drop frames")
	pl.keepFrames = r.string("keep frames")
	pl.docURL = r.string("doc url")
	for range r.count("comment count", 1) {
		pl.comments = append(pl.comments, r.string("comment"))
	}
	for range r.count("mapping count", 1) {
		pl.mappings = append(pl.mappings, r.uvarint("mapping id"))
	}
	n := r.count("sample count", 2+nTypes)
	pl.stacks = make([]uint64, n)
	pl.labels = make([]uint64, n)
	var prev uint64
	for i := range pl.stacks {
		prev += r.uvarint("sample stack")
		pl.stacks[i] = prev
	}
	var prevL int64
	for i := range pl.labels {
		prevL += r.varint("sample labels")
		if prevL < 0 {
			r.fail("sample labels")
		}
		pl.labels[i] = uint64(prevL)
	}
	pl.values = make([][]int64, nTypes)
	for j := range pl.values {
		pl.values[j] = make([]int64, n)
		for i := range pl.values[j] {
			pl.values[j][i] = r.varint("sample value")
		}
	}
	if err := r.done("payload"); err != nil {
		return nil, err
	}
	return pl, nil
}

// maxDenseIDs bounds the id-indexed slice that caches rebuilt locations; a table with more
// ids than this (or a corrupted sequence) falls back to a map.
const maxDenseIDs = 1 << 22

// rebuilder turns a payload back into a profile, loading each table entry once. IDs in the
// result are the table ids, so the result lists its entries in first-stored order.
type rebuilder struct {
	lk   lookuper
	strs map[uint64]string
	fns  map[uint64]*profile.Function
	maps map[uint64]*profile.Mapping
	// Locations are looked up once per frame of every sample, millions of times for a large
	// profile, so they are cached in a slice indexed by id where the table allows.
	locDense []*profile.Location
	locs     map[uint64]*profile.Location
	locIDs   []uint64
	lbls     map[uint64]*labelSet
}

func (rb *rebuilder) str(id uint64) (string, error) {
	if id == 0 {
		return "", nil
	}
	if s, ok := rb.strs[id]; ok {
		return s, nil
	}
	b, err := rb.lk.lookup(tableStrings, id)
	if err != nil {
		return "", err
	}
	s := string(b)
	rb.strs[id] = s
	return s, nil
}

func (rb *rebuilder) mapping(id uint64) (*profile.Mapping, error) {
	if id == 0 {
		return nil, nil
	}
	if m, ok := rb.maps[id]; ok {
		return m, nil
	}
	b, err := rb.lk.lookup(tableMappings, id)
	if err != nil {
		return nil, err
	}
	me, err := decodeMapping(b)
	if err != nil {
		return nil, err
	}
	m := &profile.Mapping{ID: id, Start: me.start, Limit: me.limit, Offset: me.offset,
		HasFunctions: me.flags&mapHasFunctions != 0, HasFilenames: me.flags&mapHasFilenames != 0,
		HasLineNumbers: me.flags&mapHasLineNumbers != 0, HasInlineFrames: me.flags&mapHasInlineFrames != 0}
	for _, f := range []struct {
		dst *string
		id  uint64
	}{{&m.File, me.file}, {&m.BuildID, me.buildID}, {&m.KernelRelocationSymbol, me.kernelRelSym}} {
		if *f.dst, err = rb.str(f.id); err != nil {
			return nil, err
		}
	}
	rb.maps[id] = m
	return m, nil
}

func (rb *rebuilder) function(id uint64) (*profile.Function, error) {
	if f, ok := rb.fns[id]; ok {
		return f, nil
	}
	b, err := rb.lk.lookup(tableFunctions, id)
	if err != nil {
		return nil, err
	}
	fe, err := decodeFunction(b)
	if err != nil {
		return nil, err
	}
	f := &profile.Function{ID: id, StartLine: fe.startLine}
	if f.Name, err = rb.str(fe.name); err != nil {
		return nil, err
	}
	if f.SystemName, err = rb.str(fe.systemName); err != nil {
		return nil, err
	}
	if f.Filename, err = rb.str(fe.filename); err != nil {
		return nil, err
	}
	rb.fns[id] = f
	return f, nil
}

func (rb *rebuilder) location(id uint64) (*profile.Location, error) {
	if id < uint64(len(rb.locDense)) {
		if l := rb.locDense[id]; l != nil {
			return l, nil
		}
	} else if l, ok := rb.locs[id]; ok {
		return l, nil
	}
	b, err := rb.lk.lookup(tableLocations, id)
	if err != nil {
		return nil, err
	}
	le, err := decodeLocation(b)
	if err != nil {
		return nil, err
	}
	l := &profile.Location{ID: id, Address: le.address, IsFolded: le.folded}
	if l.Mapping, err = rb.mapping(le.mapping); err != nil {
		return nil, err
	}
	for _, ln := range le.lines {
		f, err := rb.function(ln.function)
		if err != nil {
			return nil, err
		}
		l.Line = append(l.Line, profile.Line{Function: f, Line: ln.line, Column: ln.column})
	}
	if id < uint64(len(rb.locDense)) {
		rb.locDense[id] = l
	} else {
		rb.locs[id] = l
	}
	rb.locIDs = append(rb.locIDs, id)
	return l, nil
}

// stack returns the locations of the stack whose entry is b, appended to backing.
func (rb *rebuilder) stack(b []byte, backing []*profile.Location) ([]*profile.Location, error) {
	r := reader{b: b}
	n := r.count("stack depth", 1)
	for range n {
		lid := r.uvarint("stack location")
		if r.err != nil {
			break
		}
		l, err := rb.location(lid)
		if err != nil {
			return nil, err
		}
		backing = append(backing, l)
	}
	return backing, r.done("stack")
}

func (rb *rebuilder) labels(id uint64) (*labelSet, error) {
	if ls, ok := rb.lbls[id]; ok {
		return ls, nil
	}
	b, err := rb.lk.lookup(tableLabels, id)
	if err != nil {
		return nil, err
	}
	ls, err := decodeLabelSet(b)
	if err != nil {
		return nil, err
	}
	rb.lbls[id] = &ls
	return &ls, nil
}

// applyLabels gives s its own label maps, so that the caller may modify one sample's labels
// without touching another's.
func (rb *rebuilder) applyLabels(s *profile.Sample, ls *labelSet) error {
	for _, l := range ls.str {
		k, err := rb.str(l.key)
		if err != nil {
			return err
		}
		vals := make([]string, len(l.values))
		for i, v := range l.values {
			if vals[i], err = rb.str(v); err != nil {
				return err
			}
		}
		if s.Label == nil {
			s.Label = make(map[string][]string, len(ls.str))
		}
		s.Label[k] = vals
	}
	for _, l := range ls.num {
		k, err := rb.str(l.key)
		if err != nil {
			return err
		}
		if s.NumLabel == nil {
			s.NumLabel = make(map[string][]int64, len(ls.num))
		}
		s.NumLabel[k] = slices.Clone(l.values)
		if len(l.units) == 0 {
			continue
		}
		units := make([]string, len(l.units))
		for i, u := range l.units {
			if units[i], err = rb.str(u); err != nil {
				return err
			}
		}
		if s.NumUnit == nil {
			s.NumUnit = make(map[string][]string, len(ls.num))
		}
		s.NumUnit[k] = units
	}
	return nil
}

// rebuildProfile turns a payload and the tables it refers to back into a profile that
// passes CheckValid.
func rebuildProfile(pl *payload, lk lookuper) (*profile.Profile, error) {
	rb := &rebuilder{lk: lk, strs: make(map[uint64]string), fns: make(map[uint64]*profile.Function),
		maps: make(map[uint64]*profile.Mapping), locs: make(map[uint64]*profile.Location),
		lbls: make(map[uint64]*labelSet)}
	if n := lk.maxID(tableLocations); n < maxDenseIDs {
		rb.locDense = make([]*profile.Location, n+1)
	}
	p := &profile.Profile{
		TimeNanos: pl.timeNanos, DurationNanos: pl.durationNanos, Period: pl.period,
		DefaultSampleType: pl.defaultSampleType, DropFrames: pl.dropFrames, KeepFrames: pl.keepFrames,
		DocURL: pl.docURL, Comments: slices.Clone(pl.comments),
	}
	if pl.periodType != nil {
		p.PeriodType = &profile.ValueType{Type: pl.periodType.Type, Unit: pl.periodType.Unit}
	}
	for _, st := range pl.sampleTypes {
		p.SampleType = append(p.SampleType, &profile.ValueType{Type: st.Type, Unit: st.Unit})
	}
	for _, id := range pl.mappings {
		if _, err := rb.mapping(id); err != nil {
			return nil, err
		}
	}
	p.Sample = make([]*profile.Sample, len(pl.stacks))
	samples := make([]profile.Sample, len(pl.stacks))
	values := make([]int64, len(pl.stacks)*len(pl.values))
	stackEntry := lk.ascending(tableStacks)
	// Each sample gets its own location slice, carved from shared chunks so that 100k
	// samples cost a few allocations rather than 100k.
	var chunk, prev []*profile.Location
	for i, sid := range pl.stacks {
		s := &samples[i]
		if i > 0 && sid == pl.stacks[i-1] {
			s.Location = slices.Clone(prev)
		} else {
			b, err := stackEntry(sid)
			if err != nil {
				return nil, err
			}
			if cap(chunk)-len(chunk) < 256 {
				chunk = make([]*profile.Location, 0, 1<<16)
			}
			start := len(chunk)
			if chunk, err = rb.stack(b, chunk); err != nil {
				return nil, err
			}
			s.Location = chunk[start:len(chunk):len(chunk)]
			prev = s.Location
		}
		s.Value = values[i*len(pl.values) : (i+1)*len(pl.values) : (i+1)*len(pl.values)]
		for j, col := range pl.values {
			s.Value[j] = col[i]
		}
		if lid := pl.labels[i]; lid != 0 {
			ls, err := rb.labels(lid)
			if err != nil {
				return nil, err
			}
			if err := rb.applyLabels(s, ls); err != nil {
				return nil, err
			}
		}
		p.Sample[i] = s
	}
	// The mappings keep the profile's order (the first is the main binary to pprof); the
	// others are listed in table-id order.
	seen := make(map[uint64]bool, len(pl.mappings))
	for _, id := range pl.mappings {
		if !seen[id] && id != 0 {
			seen[id] = true
			p.Mapping = append(p.Mapping, rb.maps[id])
		}
	}
	for _, id := range sortedIDs(rb.maps) {
		if !seen[id] {
			p.Mapping = append(p.Mapping, rb.maps[id])
		}
	}
	slices.Sort(rb.locIDs)
	p.Location = make([]*profile.Location, len(rb.locIDs))
	for i, id := range rb.locIDs {
		if id < uint64(len(rb.locDense)) {
			p.Location[i] = rb.locDense[id]
		} else {
			p.Location[i] = rb.locs[id]
		}
	}
	for _, id := range sortedIDs(rb.fns) {
		p.Function = append(p.Function, rb.fns[id])
	}
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("rebuilt profile is invalid: %w", err)
	}
	return p, nil
}

func sortedIDs[V any](m map[uint64]V) []uint64 {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
