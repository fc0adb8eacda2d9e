package collector

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

const base = int64(1_800_000_000_000_000_000) // Unix ns in 2027: beyond 2^53, like real LastGC values

// gcRun builds MemStats after numGC cycles where cycle k ended at base+k seconds and paused k µs.
func gcRun(numGC uint32, totalAlloc uint64) *memstats.MemStats {
	m := &memstats.MemStats{NumGC: numGC, TotalAlloc: totalAlloc, HeapAlloc: 1 << 20}
	for k := uint32(1); k <= numGC; k++ {
		i := (k - 1) % memstats.RingSize
		m.PauseNs[i] = uint64(k) * 1000
		m.PauseEnd[i] = uint64(base + int64(k)*1e9)
	}
	if numGC > 0 {
		m.LastGC = m.PauseEnd[(numGC-1)%memstats.RingSize]
	}
	return m
}

func pausesOf(samples []store.Sample) map[int64]float64 {
	out := map[int64]float64{}
	for _, s := range samples {
		if s.Series == metrics.RawGCPause {
			out[s.T] = s.V
		}
	}
	return out
}

func snap(m *memstats.MemStats, at time.Time) *scrape.Snapshot {
	return &scrape.Snapshot{Time: at, MemStats: m, Source: scrape.SourceExpvar}
}

func TestEveryGCCycleRecordedOnce(t *testing.T) {
	st := &process{}
	now := time.Unix(0, base).Add(time.Hour)
	seen := map[int64]float64{}
	for i, n := range []uint32{3, 3, 10, 200, 201} {
		got := pausesOf(samplesFor("a", int64(i)*1000, snap(gcRun(n, uint64(n)*100), now), st))
		for tm, v := range got {
			_, dup := seen[tm]
			require.False(t, dup, "cycle at %d recorded twice", tm)
			seen[tm] = v
		}
	}
	require.Len(t, seen, 201)
	for k := int64(1); k <= 201; k++ {
		v, ok := seen[(base+k*1e9)/1e6]
		require.True(t, ok, "cycle %d missing", k)
		assert.Equal(t, math.Floor(float64(k)*1000/1024)*1024, v, "pause of cycle %d in ns, to the stored quantum", k)
	}
}

func TestRingWrapKeepsOnlyWhatTheRingHolds(t *testing.T) {
	st := &process{}
	now := time.Unix(0, base).Add(time.Hour)
	samplesFor("a", 0, snap(gcRun(10, 10), now), st)
	got := pausesOf(samplesFor("a", 1000, snap(gcRun(600, 600), now), st))
	// 590 new cycles happened, the ring holds the newest 256 (345..600).
	require.Len(t, got, memstats.RingSize)
	_, oldest := got[(base+345*1e9)/1e6]
	_, dropped := got[(base+344*1e9)/1e6]
	assert.True(t, oldest)
	assert.False(t, dropped)
}

func TestRestartIsDetectedAndRecordsNewCycles(t *testing.T) {
	st := &process{}
	now := time.Unix(0, base).Add(time.Hour)
	first := samplesFor("a", 0, snap(gcRun(50, 5000), now), st)
	start1 := valueOf(first, metrics.RawProcessStart)
	// The new process ran 5 cycles; their end times are later than all earlier ones.
	m := gcRun(5, 100)
	for k := 0; k < 5; k++ {
		m.PauseEnd[k] += uint64(time.Hour)
	}
	m.LastGC = m.PauseEnd[4]
	second := samplesFor("a", 1000, snap(m, now.Add(time.Hour)), st)
	assert.Len(t, pausesOf(second), 5)
	assert.NotEqual(t, start1, valueOf(second, metrics.RawProcessStart), "a restart must change the process start estimate")
}

func TestPauseTimestampsStayStrictlyIncreasing(t *testing.T) {
	st := &process{}
	m := gcRun(3, 1)
	for k := 0; k < 3; k++ {
		m.PauseEnd[k] = uint64(base) // three cycles in the same millisecond
	}
	got := samplesFor("a", 0, snap(m, time.Unix(0, base).Add(time.Minute)), st)
	var ts []int64
	for _, s := range got {
		if s.Series == metrics.RawGCPause {
			ts = append(ts, s.T)
		}
	}
	require.Len(t, ts, 3)
	assert.Less(t, ts[0], ts[1])
	assert.Less(t, ts[1], ts[2])
}

