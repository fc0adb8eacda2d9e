package metrics

import (
	"slices"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// maxSlopePoints bounds the points a Theil–Sen estimate looks at. The estimator is quadratic
// in its input, so longer windows are first reduced to this many bucket medians, which keeps
// its robustness (a median of medians) at a fixed cost.
const maxSlopePoints = 96

// TheilSen returns the median of the pairwise slopes of the points, in value units per
// second, and false when fewer than two distinct times are present. It ignores up to ~29%
// outliers, which makes it suitable for noisy post-GC heap estimates.
func TheilSen(pts []store.Point) (float64, bool) {
	pts = reduceForSlope(pts, maxSlopePoints)
	if len(pts) < 2 {
		return 0, false
	}
	slopes := make([]float64, 0, len(pts)*(len(pts)-1)/2)
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			dt := pts[j].T - pts[i].T
			if dt == 0 {
				continue
			}
			slopes = append(slopes, (pts[j].V-pts[i].V)/(float64(dt)/1000))
		}
	}
	if len(slopes) == 0 {
		return 0, false
	}
	return median(slopes), true
}

// reduceForSlope replaces the points by the medians (in time and in value) of n equal-count
// groups when there are more than n of them.
func reduceForSlope(pts []store.Point, n int) []store.Point {
	if len(pts) <= n {
		return pts
	}
	out := make([]store.Point, 0, n)
	ts := make([]float64, 0, len(pts)/n+1)
	vs := make([]float64, 0, len(pts)/n+1)
	for g := 0; g < n; g++ {
		lo, hi := g*len(pts)/n, (g+1)*len(pts)/n
		ts, vs = ts[:0], vs[:0]
		for _, p := range pts[lo:hi] {
			ts = append(ts, float64(p.T))
			vs = append(vs, p.V)
		}
		out = append(out, store.Point{T: int64(median(ts)), V: median(vs)})
	}
	return out
}

// median sorts xs in place and returns its median.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// maxSlopeOutputs bounds how many windowed slopes one series computes; slopes over windows
// of minutes to hours change slowly, so a coarser grid loses nothing visible.
const maxSlopeOutputs = 240

// rollingSlope evaluates the Theil–Sen slope over [t-window, t] at step-aligned output times,
// scaled by scale (e.g. 3600 for "per hour"). Output times with fewer than minPts points in
// their window are skipped rather than reported from too little data. The slopes are appended
// to dst.
func rollingSlope(dst, pts []store.Point, p Params, scale float64, minPts int) []store.Point {
	step := p.StepMs
	if span := p.ToMs - p.FromMs; step > 0 && span/step > maxSlopeOutputs {
		step = bucketEnd(span/maxSlopeOutputs, p.StepMs)
	}
	if step <= 0 {
		step = 1
	}
	out := dst
	lo := 0
	hi := 0
	for t := bucketEnd(p.FromMs, step); t <= bucketEnd(p.ToMs, step); t += step {
		for lo < len(pts) && pts[lo].T < t-p.WindowMs {
			lo++
		}
		for hi < len(pts) && pts[hi].T <= t {
			hi++
		}
		if hi-lo < minPts {
			continue
		}
		if s, ok := TheilSen(pts[lo:hi]); ok {
			out = append(out, store.Point{T: t, V: s * scale})
		}
	}
	return out
}
