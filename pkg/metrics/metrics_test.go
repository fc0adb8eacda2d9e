package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

func eval(t *testing.T, name string, raw map[string][]store.Point, p Params) []store.Point {
	t.Helper()
	m, err := Lookup(name)
	require.NoError(t, err)
	return m.Evaluate(raw, p)
}

func series(start, step int64, vals ...float64) []store.Point {
	out := make([]store.Point, len(vals))
	for i, v := range vals {
		out[i] = store.Point{T: start + int64(i)*step, V: v}
	}
	return out
}

func constant(start, step int64, n int, v float64) []store.Point {
	out := make([]store.Point, n)
	for i := range out {
		out[i] = store.Point{T: start + int64(i)*step, V: v}
	}
	return out
}

func TestHeapShareTripleSumsToOne(t *testing.T) {
	// HeapSys = HeapInuse + HeapIdle and HeapReleased ⊆ HeapIdle, as the runtime guarantees.
	rng := rand.New(rand.NewPCG(1, 2))
	var inuse, released, sys []store.Point
	for i := 0; i < 50; i++ {
		tm := int64(i) * 15000
		in := float64(rng.IntN(1<<30) + 8192)
		id := float64(rng.IntN(1 << 30))
		rel := math.Floor(id * rng.Float64())
		inuse = append(inuse, store.Point{T: tm, V: in})
		released = append(released, store.Point{T: tm, V: rel})
		sys = append(sys, store.Point{T: tm, V: in + id})
	}
	raw := map[string][]store.Point{RawHeapInuse: inuse, RawHeapReleased: released, RawHeapSys: sys}
	p := Params{FromMs: 0, ToMs: 49 * 15000, StepMs: 15000}
	a := eval(t, "heap_inuse_ratio", raw, p)
	b := eval(t, "heap_idle_ratio", raw, p)
	c := eval(t, "heap_released_ratio", raw, p)
	idle := eval(t, "heap_idle", raw, p)
	require.Len(t, idle, 50)
	for i := range idle {
		assert.Equal(t, sys[i].V-inuse[i].V, idle[i].V, "HeapIdle = HeapSys − HeapInuse")
	}
	require.Len(t, a, 50)
	require.Len(t, b, 50)
	require.Len(t, c, 50)
	for i := range a {
		assert.InDelta(t, 1.0, a[i].V+b[i].V+c[i].V, 1e-12, "row %d", i)
		assert.Equal(t, a[i].T, c[i].T)
	}
}

func TestRatioSkipsZeroDenominator(t *testing.T) {
	raw := map[string][]store.Point{
		RawHeapAlloc: series(0, 1000, 10, 20),
		RawNextGC:    series(0, 1000, 0, 40),
	}
	got := eval(t, "heap_goal_utilisation", raw, Params{FromMs: 0, ToMs: 1000, StepMs: 1000})
	assert.Equal(t, []store.Point{{T: 1000, V: 0.5}}, got)
}

func TestCounterRateSurvivesRestart(t *testing.T) {
	// 1 MB/s for 10 scrapes, then the process restarts (counter and start estimate change)
	// and continues at 2 MB/s.
	var total, start []store.Point
	for i := 0; i <= 10; i++ {
		total = append(total, store.Point{T: int64(i) * 1000, V: float64(i) * 1e6})
		start = append(start, store.Point{T: int64(i) * 1000, V: 100})
	}
	for i := 11; i <= 20; i++ {
		total = append(total, store.Point{T: int64(i) * 1000, V: float64(i-11) * 2e6})
		start = append(start, store.Point{T: int64(i) * 1000, V: 111})
	}
	raw := map[string][]store.Point{RawTotalAlloc: total, RawProcessStart: start}
	got := eval(t, "alloc_rate", raw, Params{FromMs: 0, ToMs: 20000, StepMs: 1000})
	require.NotEmpty(t, got)
	for _, p := range got {
		assert.GreaterOrEqual(t, p.V, 0.0, "negative rate at %d", p.T)
		if p.T <= 10000 {
			assert.InDelta(t, 1e6, p.V, 1, "at %d", p.T)
		} else {
			assert.InDelta(t, 2e6, p.V, 1, "at %d", p.T)
		}
	}
	for _, p := range got {
		assert.NotEqual(t, int64(11000), p.T, "the restart interval must be left out, not reported")
	}
}

func TestCounterRateCounterResetWithoutStartChange(t *testing.T) {
	// The start estimate can coincide; a counter going down alone must still not yield a negative rate or spike.
	raw := map[string][]store.Point{
		RawMallocs:      series(0, 1000, 100, 200, 300, 5, 105),
		RawProcessStart: constant(0, 1000, 5, 1),
	}
	got := eval(t, "mallocs_rate", raw, Params{FromMs: 0, ToMs: 4000, StepMs: 2000})
	require.Len(t, got, 2)
	assert.Equal(t, []store.Point{{T: 2000, V: 100}, {T: 4000, V: 100}}, got)
}

