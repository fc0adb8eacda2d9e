package suspects

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// heapSampleTypes are the sample types every heap snapshot must carry, and heapUnits their units.
var (
	heapSampleTypes = [...]string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}
	heapUnits       = [...]string{"count", "bytes", "count", "bytes"}
)

// Ranker accumulates heap snapshots one at a time and ranks their keys. It keeps nothing of
// a profile once Add returns. A Ranker is not safe for concurrent use.
type Ranker struct {
	by        By
	topN      int
	maxPoints int

	snapshots int
	first     time.Time
	last      time.Time
	// typesStr is the first snapshot's sample types, which every later one must repeat, and
	// numTypes their number.
	typesStr string
	numTypes int
	// idx are the positions of alloc_objects, alloc_space, inuse_objects, inuse_space.
	idx [4]int

	prevAllocObjects int64
	prevAllocSpace   int64
	prevBuildID      string
	restarts         []Restart
	segment          int32
	// segSnapshots counts the snapshots of the current segment.
	segSnapshots int

	// The kept points: times (Unix ms) and segments of each, shared by all keys; every
	// key's series has one value per kept point. stride is how many snapshots a point
	// stands for and filled how many the newest one has so far.
	times  []int64
	segs   []int32
	stride int
	filled int

	keys keyTable
	// cur holds the current snapshot's values per key id while it is added.
	cur []values
}

// values are one key's sums in one snapshot.
type values struct {
	inuseSpace, inuseObjects, allocSpace int64
}

// keyState is everything kept about one key across snapshots.
type keyState struct {
	// stack is the key's function ids, leaf first; a function key has just the leaf.
	stack []int32

	// space and objects are the in-use values at the kept points. float32 halves the memory
	// of thousands of stacks; its 24-bit mantissa is exact to 16 MiB and within 1e-7 beyond,
	// far finer than heap sampling. Steps and growth use the exact int64 values.
	space   []float32
	objects []float32

	// prev is the value in the previous snapshot of the current segment, havePrev whether
	// there was one; segStart is the value at the segment's first snapshot.
	prev     int64
	havePrev bool
	segStart int64
	// growth sums the growth of completed segments.
	growth int64

	up, down, flat int

	heldAny   bool
	firstSeen time.Time
	latest    values
}

// NewRanker returns an empty ranker.
func NewRanker(opts Options) (*Ranker, error) {
	by := opts.By
	if by == "" {
		by = ByFunction
	}
	if by != ByFunction && by != ByStack {
		return nil, fmt.Errorf("rank by %q: want %q or %q", opts.By, ByFunction, ByStack)
	}
	mp := opts.MaxPoints
	switch {
	case mp == 0:
		mp = DefaultMaxPoints
	case mp < 4:
		return nil, fmt.Errorf("max points %d: need at least 4", opts.MaxPoints)
	}
	mp &^= 1
	return &Ranker{by: by, topN: opts.TopN, maxPoints: mp, stride: 1, keys: newKeyTable(by)}, nil
}

// Snapshots returns how many snapshots were added.
func (r *Ranker) Snapshots() int { return r.snapshots }

// Add adds the snapshot taken at t; snapshots must be added oldest first. A snapshot that
// cannot be ranked with the others (not a heap profile, other sample types, out of order)
// is refused with an error naming its time, and leaves the ranker as it was.
func (r *Ranker) Add(t time.Time, p *profile.Profile) error {
	if p == nil {
		return fmt.Errorf("heap snapshot at %s: no profile", stamp(t))
	}
	if r.snapshots > 0 && !t.After(r.last) {
		return fmt.Errorf("heap snapshot at %s is not newer than the previous one at %s", stamp(t), stamp(r.last))
	}
	if err := r.checkTypes(t, p); err != nil {
		return err
	}
	var allocObjects, allocSpace int64
	for i, s := range p.Sample {
		if s == nil || len(s.Value) != r.numTypes {
			return fmt.Errorf("heap snapshot at %s: sample %d does not have one value per sample type", stamp(t), i)
		}
		allocObjects += s.Value[r.idx[0]]
		allocSpace += s.Value[r.idx[1]]
	}
	buildID := mainBuildID(p)

	if r.snapshots > 0 {
		if reason := restartReason(r.prevAllocObjects, allocObjects, r.prevAllocSpace, allocSpace, r.prevBuildID, buildID); reason != "" {
			r.startSegment(t, reason)
		}
	}
	if r.snapshots == 0 {
		r.first = t
	}
	r.aggregate(p)
	r.advancePoint(t)
	r.updateKeys(t)

	r.prevAllocObjects, r.prevAllocSpace, r.prevBuildID = allocObjects, allocSpace, buildID
	r.snapshots++
	r.segSnapshots++
	r.last = t
	return nil
}

