package goroutines

import "github.com/google/pprof/profile"

// LeakedCount returns the goroutines in a goroutineleak profile (Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile, 1.27 by default): the sum of its goroutine/count
// samples. The runtime lists there only goroutines its GC proved can never be woken, so
// unlike the stale and growing heuristics this count has no false positives. A nil profile
// gives 0.
func LeakedCount(p *profile.Profile) int64 {
	if p == nil || len(p.SampleType) == 0 {
		return 0
	}
	idx := 0
	for i, st := range p.SampleType {
		if st.Type == "goroutine" {
			idx = i
			break
		}
	}
	var n int64
	for _, s := range p.Sample {
		if idx < len(s.Value) {
			n += s.Value[idx]
		}
	}
	return n
}
