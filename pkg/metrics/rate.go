package metrics

import "github.com/leakwatch/pprof-datasource/pkg/store"

// counterRate turns a cumulative counter into a per-second rate per step bucket. rows hold the
// counter in V[0] and the process start estimate in V[1]. For each bucket it sums the
// increases between consecutive samples that end inside the bucket and divides by the time
// those increases span. An interval across a process restart (the start estimate changed, or
// the counter went down) is left out entirely — its delta and its duration — so a restart
// produces neither a negative rate nor a spike.
func counterRate(pts []row, p Params, scale float64) []store.Point {
	out := make([]store.Point, 0, len(pts))
	var sum float64
	var span int64
	cur := int64(-1)
	flush := func() {
		if cur >= 0 && span > 0 {
			out = append(out, store.Point{T: cur, V: sum / (float64(span) / 1000) * scale})
		}
		sum, span = 0, 0
	}
	for i := 1; i < len(pts); i++ {
		prev, pt := pts[i-1], pts[i]
		if pt.T < p.FromMs || pt.T > p.ToMs {
			continue
		}
		end := bucketEnd(pt.T, p.StepMs)
		if end != cur {
			flush()
			cur = end
		}
		d := pt.V[0] - prev.V[0]
		if d < 0 || pt.T <= prev.T || pt.V[1] != prev.V[1] {
			continue
		}
		sum += d
		span += pt.T - prev.T
	}
	flush()
	return out
}

// eventRate sums event values (e.g. per-cycle pause seconds) per bucket and divides by the
// time the scrapes of that bucket cover. scrapes are the timestamps of successful scrapes,
// which bound the period over which events were observed.
func eventRate(events []store.Point, scrapes []store.Point, p Params) []store.Point {
	out := make([]store.Point, 0, len(scrapes))
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