func TestPostGCEstimate(t *testing.T) {
	st := &process{}
	t0 := time.Unix(0, base)
	m1 := &memstats.MemStats{NumGC: 1, TotalAlloc: 100 << 20, HeapAlloc: 60 << 20, LastGC: uint64(base)}
	samplesFor("a", 0, snap(m1, t0.Add(500*time.Millisecond)), st)
	// 10 s later: 10 MiB/s allocated; the last GC ended 2 s before the scrape and the
	// heap is 70 MiB now, so right after that GC it was ≈ 50 MiB.
	gcEnd := base + int64(8500*time.Millisecond)
	m2 := &memstats.MemStats{NumGC: 2, TotalAlloc: 200 << 20, HeapAlloc: 70 << 20, LastGC: uint64(gcEnd)}
	got := samplesFor("a", 10000, snap(m2, t0.Add(10500*time.Millisecond)), st)
	var post *store.Sample
	for i := range got {
		if got[i].Series == metrics.RawHeapPostGC {
			post = &got[i]
		}
	}
	require.NotNil(t, post)
	assert.Equal(t, gcEnd/1e6, post.T)
	assert.InDelta(t, float64(50<<20), post.V, 1)
	// No GC since the previous scrape: no new post-GC point.
	m3 := *m2
	m3.TotalAlloc += 1 << 20
	for _, s := range samplesFor("a", 20000, snap(&m3, t0.Add(20500*time.Millisecond)), st) {
		assert.NotEqual(t, metrics.RawHeapPostGC, s.Series)
	}
}

func TestOptionalSeries(t *testing.T) {
	st := &process{}
	m := gcRun(1, 1)
	s := snap(m, time.Unix(0, base))
	got := samplesFor("a", 0, s, st)
	for _, smp := range got {
		assert.NotContains(t, []string{metrics.RawMaxRSS, metrics.RawPauseTotalNs, metrics.RawGoroutines}, smp.Series)
	}
	m.HasMaxRSS, m.MaxRSS = true, 42
	m.HasPauseTotal, m.PauseTotalNs = true, 7*1024
	s.HasGoroutines, s.Goroutines = true, 9
	got = samplesFor("a", 1000, s, st)
	assert.Equal(t, 42.0, valueOf(got, metrics.RawMaxRSS))
	assert.Equal(t, 7.0*1024, valueOf(got, metrics.RawPauseTotalNs))
	assert.Equal(t, 9.0, valueOf(got, metrics.RawGoroutines))
}

func valueOf(samples []store.Sample, series string) float64 {
	for _, s := range samples {
		if s.Series == series {
			return s.V
		}
	}
	return -1
}

func TestMinuteTierHoldsTheFirstScrapeOfEachMinute(t *testing.T) {
	st := &process{}
	now := time.Unix(0, base).Add(time.Hour)
	tiered := map[int64]int{}
	for i := int64(0); i < 8; i++ {
		tick := 1_800_000_000_000 + 5_000 + i*15_000 // :05, :20, :35, :50, then the next minute
		for _, s := range samplesFor("a", tick, snap(gcRun(uint32(i+1), uint64(i+1)), now), st) {
			if s.Series == metrics.TierName(metrics.RawHeapAlloc) {
				tiered[s.T]++
			}
			assert.NotEqual(t, metrics.TierName(metrics.RawGCPause), s.Series, "GC events have no tier")
		}
	}
	assert.Equal(t, map[int64]int{1_800_000_005_000: 1, 1_800_000_065_000: 1}, tiered)
}

func TestQuantizeKeepsCountersMonotonicAndCountsExact(t *testing.T) {
	assert.Equal(t, 0.0, quantize(metrics.RawTotalAlloc, 1023))
	assert.Equal(t, 1024.0, quantize(metrics.RawTotalAlloc, 2047))
	assert.Equal(t, 2047.0, quantize(metrics.RawHeapObjects, 2047), "counts are exact")
	assert.Equal(t, 8191.0, quantize(metrics.RawGoroutines, 8191))
	prev := -1.0
	for v := 0.0; v < 1e5; v += 333 {
		q := quantize(metrics.RawTotalAlloc, v)
		assert.GreaterOrEqual(t, q, prev)
		assert.LessOrEqual(t, v-q, 1023.0)
		prev = q
	}
}
