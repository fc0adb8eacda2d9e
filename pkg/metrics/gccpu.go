package metrics

import (
	"slices"
	"sync"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// windowedGCCPU estimates the share of CPU capacity the GC used within [t-window, t].
//
// MemStats only publishes GCCPUFraction F, the GC's share of all CPU capacity since the
// process started, updated at the end of each GC. With GOMAXPROCS P constant, the GC CPU used
// up to the last GC end L is G = F·P·(L−S), S being the process start. Between two scrapes of
// the same process the windowed fraction is therefore ΔG/(P·ΔL) = Δ(F·(L−S))/ΔL; P cancels.
// S is not published either: the collector estimates it as the end of GC cycle 1 when that is
// still in the pause ring (the first GC runs within moments of start in most services), else
// as the first time it saw the process. An error δ in S shifts the result by δ·ΔF/ΔL, which
// is small exactly when the lifetime value is least useful (long uptime, F barely moving).
// The estimates are appended to dst.
func windowedGCCPU(dst []store.Point, rows []gcRow, p Params) []store.Point {
	step := p.StepMs
	if step <= 0 {
		step = 1
	}
	out := slices.Grow(dst, bucketCap(len(rows), p))
	lo, hi := 0, 0
	for t := bucketEnd(p.FromMs, step); t <= bucketEnd(p.ToMs, step); t += step {
		for lo < len(rows) && rows[lo].T < t-p.WindowMs {
			lo++
		}
		for hi < len(rows) && rows[hi].T <= t {
			hi++
		}
		if hi-lo < 2 {
			continue
		}
		last := rows[hi-1]
		first := -1
		for i := lo; i < hi-1; i++ {
			if rows[i].S == last.S {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		f0, l0, s0 := rows[first].F, rows[first].L, rows[first].S
		f1, l1, s1 := last.F, last.L, last.S
		if l1 <= l0 {
			continue // no GC finished in the window: the estimate is undefined, not zero
		}
		frac := (f1*(l1-s1) - f0*(l0-s0)) / (l1 - l0)
		out = append(out, store.Point{T: t, V: clamp01(frac)})
	}
	return out
}

// gcRow is one scrape's lifetime GC CPU fraction F, last GC end L (Unix seconds) and process
// start estimate S. Three named values instead of a slice per row keep a day of scrapes in
// one flat allocation.
type gcRow struct {
	T       int64
	F, L, S float64
}

// gcRowBuffers recycles the rows of appendWindowedGCCPU: they live only while one series is
// evaluated, and a query evaluates the metric for every target.
var gcRowBuffers = sync.Pool{New: func() any { return new([]gcRow) }}

// appendWindowedGCCPU appends the windowed GC CPU estimates of the raw series to dst.
func appendWindowedGCCPU(dst []store.Point, raw map[string][]store.Point, p Params) []store.Point {
	buf := gcRowBuffers.Get().(*[]gcRow)
	*buf = gcRows((*buf)[:0], raw)
	out := windowedGCCPU(dst, *buf, p)
	gcRowBuffers.Put(buf)
	return out
}

// gcRows appends to rows the lifetime fraction (parts per billion), the last GC end (Unix ms)
// and the start estimate joined, converted to the units windowedGCCPU works in.
func gcRows(rows []gcRow, raw map[string][]store.Point) []gcRow {
	j := join(raw, RawGCCPU, RawLastGC, RawProcessStart)
	rows = slices.Grow(rows, j.rows())
	for j.next() {
		rows = append(rows, gcRow{
			T: j.T,
			F: j.V[0] * 1e-9, // parts per billion → fraction
			L: j.V[1] / 1000, // ms → s, the unit of the start estimate
			S: j.V[2],
		})
	}
	return rows
}

func clamp01(x float64) float64 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}
