package collector

import (
	"math"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// process is what the collector remembers about the process behind a target, to tell a
// restart from a continuation and to record each GC cycle exactly once.
type process struct {
	known       bool
	start       float64 // estimated Unix seconds the process started
	numGC       uint32
	totalAlloc  uint64
	lastGCNs    uint64
	scrapedAt   time.Time
	lastPauseMs int64 // newest stored gc_pause timestamp (any process)
	lastPostMs  int64 // newest stored heap_post_gc timestamp (any process)
	tierMinute  int64 // minute of the newest tier sample (see metrics.MinuteTierMs)
	// noTier is set when scrapes are a minute or more apart: the raw series is then no
	// denser than the tier would be, and writing it twice would only double the storage.
	noTier bool
}

// lastGCTolerance absorbs the rounding of LastGC restored from the store as float64 seconds,
// so a plugin restart is not mistaken for a target restart.
const lastGCTolerance = uint64(time.Millisecond)

// samplesFor converts one successful scrape at tick ms into stored samples and advances st.
// It is pure apart from st, so the restart, ring-wrap and de-duplication rules are unit-tested
// without HTTP or storage.
func samplesFor(target string, tick int64, snap *scrape.Snapshot, st *process) []store.Sample {
	m := snap.MemStats
	out := make([]store.Sample, 0, 32)
	add := func(series string, v float64) {
		out = append(out, store.Sample{Target: target, Series: series, T: tick, V: quantize(series, v)})
	}
	restarted := !st.known || m.NumGC < st.numGC || m.TotalAlloc < st.totalAlloc ||
		(st.lastGCNs != 0 && m.LastGC != 0 && m.LastGC+lastGCTolerance < st.lastGCNs)
	if restarted {
		// Every cycle the ring still holds is new to us; numGC 0 makes all of them eligible.
		st.start = estimateStart(m, snap.Time)
		st.numGC = 0
	}

	add(metrics.RawUp, 1)
	add(metrics.RawHeapAlloc, float64(m.HeapAlloc))
	add(metrics.RawHeapInuse, float64(m.HeapInuse))
	add(metrics.RawHeapReleased, float64(m.HeapReleased))
	add(metrics.RawHeapSys, float64(m.HeapSys))
	add(metrics.RawHeapObjects, float64(m.HeapObjects))
	add(metrics.RawStackInuse, float64(m.StackInuse))
	add(metrics.RawSys, float64(m.Sys))
	add(metrics.RawNextGC, float64(m.NextGC))
	if m.HasMaxRSS {
		add(metrics.RawMaxRSS, float64(m.MaxRSS))
	}
	if snap.HasGoroutines {
		add(metrics.RawGoroutines, float64(snap.Goroutines))
	}
	add(metrics.RawTotalAlloc, float64(m.TotalAlloc))
	add(metrics.RawMallocs, float64(m.Mallocs))
	add(metrics.RawNumGC, float64(m.NumGC))
	add(metrics.RawNumForcedGC, float64(m.NumForcedGC))
	if m.HasPauseTotal {
		add(metrics.RawPauseTotalNs, float64(m.PauseTotalNs))
	}
	add(metrics.RawGCCPU, math.Round(m.GCCPUFraction*1e9))
	if m.LastGC != 0 {
		add(metrics.RawLastGC, float64(m.LastGC/1e6))
	}
	add(metrics.RawProcessStart, st.start)

	if minute := tick / metrics.MinuteTierMs; !st.noTier && minute != st.tierMinute {
		st.tierMinute = minute
		for _, smp := range out[:len(out):len(out)] {
			out = append(out, store.Sample{Target: target, Series: metrics.TierName(smp.Series), T: tick, V: smp.V})
		}
	}

	out = append(out, pauseSamples(target, m, st)...)
	if s, ok := postGCSample(target, snap, st, restarted); ok {
		out = append(out, s)
	}

	st.known = true
	st.numGC = m.NumGC
	st.totalAlloc = m.TotalAlloc
	st.lastGCNs = m.LastGC
	st.scrapedAt = snap.Time
	return out
}

// estimateStart guesses when the process started: the end of GC cycle 1 while it is still in
// the pause ring (the first GC runs early in a process's life), else the time of the scrape
// that first saw the process.
func estimateStart(m *memstats.MemStats, seen time.Time) float64 {
	if _, end, ok := m.Pause(1); ok && end > 0 {
		return math.Floor(float64(end) / 1e9)
	}
	return math.Floor(float64(seen.UnixNano()) / 1e9)
}

// pauseSamples emits one point per GC cycle that ended since the last scrape, at the cycle's
// end time. Cycles older than the 256-entry ring are gone; they are skipped, not invented.
// Timestamps are kept strictly increasing because the store keeps one value per millisecond.
func pauseSamples(target string, m *memstats.MemStats, st *process) []store.Sample {
	if m.NumGC <= st.numGC {
		return nil
	}
	first := st.numGC + 1
	if m.NumGC-first >= memstats.RingSize {
		first = m.NumGC - memstats.RingSize + 1
	}
	out := make([]store.Sample, 0, m.NumGC-first+1)
	for k := first; k <= m.NumGC; k++ {
		ns, end, ok := m.Pause(k)
		if !ok || end == 0 {
			continue
		}
		t := int64(end / 1e6)
		if t <= st.lastPauseMs {
			t = st.lastPauseMs + 1
		}
		st.lastPauseMs = t
		out = append(out, store.Sample{Target: target, Series: metrics.RawGCPause, T: t, V: quantize(metrics.RawGCPause, float64(ns))})
	}
	return out
}

// postGCSample estimates the live heap right after the most recent GC, when a GC finished
// since the previous scrape of the same process: HeapAlloc minus what was allocated between
// the GC's end and the scrape, at the allocation rate measured between the two scrapes. The
// point is stamped with the GC's end time, so its slope is measured against GC times.
func postGCSample(target string, snap *scrape.Snapshot, st *process, restarted bool) (store.Sample, bool) {
	m := snap.MemStats
	if restarted || st.scrapedAt.IsZero() || m.LastGC == 0 || m.LastGC <= st.lastGCNs {
		return store.Sample{}, false
	}
	dt := snap.Time.Sub(st.scrapedAt).Seconds()
	if dt <= 0 {
		return store.Sample{}, false
	}
	allocRate := float64(m.TotalAlloc-st.totalAlloc) / dt
	sinceGC := float64(snap.Time.UnixNano()-int64(m.LastGC)) / 1e9
	if sinceGC < 0 {
		sinceGC = 0 // clock skew between plugin and target
	}
	est := float64(m.HeapAlloc) - allocRate*sinceGC
	est = math.Max(0, math.Min(est, float64(m.HeapAlloc)))
	t := int64(m.LastGC / 1e6)
	if t <= st.lastPostMs {
		return store.Sample{}, false
	}
	st.lastPostMs = t
	return store.Sample{Target: target, Series: metrics.RawHeapPostGC, T: t, V: quantize(metrics.RawHeapPostGC, est)}, true
}

// quantumBits is, per raw series, how many low-order bits of the integer value are not
// stored: 1 KiB of fast-changing byte counts, ~1 µs of pause, ~1 ppm of GC CPU. Those bits
// are noise to every chart and alert, yet the store's XOR encoding spends most of its bytes
// on them (15-20 % of the total in docs/benchmarks.md). Page-granular byte counts and object
// counts are kept exact.
var quantumBits = map[string]uint{
	metrics.RawHeapAlloc: 10, metrics.RawNextGC: 10, metrics.RawTotalAlloc: 10, metrics.RawHeapPostGC: 10,
	metrics.RawGCPause: 10, metrics.RawPauseTotalNs: 10, metrics.RawGCCPU: 10,
}

// quantize rounds v down to its series' quantum; rounding down keeps counters monotonic.
func quantize(series string, v float64) float64 {
	k, ok := quantumBits[series]
	if !ok {
		return v
	}
	q := float64(uint64(1) << k)
	return math.Floor(v/q) * q
}
