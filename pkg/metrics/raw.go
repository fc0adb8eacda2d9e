// Package metrics defines the catalog of runtime metrics the data source serves and derives
// each of them from the raw series the collector stores: gauges, counter rates that survive
// process restarts, ratios, windowed GC CPU, per-cycle pauses and robust leak slopes.
package metrics

// Raw series names as stored by the collector. Values are the MemStats fields as float64,
// except where noted. Every series of one scrape shares that scrape's timestamp. Every value is
// stored as an integer (bytes, nanoseconds, milliseconds, parts per billion): the store's XOR
// encoding compresses integer-valued floats several times better than fractions. HeapIdle is
// not stored: the runtime guarantees HeapIdle = HeapSys − HeapInuse, so it is derived.
const (
	RawUp           = "up" // 1 when the scrape succeeded, 0 when it failed
	RawHeapAlloc    = "heap_alloc"
	RawHeapInuse    = "heap_inuse"
	RawHeapReleased = "heap_released"
	RawHeapSys      = "heap_sys"
	RawHeapObjects  = "heap_objects"
	RawStackInuse   = "stack_inuse"
	RawSys          = "sys"
	RawNextGC       = "next_gc"
	RawMaxRSS       = "max_rss"
	RawGoroutines   = "goroutines"
	RawTotalAlloc   = "total_alloc"
	RawMallocs      = "mallocs"
	RawNumGC        = "num_gc"
	RawNumForcedGC  = "num_forced_gc"
	RawPauseTotalNs = "pause_total_ns"        // only when the target serves expvar
	RawGCCPU        = "gc_cpu_ppb"            // GCCPUFraction in parts per billion
	RawLastGC       = "last_gc_ms"            // Unix milliseconds of the last GC end
	RawProcessStart = "process_start_seconds" // estimated Unix seconds the process started
	// RawGCPause holds one point per GC cycle at the cycle's end time, value = STW nanoseconds.
	RawGCPause = "gc_pause_ns"
	// RawHeapPostGC holds one point per observed GC at that GC's end time: the estimated heap
	// right after the collection (see the README's metric catalog for the estimator).
	RawHeapPostGC = "heap_post_gc"
	// RawDumpSkipped holds one point per goroutine dump skipped because the target had more
	// goroutines than the ceiling, value = that goroutine count; annotations read it.
	RawDumpSkipped = "goroutine_dump_skipped"
)

// MinuteTierMs is the resolution of the downsampled tier. The collector also writes the first
// scrape of every minute of each per-scrape series under TierName, so queries whose step is a
// whole number of minutes decode a quarter of the points (at a 15 s interval): gauges then
// show a real sample per minute (up to a minute older than the newest in the step), and
// counter increases between the minute samples are exact.
const MinuteTierMs = 60_000

const tierSuffix = ":1m"

// TierName is the name of the minute tier of a per-scrape raw series.
func TierName(raw string) string { return raw + tierSuffix }

// HasTier tells whether a raw series has a minute tier. Per-GC-cycle series do not: they are
// events at their own times, not one value per scrape.
func HasTier(raw string) bool {
	return raw != RawGCPause && raw != RawHeapPostGC && raw != RawDumpSkipped
}
