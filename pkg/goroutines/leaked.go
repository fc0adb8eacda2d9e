package goroutines

import "github.com/google/pprof/profile"

// LeakedCount returns the goroutines in a goroutineleak profile (Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile, 1.27 by default): the sum of its goroutineleak/count
// samples (goroutine/count, or the first sample type, in profiles written otherwise). The runtime lists there only goroutines its GC proved can never be woken, so
// unlike the stale and growing heuristics this count has no false positives. A nil profile
// gives 0.
func LeakedCount(p *profile.Profile) int64 {
	if p == nil || len(p.SampleType) == 0 {
		return 0
	}
	idx := sampleIndex(p, "goroutineleak")
	if idx < 0 {
		idx = max(sampleIndex(p, "goroutine"), 0)
	}
	var n int64
	for _, s := range p.Sample {
		if idx < len(s.Value) {
			n += s.Value[idx]
		}
	}
	return n
}

func sampleIndex(p *profile.Profile, typ string) int {
	for i, st := range p.SampleType {
		if st.Type == typ {
			return i
		}
	}
	return -1
}
