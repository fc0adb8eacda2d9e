package metrics

import (
	"slices"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// bucketEnd returns the end of the step-aligned bucket (end-step, end] holding t. Aligning to
// absolute multiples of the step gives every series of a response the same timestamps, which
// stacking panels need.
func bucketEnd(t, step int64) int64 {
	if step <= 0 {
		return t
	}
	q := t / step
	if q*step < t {
		q++
	}
	return q * step
}

// lastPerBucket keeps the newest point of each step bucket within [from, to]; gauges and
// ratios are instantaneous, so the newest value is the honest one for the bucket.
func lastPerBucket(dst, pts []store.Point, p Params) []store.Point {
	return perBucket(dst, pts, p, func(_, v float64) float64 { return v })
}

// maxPerBucket keeps the largest value per bucket, so rare long GC pauses stay visible when
// there are more cycles than pixels.
func maxPerBucket(dst, pts []store.Point, p Params) []store.Point {
	return perBucket(dst, pts, p, func(kept, v float64) float64 { return max(kept, v) })
}

// perBucket folds the points of each step bucket within [from, to] into one point at the
// bucket's end with merge(kept, next), appended to dst.
func perBucket(dst, pts []store.Point, p Params, merge func(kept, v float64) float64) []store.Point {
	out := slices.Grow(dst, bucketCap(len(pts), p))
	first := len(out) // dst's own points are never merged into
	for _, pt := range pts {
		if pt.T < p.FromMs || pt.T > p.ToMs {
			continue
		}
		end := bucketEnd(pt.T, p.StepMs)
		if n := len(out); n > first && out[n-1].T == end {
			out[n-1].V = merge(out[n-1].V, pt.V)
			continue
		}
		out = append(out, store.Point{T: end, V: pt.V})
	}
	return out
}

// lastDerivedPerBucket appends to dst, per step bucket within [from, to], the value f derives
// from the newest joined row it accepts; f returns false to skip a row (e.g. a zero
// denominator).
func lastDerivedPerBucket(dst []store.Point, j joined, p Params, f func(v []float64) (float64, bool)) []store.Point {
	out := slices.Grow(dst, bucketCap(j.rows(), p))
	first := len(out) // dst's own points are never overwritten
	for j.next() {
		if j.T < p.FromMs || j.T > p.ToMs {
			continue
		}
		v, ok := f(j.V[:j.n])
		if !ok {
			continue
		}
		end := bucketEnd(j.T, p.StepMs)
		if n := len(out); n > first && out[n-1].T == end {
			out[n-1].V = v
			continue
		}
		out = append(out, store.Point{T: end, V: v})
	}
	return out
}

// bucketCap bounds the output points of n input points folded into the step buckets of p,
// so outputs are allocated once at the size they can reach.
func bucketCap(n int, p Params) int {
	return max(min(n, int((p.ToMs-p.FromMs)/max(p.StepMs, 1))+2), 0)
}

// inRange keeps the points within [from, to].
func inRange(pts []store.Point, p Params) []store.Point {
	out := make([]store.Point, 0, len(pts))
	for _, pt := range pts {
		if pt.T >= p.FromMs && pt.T <= p.ToMs {
			out = append(out, pt)
		}
	}
	return out
}
