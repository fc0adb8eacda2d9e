// Package memstats decodes the runtime.MemStats a Go service publishes, either as the
// `memstats` object of /debug/vars (expvar) or as the `# runtime.MemStats` trailer of
// /debug/pprof/heap?debug=1, plus the goroutine counts of the pprof index and of
// goroutine?debug=1. google/pprof cannot read these text forms, so they are parsed here.
package memstats

// RingSize is the length of the PauseNs and PauseEnd rings in runtime.MemStats.
const RingSize = 256

// MemStats is the subset of runtime.MemStats the data source uses. Every field is kept as
// the integer type the runtime uses: LastGC and PauseEnd are Unix nanoseconds that exceed
// 2^53 and would lose precision as float64 or in JavaScript.
type MemStats struct {
	Alloc        uint64
	TotalAlloc   uint64
	Sys          uint64
	Mallocs      uint64
	Frees        uint64
	HeapAlloc    uint64
	HeapSys      uint64
	HeapIdle     uint64
	HeapInuse    uint64
	HeapReleased uint64
	HeapObjects  uint64
	StackInuse   uint64
	StackSys     uint64
	NextGC       uint64
	LastGC       uint64
	// PauseTotalNs is only published by expvar; HasPauseTotal tells whether it was present.
	PauseTotalNs  uint64
	HasPauseTotal bool
	PauseNs       [RingSize]uint64
	PauseEnd      [RingSize]uint64
	NumGC         uint32
	NumForcedGC   uint32
	GCCPUFraction float64
	// MaxRSS is printed in the heap?debug=1 trailer on supported OSes only; HasMaxRSS tells.
	MaxRSS    uint64
	HasMaxRSS bool
}

// Pause returns the stop-the-world pause of GC cycle k (1-based) and the Unix-nanosecond
// time it ended, and false when the cycle is no longer (or not yet) in the ring.
func (m *MemStats) Pause(k uint32) (pauseNs, endNs uint64, ok bool) {
	if k == 0 || k > m.NumGC || m.NumGC-k >= RingSize {
		return 0, 0, false
	}
	i := (k - 1) % RingSize
	return m.PauseNs[i], m.PauseEnd[i], true
}
