package metrics

import "github.com/leakwatch/pprof-datasource/pkg/store"

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
func lastPerBucket(pts []store.Point, p Params) []store.Point {
	return perBucket(pts, p, func(_, v float64) float64 { return v })
}

// maxPerBucket keeps the largest value per bucket, so rare long GC pauses stay visible when
// there are more cycles than pixels.
func maxPerBucket(pts []store.Point, p Params) []store.Point {
	return perBucket(pts, p, func(kept, v float64) float64 { return max(kept, v) })
}

// perBucket folds the points of each step bucket within [from, to] into one point at the
// bucket's end with merge(kept, next).
func perBucket(pts []store.Point, p Params, merge func(kept, v float64) float64) []store.Point {
	out := make([]store.Point, 0, min(len(pts), int((p.ToMs-p.FromMs)/max(p.StepMs, 1))+2))
	for _, pt := range pts {
		if pt.T < p.FromMs || pt.T > p.ToMs {
			continue
		}
		end := bucketEnd(pt.T, p.StepMs)
		if n := len(out); n > 0 && out[n-1].T == end {
			out[n-1].V = merge(out[n-1].V, pt.V)
			continue
		}
		out = append(out, store.Point{T: end, V: pt.V})
	}
	return out
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
