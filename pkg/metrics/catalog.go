package metrics

import (
	"fmt"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// Kind groups catalog metrics for the query editor.
type Kind string

// Metric kinds.
const (
	KindGauge Kind = "gauge"
	KindRate  Kind = "rate"
	KindRatio Kind = "ratio"
	KindGC    Kind = "gc"
	KindSlope Kind = "slope"
)

// Metric describes one catalog entry: what it means, its Grafana unit, how it is computed
// and which raw series it needs.
type Metric struct {
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Kind        Kind   `json:"kind"`
	Description string `json:"description"`
	Formula     string `json:"formula"`
	// Raw lists the stored series the metric is computed from.
	Raw []string `json:"-"`
	// Fallback lists series needed only when the first Raw series has no points in the range
	// (e.g. the pause ring of targets without expvar); reading them otherwise would be waste.
	Fallback []string `json:"-"`
	// compute appends the metric's points to dst.
	compute func(dst []store.Point, raw map[string][]store.Point, p Params) []store.Point `json:"-"`
}

// Evaluate computes the metric's points within the range of p from raw series read over
// [p.FromMs-p.LookbackMs(), p.ToMs].
func (m *Metric) Evaluate(raw map[string][]store.Point, p Params) []store.Point {
	return m.compute(nil, raw, p)
}

// AppendPoints is Evaluate appending the points to dst and returning the extended slice. A
// query evaluating many metrics of many targets can so reuse one buffer instead of allocating
// every series' points, which it copies into frames right after.
func (m *Metric) AppendPoints(dst []store.Point, raw map[string][]store.Point, p Params) []store.Point {
	return m.compute(dst, raw, p)
}

// Lookup returns the catalog metric with that name.
func Lookup(name string) (*Metric, error) {
	for i := range catalog {
		if catalog[i].Name == name {
			return &catalog[i], nil
		}
	}
	return nil, fmt.Errorf("unknown metric %q: see the metric catalog for valid names", name)
}

// Catalog returns every metric, in display order.
func Catalog() []Metric {
	out := make([]Metric, len(catalog))
	copy(out, catalog)
	return out
}

func gauge(name, raw, unit, desc string) Metric {
	return Metric{
		Name: name, Unit: unit, Kind: KindGauge, Description: desc, Formula: raw, Raw: []string{raw},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return lastPerBucket(dst, r[raw], p)
		},
	}
}

func rate(name, counter, unit, desc, formula string, scale float64) Metric {
	return Metric{
		Name: name, Unit: unit, Kind: KindRate, Description: desc, Formula: formula,
		Raw: []string{counter, RawProcessStart},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return counterRate(dst, join(r, counter, RawProcessStart), p, scale, counterAndStart)
		},
	}
}

// ratio derives a value from several series of the same scrape; f returns false to skip a row
// (e.g. a zero denominator) instead of emitting NaN or Inf.
func ratio(name, unit, desc, formula string, raw []string, f func(v []float64) (float64, bool)) Metric {
	return Metric{
		Name: name, Unit: unit, Kind: KindRatio, Description: desc, Formula: formula, Raw: raw,
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return lastDerivedPerBucket(dst, join(r, raw...), p, f)
		},
	}
}

// share divides the first value by the second, skipping rows with an empty denominator.
func share() func(v []float64) (float64, bool) {
	return func(v []float64) (float64, bool) {
		if v[1] <= 0 {
			return 0, false
		}
		return v[0] / v[1], true
	}
}

