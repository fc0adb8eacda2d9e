package metrics

import "github.com/leakwatch/pprof-datasource/pkg/store"

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
// rows hold F, L (Unix seconds) and S.
func windowedGCCPU(rows []row, p Params) []store.Point {
	step := p.StepMs
	if step <= 0 {
		step = 1
	}
	var out []store.Point
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
			if rows[i].V[2] == last.V[2] {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		f0, l0, s0 := rows[first].V[0], rows[first].V[1], rows[first].V[2]
		f1, l1, s1 := last.V[0], last.V[1], last.V[2]
		if l1 <= l0 {
			continue // no GC finished in the window: the estimate is undefined, not zero
		}
		frac := (f1*(l1-s1) - f0*(l0-s0)) / (l1 - l0)
		out = append(out, store.Point{T: t, V: clamp01(frac)})
	}
	return out
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