func TestGCCycleRatesSplitAutomaticAndForced(t *testing.T) {
	raw := map[string][]store.Point{
		RawNumGC:        series(0, 1000, 0, 3, 6, 9),
		RawNumForcedGC:  series(0, 1000, 0, 1, 2, 3),
		RawProcessStart: constant(0, 1000, 4, 1),
	}
	p := Params{FromMs: 0, ToMs: 3000, StepMs: 3000}
	assert.Equal(t, []store.Point{{T: 3000, V: 2}}, eval(t, "gc_cycles_auto_rate", raw, p))
	assert.Equal(t, []store.Point{{T: 3000, V: 1}}, eval(t, "gc_cycles_forced_rate", raw, p))
}

func TestPauseRateFromTotalOrRing(t *testing.T) {
	p := Params{FromMs: 0, ToMs: 4000, StepMs: 4000}
	withTotal := map[string][]store.Point{
		RawPauseTotalNs: series(0, 1000, 0, 1e6, 2e6, 3e6, 4e6),
		RawProcessStart: constant(0, 1000, 5, 1),
	}
	got := eval(t, "gc_pause_rate", withTotal, p)
	require.Len(t, got, 1)
	assert.InDelta(t, 0.001, got[0].V, 1e-12)

	// The same pauses seen only as per-cycle points (no expvar): 4 ms over 4 s.
	ring := map[string][]store.Point{
		RawUp:      constant(0, 1000, 5, 1),
		RawGCPause: {{T: 500, V: 1e6}, {T: 1500, V: 2e6}, {T: 3999, V: 1e6}, {T: 9000, V: 5e9}},
	}
	got = eval(t, "gc_pause_rate", ring, p)
	require.Len(t, got, 1)
	assert.InDelta(t, 0.001, got[0].V, 1e-12)
}

func TestTheilSenIgnoresOutliers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var pts []store.Point
	for i := 0; i < 300; i++ {
		v := 1000*float64(i) + rng.NormFloat64()*50
		if i%7 == 0 {
			v += 1e7 // GC-phase noise far larger than the trend
		}
		pts = append(pts, store.Point{T: int64(i) * 1000, V: v})
	}
	s, ok := TheilSen(pts)
	require.True(t, ok)
	assert.InDelta(t, 1000, s, 30)
	_, ok = TheilSen(pts[:1])
	assert.False(t, ok)
}

func TestLeakSlopePerHour(t *testing.T) {
	// Post-GC heap growing 1 MiB/s with sawtooth noise: slope ≈ 3600 MiB/h.
	var pts []store.Point
	for i := 0; i < 200; i++ {
		pts = append(pts, store.Point{T: int64(i) * 5000, V: float64(i)*5*(1<<20) + float64((i*37)%11)*(1<<20)})
	}
	got := eval(t, "heap_leak_slope", map[string][]store.Point{RawHeapPostGC: pts},
		Params{FromMs: 0, ToMs: 199 * 5000, StepMs: 15000, WindowMs: 300000})
	require.NotEmpty(t, got)
	last := got[len(got)-1]
	assert.InEpsilon(t, 3600*float64(1<<20), last.V, 0.05)
	assert.LessOrEqual(t, len(got), maxSlopeOutputs+1)
}

func TestWindowedGCCPU(t *testing.T) {
	// A process started at S=1000 s spending 2% of CPU on GC for its first 1000 s, then 20%.
	// F is the lifetime average at each GC end L.
	const s = 1000.0
	var rows []store.Point
	var lastGC, start []store.Point
	g := 0.0
	prevL := s
	for i := 1; i <= 200; i++ {
		l := s + float64(i)*10
		frac := 0.02
		if l > s+1000 {
			frac = 0.20
		}
		g += frac * (l - prevL)
		prevL = l
		tm := int64(l*1000) + 500
		rows = append(rows, store.Point{T: tm, V: math.Round(g / (l - s) * 1e9)})
		lastGC = append(lastGC, store.Point{T: tm, V: l * 1000})
		start = append(start, store.Point{T: tm, V: s})
	}
	raw := map[string][]store.Point{RawGCCPU: rows, RawLastGC: lastGC, RawProcessStart: start}
	p := Params{FromMs: (1000 + 300) * 1000, ToMs: (1000 + 2000) * 1000, StepMs: 10000, WindowMs: 120000}
	got := eval(t, "gc_cpu_windowed", raw, p)
	require.NotEmpty(t, got)
	for _, pt := range got {
		sec := float64(pt.T)/1000 - s
		switch {
		case sec < 990:
			assert.InDelta(t, 0.02, pt.V, 1e-6, "at +%.0fs", sec)
		case sec > 1130:
			assert.InDelta(t, 0.20, pt.V, 1e-6, "at +%.0fs", sec)
		}
	}
	// The lifetime value lags far behind: at the end it is still well below 20%.
	life := eval(t, "gc_cpu_lifetime", raw, p)
	assert.Less(t, life[len(life)-1].V, 0.12)
}