var catalog = []Metric{
	gauge("heap_alloc", RawHeapAlloc, "bytes", "Bytes of allocated heap objects, reachable or not yet swept (MemStats.HeapAlloc)."),
	gauge("heap_inuse", RawHeapInuse, "bytes", "Bytes in in-use heap spans (MemStats.HeapInuse)."),
	{
		Name: "heap_idle", Unit: "bytes", Kind: KindGauge, Formula: "HeapIdle = HeapSys − HeapInuse",
		Description: "Bytes in idle heap spans, including released ones (MemStats.HeapIdle).",
		Raw:         []string{RawHeapSys, RawHeapInuse},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return lastDerivedPerBucket(dst, join(r, RawHeapSys, RawHeapInuse), p, func(v []float64) (float64, bool) { return v[0] - v[1], true })
		},
	},
	gauge("heap_released", RawHeapReleased, "bytes", "Bytes of idle spans returned to the OS (MemStats.HeapReleased)."),
	gauge("heap_sys", RawHeapSys, "bytes", "Heap memory obtained from the OS, virtual (MemStats.HeapSys)."),
	gauge("heap_objects", RawHeapObjects, "short", "Number of allocated heap objects (MemStats.HeapObjects)."),
	gauge("stack_inuse", RawStackInuse, "bytes", "Bytes in goroutine stack spans (MemStats.StackInuse); grows with goroutine leaks."),
	gauge("sys", RawSys, "bytes", "Total virtual memory obtained from the OS by the runtime (MemStats.Sys)."),
	gauge("next_gc", RawNextGC, "bytes", "Heap goal of the next GC cycle (MemStats.NextGC)."),
	gauge("max_rss", RawMaxRSS, "bytes", "Peak resident set size, printed by the heap?debug=1 trailer on supported OSes only (MemStats.MaxRSS)."),
	gauge("goroutines", RawGoroutines, "short", "Number of goroutines, from the pprof index (or goroutine?debug=1)."),
	gauge("heap_post_gc", RawHeapPostGC, "bytes", "Estimated live heap right after each observed GC: HeapAlloc minus the bytes allocated since LastGC at the measured allocation rate. The base signal of heap leaks."),

	rate("alloc_rate", RawTotalAlloc, "Bps", "Heap allocation rate; the main driver of GC frequency.", "Δ TotalAlloc / Δt", 1),
	rate("mallocs_rate", RawMallocs, "ops", "Heap objects allocated per second.", "Δ Mallocs / Δt", 1),
	{
		Name: "gc_cycles_auto_rate", Unit: "ops", Kind: KindRate, Formula: "Δ (NumGC − NumForcedGC) / Δt",
		Description: "Automatic GC cycles per second (triggered by the heap goal).",
		Raw:         []string{RawNumGC, RawNumForcedGC, RawProcessStart},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return counterRate(dst, join(r, RawNumGC, RawNumForcedGC, RawProcessStart), p, 1, func(v []float64) (float64, float64) {
				return v[0] - v[1], v[2]
			})
		},
	},
	rate("gc_cycles_forced_rate", RawNumForcedGC, "ops", "Forced GC cycles per second (runtime.GC or debug.FreeOSMemory calls, gc=1 requests).", "Δ NumForcedGC / Δt", 1),
	{
		Name: "gc_pause_rate", Unit: "percentunit", Kind: KindRate,
		Formula:     "Δ PauseTotalNs / (Δt·1e9); without expvar: Σ PauseNs of the cycles ending in Δt / Δt",
		Description: "Stop-the-world GC pause seconds per second of wall time. Counts STW pauses only, so it understates the GC's CPU cost.",
		Raw:         []string{RawPauseTotalNs, RawProcessStart},
		Fallback:    []string{RawGCPause, RawUp},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			if len(r[RawPauseTotalNs]) > 0 {
				return counterRate(dst, join(r, RawPauseTotalNs, RawProcessStart), p, 1e-9, counterAndStart)
			}
			return eventRate(dst, scaled(r[RawGCPause], 1e-9), successfulScrapes(r[RawUp]), p)
		},
	},

	ratio("heap_inuse_ratio", "percentunit", "Share of the heap's memory in in-use spans.", "HeapInuse / HeapSys",
		[]string{RawHeapInuse, RawHeapSys}, share()),
	ratio("heap_idle_ratio", "percentunit", "Share of the heap's memory in idle spans not yet returned to the OS.", "(HeapIdle − HeapReleased) / HeapSys",
		[]string{RawHeapSys, RawHeapInuse, RawHeapReleased}, func(v []float64) (float64, bool) {
			if v[0] <= 0 {
				return 0, false
			}
			return (v[0] - v[1] - v[2]) / v[0], true
		}),
	ratio("heap_released_ratio", "percentunit", "Share of the heap's memory returned to the OS.", "HeapReleased / HeapSys",
		[]string{RawHeapReleased, RawHeapSys}, share()),
	ratio("retained_free", "bytes", "Idle heap memory the runtime still holds (not released to the OS); large values mean a recent spike.", "HeapIdle − HeapReleased",
		[]string{RawHeapSys, RawHeapInuse, RawHeapReleased}, func(v []float64) (float64, bool) { return v[0] - v[1] - v[2], true }),
	ratio("fragmentation_bound", "percentunit", "Upper bound on the share of in-use spans not holding objects (fragmentation).", "(HeapInuse − HeapAlloc) / HeapInuse",
		[]string{RawHeapInuse, RawHeapAlloc}, func(v []float64) (float64, bool) {
			if v[0] <= 0 {
				return 0, false
			}
			return (v[0] - v[1]) / v[0], true
		}),
	ratio("heap_goal_utilisation", "percentunit", "How close the heap is to the next GC's goal; persistently near 1 with rising GC cycles means GC thrashing.", "HeapAlloc / NextGC",
		[]string{RawHeapAlloc, RawNextGC}, share()),
	ratio("runtime_held", "bytes", "Memory the runtime holds from the OS; what GOMEMLIMIT counts.", "Sys − HeapReleased",
		[]string{RawSys, RawHeapReleased}, func(v []float64) (float64, bool) { return v[0] - v[1], true }),

	{
		Name: "gc_cpu_lifetime", Unit: "percentunit", Kind: KindGC, Formula: "GCCPUFraction",
		Description: "GC share of CPU since the process started (lifetime average, MemStats.GCCPUFraction); barely moves after hours of uptime — alert on gc_cpu_windowed instead.",
		Raw:         []string{RawGCCPU},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return lastPerBucket(dst, scaled(r[RawGCCPU], 1e-9), p)
		},
	},
	{
		Name: "gc_cpu_windowed", Unit: "percentunit", Kind: KindGC,
		Formula:     "Δ(GCCPUFraction·(LastGC − start)) / ΔLastGC over the window",
		Description: "Estimated GC share of CPU within the window, derived from the lifetime fraction at successive GC ends (see the README for the method and its error).",
		Raw:         []string{RawGCCPU, RawLastGC, RawProcessStart},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return appendWindowedGCCPU(dst, r, p)
		},
	},
	{
		Name: "gc_pause", Unit: "s", Kind: KindGC, Formula: "PauseNs[(k−1) % 256] at PauseEnd[(k−1) % 256]",
		Description: "Stop-the-world pause of every GC cycle, at the cycle's end time (the largest per step when cycles outnumber points).",
		Raw:         []string{RawGCPause},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			pts := inRange(scaled(r[RawGCPause], 1e-9), p)
			if p.StepMs > 0 && int64(len(pts)) > (p.ToMs-p.FromMs)/p.StepMs+1 {
				return maxPerBucket(dst, pts, p)
			}
			if dst == nil {
				return pts // already a slice of its own
			}
			return append(dst, pts...)
		},
	},

	{
		Name: "heap_leak_slope", Unit: "si:B/h", Kind: KindSlope, Formula: "Theil–Sen slope of heap_post_gc over the window × 3600",
		Description: "Robust growth rate of the post-GC heap in bytes per hour over the window; steadily positive means a leak.",
		Raw:         []string{RawHeapPostGC},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return rollingSlope(dst, r[RawHeapPostGC], p, 3600, 3)
		},
	},
	{
		Name: "goroutine_slope", Unit: "suffix:/h", Kind: KindSlope, Formula: "Theil–Sen slope of goroutines over the window × 3600",
		Description: "Robust growth rate of the goroutine count per hour over the window; steadily positive means goroutines leak.",
		Raw:         []string{RawGoroutines},
		compute: func(dst []store.Point, r map[string][]store.Point, p Params) []store.Point {
			return rollingSlope(dst, r[RawGoroutines], p, 3600, 3)
		},
	},
}

// successfulScrapes keeps the times of the scrapes that succeeded.
func successfulScrapes(up []store.Point) []store.Point {
	out := make([]store.Point, 0, len(up))
	for _, p := range up {
		if p.V == 1 {
			out = append(out, p)
		}
	}
	return out
}

// scaled converts stored integer units (ns, ppb) back to the catalog's units.
func scaled(pts []store.Point, f float64) []store.Point {
	out := make([]store.Point, len(pts))
	for i, p := range pts {
		out[i] = store.Point{T: p.T, V: p.V * f}
	}
	return out
}
