package metrics

import (
	"slices"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// counterRate turns a cumulative counter into a per-second rate per step bucket, appended to
// dst. sample reads
// the counter and the process start estimate from each joined row. For each bucket it sums the
// increases between consecutive samples that end inside the bucket and divides by the time
// those increases span. An interval across a process restart (the start estimate changed, or
// the counter went down) is left out entirely — its delta and its duration — so a restart
// produces neither a negative rate nor a spike.
func counterRate(dst []store.Point, j joined, p Params, scale float64, sample func(v []float64) (counter, start float64)) []store.Point {
	out := slices.Grow(dst, bucketCap(j.rows(), p))
	var sum float64
	var span int64
	cur := int64(-1)
	flush := func() {
		if cur >= 0 && span > 0 {
			out = append(out, store.Point{T: cur, V: sum / (float64(span) / 1000) * scale})
		}
		sum, span = 0, 0
	}
	var prevT int64
	var prevC, prevS float64
	for first := true; j.next(); first = false {
		t := j.T
		c, s := sample(j.V[:j.n])
		if !first && t >= p.FromMs && t <= p.ToMs {
			end := bucketEnd(t, p.StepMs)
			if end != cur {
				flush()
				cur = end
			}
			// Negated rather than rewritten as d >= 0 so that a NaN increase reaches the
			// bucket instead of silently vanishing.
			if d := c - prevC; !(d < 0 || t <= prevT || s != prevS) {
				sum += d
				span += t - prevT
			}
		}
		prevT, prevC, prevS = t, c, s
	}
	flush()
	return out
}

// counterAndStart is the sample of a counter joined with the process start estimate.
func counterAndStart(v []float64) (counter, start float64) { return v[0], v[1] }

// eventRate sums event values (e.g. per-cycle pause seconds) per bucket and divides by the
// time the scrapes of that bucket cover. scrapes are the timestamps of successful scrapes,
// which bound the period over which events were observed. The rates are appended to dst.
func eventRate(dst, events, scrapes []store.Point, p Params) []store.Point {
	out := slices.Grow(dst, len(scrapes))
	e := 0
	var sum float64
	var span int64
	cur := int64(-1)
	flush := func() {
		if cur >= 0 && span > 0 {
			out = append(out, store.Point{T: cur, V: sum / (float64(span) / 1000)})
		}
		sum, span = 0, 0
	}
	for i := 1; i < len(scrapes); i++ {
		prev, pt := scrapes[i-1], scrapes[i]
		for e < len(events) && events[e].T <= prev.T {
			e++
		}
		if pt.T < p.FromMs || pt.T > p.ToMs {
			continue
		}
		end := bucketEnd(pt.T, p.StepMs)
		if end != cur {
			flush()
			cur = end
		}
		for e < len(events) && events[e].T <= pt.T {
			sum += events[e].V
			e++
		}
		span += pt.T - prev.T
	}
	flush()
	return out
}