func TestGCPausePerCycleKeepsPointsOrMaxPerBucket(t *testing.T) {
	pts := []store.Point{{T: 100, V: 1e9}, {T: 200, V: 3e9}, {T: 1100, V: 2e9}}
	raw := map[string][]store.Point{RawGCPause: pts}
	assert.Equal(t, []store.Point{{T: 100, V: 1}, {T: 200, V: 3}, {T: 1100, V: 2}},
		eval(t, "gc_pause", raw, Params{FromMs: 0, ToMs: 2000, StepMs: 500}))
	assert.Equal(t, []store.Point{{T: 2000, V: 3}}, eval(t, "gc_pause", raw, Params{FromMs: 0, ToMs: 2000, StepMs: 2000}))
}

func TestGaugeDownsamplesToAlignedLastValue(t *testing.T) {
	raw := map[string][]store.Point{RawHeapInuse: series(1000, 1000, 1, 2, 3, 4, 5)}
	got := eval(t, "heap_inuse", raw, Params{FromMs: 1000, ToMs: 5000, StepMs: 2000})
	assert.Equal(t, []store.Point{{T: 2000, V: 2}, {T: 4000, V: 4}, {T: 6000, V: 5}}, got)
}

func TestLookupUnknownMetric(t *testing.T) {
	_, err := Lookup("heap_nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown metric "heap_nope"`)
}

func TestCatalogIsComplete(t *testing.T) {
	names := map[string]bool{}
	for _, m := range Catalog() {
		assert.False(t, names[m.Name], "duplicate %s", m.Name)
		names[m.Name] = true
		assert.NotEmpty(t, m.Unit, m.Name)
		assert.NotEmpty(t, m.Description, m.Name)
		assert.NotEmpty(t, m.Formula, m.Name)
		assert.NotEmpty(t, m.Raw, m.Name)
	}
	for _, want := range []string{"heap_alloc", "heap_inuse", "heap_idle", "heap_released", "heap_sys", "heap_objects",
		"stack_inuse", "sys", "next_gc", "max_rss", "goroutines", "alloc_rate", "mallocs_rate", "gc_cycles_auto_rate",
		"gc_cycles_forced_rate", "gc_pause_rate", "heap_inuse_ratio", "heap_idle_ratio", "heap_released_ratio",
		"retained_free", "fragmentation_bound", "heap_goal_utilisation", "runtime_held", "gc_cpu_lifetime",
		"gc_cpu_windowed", "gc_pause", "heap_leak_slope", "goroutine_slope"} {
		assert.True(t, names[want], want)
	}
}

// TestAppendPointsLeavesEarlierPointsAlone evaluates every metric after points of another
// series already in the buffer, ending in the very bucket the metric starts with: the
// metric's points must be exactly those Evaluate returns, and the earlier ones untouched.
func TestAppendPointsLeavesEarlierPointsAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	raw := map[string][]store.Point{}
	for _, name := range []string{RawHeapAlloc, RawHeapInuse, RawHeapReleased, RawHeapSys, RawHeapObjects,
		RawStackInuse, RawSys, RawNextGC, RawMaxRSS, RawGoroutines, RawGCCPU} {
		raw[name] = nil
		for i := range 200 {
			raw[name] = append(raw[name], store.Point{T: int64(i) * 15000, V: float64(rng.IntN(1 << 30))})
		}
	}
	for _, name := range []string{RawTotalAlloc, RawMallocs, RawNumGC, RawNumForcedGC, RawPauseTotalNs} {
		raw[name] = series(0, 15000, make([]float64, 200)...)
		for i := 1; i < 200; i++ {
			raw[name][i].V = raw[name][i-1].V + float64(rng.IntN(1000))
		}
	}
	raw[RawProcessStart] = constant(0, 15000, 200, 1)
	raw[RawUp] = constant(0, 15000, 200, 1)
	raw[RawLastGC] = series(0, 15000, make([]float64, 200)...)
	for i := range raw[RawLastGC] {
		raw[RawLastGC][i].V = float64(i*15000 - rng.IntN(15000))
	}
	for i := range 400 {
		tm := int64(i)*7500 + int64(rng.IntN(7000))
		raw[RawGCPause] = append(raw[RawGCPause], store.Point{T: tm, V: float64(rng.IntN(1e6))})
		raw[RawHeapPostGC] = append(raw[RawHeapPostGC], store.Point{T: tm, V: float64(rng.IntN(1 << 30))})
	}
	withoutTotal := map[string][]store.Point{}
	for k, v := range raw {
		if k != RawPauseTotalNs {
			withoutTotal[k] = v
		}
	}
	for _, p := range []Params{
		{FromMs: 600_000, ToMs: 199 * 15000, StepMs: 15000, WindowMs: 600_000},
		{FromMs: 600_000, ToMs: 199 * 15000, StepMs: 60000, WindowMs: 600_000},
	} {
		for _, r := range []map[string][]store.Point{raw, withoutTotal} {
			for _, m := range Catalog() {
				want := m.Evaluate(r, p)
				require.NotEmpty(t, want, m.Name)
				prefix := []store.Point{{T: 1, V: -1}, {T: want[0].T, V: -2}}
				buf := append(make([]store.Point, 0, 1), prefix...)
				got := m.AppendPoints(buf, r, p)
				require.Equal(t, prefix, got[:len(prefix)], m.Name)
				require.Equal(t, want, got[len(prefix):], m.Name)
			}
		}
	}
}
