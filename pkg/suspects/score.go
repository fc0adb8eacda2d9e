package suspects

import (
	"cmp"
	"slices"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// Result ranks the keys of the snapshots added so far. The ranker stays usable: more
// snapshots can be added and ranked again.
func (r *Ranker) Result() *Result {
	res := &Result{By: r.by, Snapshots: r.snapshots, From: r.first, To: r.last, Restarts: slices.Clone(r.restarts)}
	type cand struct {
		id     int
		key    string
		slope  float64
		score  float64
		growth int64
	}
	var cands []cand
	var buf []store.Point
	for i := range r.keys.states {
		k := &r.keys.states[i]
		if !k.heldAny {
			continue
		}
		var slope float64
		slope, buf = r.slope(k.space, buf)
		growth := k.growth
		if k.havePrev {
			growth += k.prev - k.segStart
		}
		if growth > 0 {
			res.GrowthOfGrowing += growth
		}
		key, _, _ := r.keys.describe(k)
		cands = append(cands, cand{id: i, key: key, slope: slope, score: score(slope, monotonicity(k.up, k.down)), growth: growth})
	}
	res.Keys = len(cands)
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		ka, kb := &r.keys.states[a.id], &r.keys.states[b.id]
		if c := cmp.Compare(kb.latest.inuseSpace, ka.latest.inuseSpace); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	if r.topN > 0 && len(cands) > r.topN {
		cands = cands[:r.topN]
	}
	res.Suspects = make([]Suspect, len(cands))
	for i, c := range cands {
		k := &r.keys.states[c.id]
		key, fn, stack := r.keys.describe(k)
		var objSlope float64
		objSlope, buf = r.slope(k.objects, buf)
		s := Suspect{
			Rank: i + 1, Key: key, Function: fn, Stack: stack, Score: c.score,
			SpaceSlope: c.slope, ObjectsSlope: objSlope,
			Monotonicity: monotonicity(k.up, k.down), Up: k.up, Down: k.down, Flat: k.flat,
			Growth: c.growth, FirstSeen: k.firstSeen,
			InuseSpace: k.latest.inuseSpace, InuseObjects: k.latest.inuseObjects, AllocSpace: k.latest.allocSpace,
			Series: make([]store.Point, len(r.times)),
		}
		if res.GrowthOfGrowing > 0 {
			s.GrowthShare = float64(c.growth) / float64(res.GrowthOfGrowing)
		}
		if k.latest.allocSpace > 0 {
			s.Retention = float64(k.latest.inuseSpace) / float64(k.latest.allocSpace)
		}
		for j, t := range r.times {
			s.Series[j] = store.Point{T: t, V: float64(k.space[j])}
		}
		res.Suspects[i] = s
	}
	return res
}

// monotonicity is the share of the changing steps that grew.
func monotonicity(up, down int) float64 {
	if up+down == 0 {
		return 0
	}
	return float64(up) / float64(up+down)
}

// score weighs a growing slope by the net direction of the steps, 2m − 1 (see the package
// comment); shrinking and undirected keys score 0.
func score(slope, mono float64) float64 {
	return max(slope, 0) * max(2*mono-1, 0)
}

// slope returns the Theil–Sen slope per hour of a key's kept points. Each segment is
// estimated alone, so that no pair of points spans a restart, and the segment slopes are
// combined by their median weighted by each segment's number of pairs. buf is scratch space,
// returned grown.
func (r *Ranker) slope(vals []float32, buf []store.Point) (float64, []store.Point) {
	type seg struct {
		slope  float64
		weight float64
	}
	var segs []seg
	for lo := 0; lo < len(r.times); {
		hi := lo + 1
		for hi < len(r.times) && r.segs[hi] == r.segs[lo] {
			hi++
		}
		if n := hi - lo; n >= 2 {
			w := float64(n) * float64(n-1) / 2
			if constant(vals[lo:hi]) {
				// The common case of a site that never changed: no need for the estimator.
				segs = append(segs, seg{0, w})
			} else {
				buf = buf[:0]
				for j := lo; j < hi; j++ {
					buf = append(buf, store.Point{T: r.times[j], V: float64(vals[j])})
				}
				if s, ok := metrics.TheilSen(buf); ok {
					segs = append(segs, seg{s * 3600, w})
				}
			}
		}
		lo = hi
	}
	switch len(segs) {
	case 0:
		return 0, buf
	case 1:
		return segs[0].slope, buf
	}
	slices.SortFunc(segs, func(a, b seg) int { return cmp.Compare(a.slope, b.slope) })
	var total float64
	for _, s := range segs {
		total += s.weight
	}
	var acc float64
	for _, s := range segs {
		acc += s.weight
		if acc >= total/2 {
			return s.slope, buf
		}
	}
	return segs[len(segs)-1].slope, buf
}

func constant(xs []float32) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}