// checkTypes finds the heap sample types in the first snapshot and requires later ones to
// have the same sample types in the same order.
func (r *Ranker) checkTypes(t time.Time, p *profile.Profile) error {
	got := typesString(p.SampleType)
	if r.snapshots > 0 {
		if got != r.typesStr {
			return fmt.Errorf("sample types of the heap snapshot at %s [%s] differ from those of the snapshot at %s [%s]",
				stamp(t), got, stamp(r.first), r.typesStr)
		}
		return nil
	}
	var idx [4]int
	for i, name := range heapSampleTypes {
		idx[i] = -1
		for j, st := range p.SampleType {
			if st != nil && st.Type == name {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return fmt.Errorf("heap snapshot at %s has sample types [%s]; a heap profile has %s",
				stamp(t), got, strings.Join(heapSampleTypes[:], ", "))
		}
		if unit := p.SampleType[idx[i]].Unit; unit != heapUnits[i] {
			return fmt.Errorf("heap snapshot at %s: %s is in %q, not %q", stamp(t), heapSampleTypes[i], unit, heapUnits[i])
		}
	}
	r.numTypes, r.typesStr, r.idx = len(p.SampleType), got, idx
	return nil
}

// restartReason says why two consecutive snapshots belong to different processes, or "".
// Cumulative allocation totals only grow while a process lives; a changed build ID is a new
// binary even when the new process has already allocated more than the old one had.
func restartReason(prevObjects, objects, prevSpace, space int64, prevBuild, build string) string {
	switch {
	case prevBuild != "" && build != "" && prevBuild != build:
		return fmt.Sprintf("the main binary's build ID changed from %s to %s", prevBuild, build)
	case objects < prevObjects:
		return fmt.Sprintf("cumulative alloc_objects fell from %d to %d", prevObjects, objects)
	case space < prevSpace:
		return fmt.Sprintf("cumulative alloc_space fell from %d to %d", prevSpace, space)
	}
	return ""
}

// startSegment closes the current segment: its growth is booked and no step spans the gap.
func (r *Ranker) startSegment(t time.Time, reason string) {
	for i := range r.keys.states {
		k := &r.keys.states[i]
		if k.havePrev {
			k.growth += k.prev - k.segStart
		}
		k.prev, k.havePrev, k.segStart = 0, false, 0
	}
	r.restarts = append(r.restarts, Restart{Time: t, Reason: reason})
	r.segment++
	r.segSnapshots = 0
	// A kept point never mixes segments.
	r.filled = r.stride
}

// aggregate sums the snapshot's samples per key into r.cur.
func (r *Ranker) aggregate(p *profile.Profile) {
	r.keys.beginProfile(p)
	defer r.keys.endProfile()
	for _, s := range p.Sample {
		id := r.keys.lookup(s.Location, r.segSnapshots > 0)
		for int(id) >= len(r.cur) {
			r.cur = append(r.cur, values{})
		}
		v := &r.cur[id]
		v.inuseSpace += s.Value[r.idx[3]]
		v.inuseObjects += s.Value[r.idx[2]]
		v.allocSpace += s.Value[r.idx[1]]
	}
}

// advancePoint makes room for the snapshot at t: it opens a new kept point when the newest
// one is full, first halving the kept points when there are MaxPoints of them.
func (r *Ranker) advancePoint(t time.Time) {
	if len(r.times) == 0 || r.filled >= r.stride {
		if len(r.times) == r.maxPoints {
			r.halve()
		}
		r.times = append(r.times, 0)
		r.segs = append(r.segs, 0)
		r.filled = 0
	}
	n := len(r.times) - 1
	r.times[n] = t.UnixMilli()
	r.segs[n] = r.segment
	r.filled++
}

// halve keeps every second point (the later of each pair) and doubles the stride.
func (r *Ranker) halve() {
	half := len(r.times) / 2
	for j := range half {
		r.times[j], r.segs[j] = r.times[2*j+1], r.segs[2*j+1]
	}
	r.times, r.segs = r.times[:half], r.segs[:half]
	for i := range r.keys.states {
		k := &r.keys.states[i]
		k.space = halveSeries(k.space)
		k.objects = halveSeries(k.objects)
	}
	r.stride *= 2
	r.filled = r.stride
}

func halveSeries(xs []float32) []float32 {
	half := len(xs) / 2
	for j := range half {
		xs[j] = xs[2*j+1]
	}
	return xs[:half]
}

// updateKeys books the current snapshot's values (0 for keys it lacks) into every key.
func (r *Ranker) updateKeys(t time.Time) {
	n := len(r.times)
	for len(r.cur) < len(r.keys.states) {
		r.cur = append(r.cur, values{})
	}
	for i := range r.keys.states {
		k := &r.keys.states[i]
		v := r.cur[i]
		r.cur[i] = values{}
		for len(k.space) < n {
			k.space = append(k.space, 0)
			k.objects = append(k.objects, 0)
		}
		k.space[n-1] = float32(v.inuseSpace)
		k.objects[n-1] = float32(v.inuseObjects)
		if k.havePrev {
			switch {
			case v.inuseSpace > k.prev:
				k.up++
			case v.inuseSpace < k.prev:
				k.down++
			default:
				k.flat++
			}
		} else {
			k.segStart = v.inuseSpace
			k.havePrev = true
		}
		k.prev = v.inuseSpace
		if v.inuseSpace > 0 && !k.heldAny {
			k.heldAny, k.firstSeen = true, t
		}
		k.latest = v
	}
}

// mainBuildID is the build ID of the profile's first mapping, the main binary in Go profiles.
func mainBuildID(p *profile.Profile) string {
	if len(p.Mapping) == 0 || p.Mapping[0] == nil {
		return ""
	}
	return p.Mapping[0].BuildID
}

func typesString(ts []*profile.ValueType) string {
	parts := make([]string, len(ts))
	for i, st := range ts {
		if st == nil {
			parts[i] = "?"
			continue
		}
		parts[i] = st.Type + "/" + st.Unit
	}
	return strings.Join(parts, " ")
}

// stamp formats a snapshot time the way errors and notices name it.
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
