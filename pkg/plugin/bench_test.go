package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// The numbers of these benchmarks are quoted in docs/benchmarks.md. Run them with
//
//	go test -run=NONE -bench=. -benchmem ./pkg/plugin
//
// One op of each reads 24 h of 100 targets scraped every 15 s, for 10 catalog metrics:
//
//   - BenchmarkRuntimeQuery24h100Targets10Metrics: the whole query path, runtimeQuerier.query,
//     from the store to the data frames (Select, derive, downsample to 1000 points, frames);
//   - BenchmarkRuntimeQuerySelectOnly: the store part alone, the Select of the 15 raw series
//     those metrics need, spread over the same workers as the query;
//   - BenchmarkBaselineRuntimeQuerySliceScan: the named baseline, summing the same points
//     when they already sit decoded in Go slices, with the same workers.
//
// The first two run on a store.TSDB laid out as in production after a day (2 h blocks merged
// into 6 h ones, the last hours in the head; after the first op its files are in the page
// cache, as for a dashboard refreshed every minute) and on a store.Memory.

const (
	benchTargetCount = 100
	benchScrapesDay  = 24 * 3600 / 15 // 5760
	benchScrapeMs    = 15_000
)

// benchEnd ends the queried day; each target's last scrape falls within 15 s of it. It is a
// fixed instant so that every run reads the same data.
var benchEnd = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// benchMetrics are representative of the catalog: plain gauges, a derived gauge, ratios of
// two series, counter rates (one of three series), the pause rate that falls back to the
// per-cycle series, and the windowed GC CPU estimate.
var benchMetrics = []string{
	"heap_inuse", "heap_alloc", "heap_idle", "heap_released_ratio", "goroutines",
	"alloc_rate", "gc_cycles_auto_rate", "gc_pause_rate", "heap_goal_utilisation", "gc_cpu_windowed",
}

// benchFixture is one filled store with what the benchmarks need to query it.
type benchFixture struct {
	once    sync.Once
	err     error
	dir     string
	store   store.Store
	targets []models.Target
	raw     []string // the raw series benchMetrics read
	// points is the number of points the Selects of one op return.
	points int
}

var benchFixtures = map[string]*benchFixture{"tsdb": {}, "memory": {}}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchFixtures {
		if f.store != nil {
			_ = f.store.Close()
		}
		if f.dir != "" {
			_ = os.RemoveAll(f.dir)
		}
	}
	os.Exit(code)
}

// loadBenchFixture returns the named fixture. Both are built, once per test binary, before
// the first measurement, so that every benchmark runs with the same heap.
func loadBenchFixture(b *testing.B, kind string) *benchFixture {
	for _, k := range benchStores {
		buildBenchFixture(b, k)
	}
	return benchFixtures[kind]
}

func buildBenchFixture(b *testing.B, kind string) {
	f := benchFixtures[kind]
	f.once.Do(func() {
		start := time.Now()
		f.err = f.build(kind)
		if f.err == nil {
			b.Logf("%s fixture: %d targets × 24 h filled in %s; one op selects %d points", kind, len(f.targets),
				time.Since(start).Round(time.Millisecond), f.points)
		}
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
}

func (f *benchFixture) build(kind string) error {
	for i := range benchTargetCount {
		f.targets = append(f.targets, models.Target{
			Name: fmt.Sprintf("svc-%03d", i), URL: fmt.Sprintf("http://svc-%03d:6060", i),
			Labels: map[string]string{"env": "prod"},
		})
	}
	seen := map[string]bool{}
	for _, name := range benchMetrics {
		m, err := metrics.Lookup(name)
		if err != nil {
			return err
		}
		for _, s := range m.Raw {
			if !seen[s] {
				seen[s] = true
				f.raw = append(f.raw, s)
			}
		}
	}
	ctx := context.Background()
	switch kind {
	case "memory":
		s := store.NewMemory(store.DefaultRetention)
		f.store = s
		if err := fillBenchStore(ctx, s, f.targets); err != nil {
			return err
		}
	case "tsdb":
		dir, err := os.MkdirTemp("", "plugin-bench-query-")
		if err != nil {
			return err
		}
		f.dir = dir
		opts := store.TSDBOptions{Retention: store.DefaultRetention}
		s, err := store.OpenTSDB(dir, opts)
		if err != nil {
			return err
		}
		if err := fillBenchStore(ctx, s, f.targets); err != nil {
			return err
		}
		if err := s.Close(); err != nil {
			return err
		}
		if err := compactLikeProduction(ctx, dir); err != nil {
			return err
		}
		if f.store, err = store.OpenTSDB(dir, opts); err != nil {
			return err
		}
	}
	for _, t := range f.targets {
		got, err := f.read(ctx, t.Name)
		if err != nil {
			return err
		}
		for _, pts := range got {
			f.points += len(pts)
		}
	}
	return nil
}

// read selects what the benchmark query reads for one target: the raw series of its metrics,
// from the minute tier when the query's step allows it, as runtimeQuerier does.
func (f *benchFixture) read(ctx context.Context, target string) (map[string][]store.Point, error) {
	r := &runtimeQuerier{store: f.store, interval: 15 * time.Second}
	dq, _, window := benchDataQuery()
	p := r.params(dq, window, false)
	return r.readRaw(ctx, target, f.raw, benchFrom(), benchEnd.UnixMilli(), p.StepMs)
}

// compactLikeProduction does what the store's background compaction does while a day of
// samples arrives: the head is written to 2 h blocks, which are merged into 6 h ones, until
// the head holds the last 2-3 h. The store was closed, so the TSDB is opened directly, with
// the options store.OpenTSDB derives from the default retention and block size.
func compactLikeProduction(ctx context.Context, dir string) error {
	to := tsdb.DefaultOptions()
	to.RetentionDuration = store.DefaultRetention.Milliseconds()
	to.MinBlockDuration = store.DefaultMinBlockDuration.Milliseconds()
	to.MaxBlockDuration = (store.DefaultRetention / 10).Milliseconds()
	to.SamplesPerChunk = 240
	db, err := tsdb.Open(dir, slog.New(slog.DiscardHandler), nil, to, nil)
	if err != nil {
		return err
	}
	if err := db.Compact(ctx); err != nil {
		return fmt.Errorf("compact: %w", errors.Join(err, db.Close()))
	}
	return db.Close()
}

func benchFrom() int64 { return benchEnd.Add(-24 * time.Hour).UnixMilli() }

// fillBenchStore appends a day of scrapes of every target, one Append per scrape as the
// collector does, in time order across targets.
func fillBenchStore(ctx context.Context, s store.Store, targets []models.Target) error {
	sims := make([]*benchSim, len(targets))
	for i, t := range targets {
		sims[i] = newBenchSim(t.Name, uint64(i))
	}
	first := benchEnd.Add(-time.Duration(benchScrapesDay-1) * benchScrapeMs * time.Millisecond).UnixMilli()
	var batch []store.Sample
	for n := range benchScrapesDay {
		for _, sim := range sims {
			batch = sim.scrape(first+int64(n)*benchScrapeMs, batch[:0])
			if err := s.Append(ctx, batch); err != nil {
				return err
			}
		}
	}
	if r, ok := s.(store.StatsReporter); ok {
		if st := r.AppendStats(); st.Duplicates+st.OutOfOrder+st.TooOld > 0 {
			return fmt.Errorf("the fixture lost samples: %+v", st)
		}
	}
	return nil
}

// benchSim is a compact stand-in for one Go service as the collector stores it: the same raw
// series, integer-valued, with a GOGC=100 sawtooth heap, GC cycles at a per-service rate
// between one per minute and several per scrape, their pauses and post-GC estimates at
// irregular times, a wandering goroutine count and a lifetime GC CPU fraction. It is not the
// runtime (pkg/collector's BenchmarkStoredBytesPerSample uses the real one); it only has to
// give the query the shapes and the point counts of real data.
type benchSim struct {
	name string
	r    *rand.Rand

	live, allocPerMs, objSize, procs    float64
	heapAlloc, nextGC, heapSys, release float64
	totalAlloc, mallocs, pauseTotal     float64
	gcCPUNs, startS                     float64
	numGC, goroutines                   float64
	lastGCMs, lastPauseMs, lastPostMs   int64
	offsetMs                            int64
	tierMinute                          int64
}

func newBenchSim(name string, seed uint64) *benchSim {
	r := rand.New(rand.NewPCG(seed, 0xbe9c4))
	s := &benchSim{
		name: name, r: r,
		live: 20e6 + r.Float64()*300e6,
		// 0.25 to 5 GC cycles per scrape, log-uniform.
		objSize:    48 + r.Float64()*80,
		procs:      float64(2 + r.IntN(15)),
		goroutines: float64(20 + r.IntN(500)),
		offsetMs:   int64(r.IntN(benchScrapeMs)),
		numGC:      float64(100 + r.IntN(5000)),
	}
	gcPerScrape := 0.25 * math.Pow(20, r.Float64())
	s.allocPerMs = gcPerScrape * s.live / benchScrapeMs
	s.nextGC = math.Round(2*s.live/8) * 8
	s.heapAlloc = math.Round(s.live*(1+r.Float64())/8) * 8
	s.heapSys = math.Ceil(s.nextGC*1.2/(4<<20)) * (4 << 20)
	s.totalAlloc = math.Round(s.live*(50+500*r.Float64())/8) * 8
	s.mallocs = math.Round(s.totalAlloc / s.objSize)
	s.pauseTotal = s.numGC * 150_000
	uptimeS := 3600 + r.Float64()*3*86400
	s.startS = math.Floor(float64(benchEnd.Add(-24*time.Hour).Unix()) - uptimeS)
	s.gcCPUNs = uptimeS * 1e9 * s.procs * (0.005 + 0.03*r.Float64())
	return s
}

// scrape advances the service to the tick t (ms) and appends its samples to dst.
func (s *benchSim) scrape(t int64, dst []store.Sample) []store.Sample {
	r := s.r
	add := func(series string, ts int64, v float64) {
		dst = append(dst, store.Sample{Target: s.name, Series: series, T: ts, V: v})
	}
	tick := t + s.offsetMs
	alloc := math.Max(math.Round(s.allocPerMs*benchScrapeMs*(1+0.2*r.NormFloat64())/8)*8, 0)
	s.totalAlloc += alloc
	s.mallocs += math.Round(alloc / s.objSize * (1 + 0.02*r.NormFloat64()))
	done := 0.0
	gcs := 0
	for s.heapAlloc+alloc-done >= s.nextGC {
		done += s.nextGC - s.heapAlloc
		s.numGC++
		gcs++
		pause := math.Round(math.Exp(math.Log(150_000) + 0.6*r.NormFloat64()))
		s.pauseTotal += pause
		s.gcCPUNs += pause*s.procs + s.live/1e6*2e5*(1+0.1*r.NormFloat64())
		end := tick - benchScrapeMs + int64(benchScrapeMs*done/alloc)
		if end <= s.lastPauseMs {
			end = s.lastPauseMs + 1
		}
		s.lastPauseMs, s.lastGCMs = end, end
		add(metrics.RawGCPause, end, pause)
		s.live = math.Max(s.live*(1+0.005*r.NormFloat64()), 4<<20)
		s.heapAlloc = math.Round(s.live*(1+0.05*r.Float64())/8) * 8
		s.nextGC = math.Round(2*s.live/8) * 8
	}
	s.heapAlloc += alloc - done
	heapInuse := math.Ceil(s.heapAlloc*1.08/8192) * 8192
	if need := math.Ceil(heapInuse*1.15/(4<<20)) * (4 << 20); need > s.heapSys {
		s.heapSys = need
	}
	s.release = math.Min(s.release+math.Round((0.7*(s.heapSys-heapInuse)-s.release)/10/8192)*8192, s.heapSys-heapInuse)
	switch p := r.Float64(); {
	case p < 0.002:
		s.goroutines += float64(50 + r.IntN(200))
	case p < 0.5:
		s.goroutines = math.Max(s.goroutines+float64(r.IntN(7)-3), 8)
	}
	if s.goroutines > 1500 {
		s.goroutines -= float64(r.IntN(100))
	}
	uptimeS := float64(tick)/1000 - s.startS
	add(metrics.RawUp, tick, 1)
	add(metrics.RawHeapAlloc, tick, s.heapAlloc)
	add(metrics.RawHeapInuse, tick, heapInuse)
	add(metrics.RawHeapReleased, tick, s.release)
	add(metrics.RawHeapSys, tick, s.heapSys)
	add(metrics.RawHeapObjects, tick, math.Round(s.heapAlloc/s.objSize))
	add(metrics.RawStackInuse, tick, math.Ceil(s.goroutines*8192*1.5/8192)*8192)
	add(metrics.RawSys, tick, s.heapSys+32<<20)
	add(metrics.RawNextGC, tick, s.nextGC)
	add(metrics.RawGoroutines, tick, s.goroutines)
	add(metrics.RawTotalAlloc, tick, s.totalAlloc)
	add(metrics.RawMallocs, tick, s.mallocs)
	add(metrics.RawNumGC, tick, s.numGC)
	add(metrics.RawNumForcedGC, tick, 0)
	add(metrics.RawPauseTotalNs, tick, s.pauseTotal)
	add(metrics.RawGCCPU, tick, math.Round(s.gcCPUNs/(uptimeS*1e9*s.procs)*1e9))
	if s.lastGCMs != 0 {
		add(metrics.RawLastGC, tick, float64(s.lastGCMs))
	}
	add(metrics.RawProcessStart, tick, s.startS)
	// The collector also writes the first scrape of each minute to the minute tier.
	if minute := tick / metrics.MinuteTierMs; minute != s.tierMinute {
		s.tierMinute = minute
		for _, smp := range dst[:len(dst):len(dst)] {
			if smp.T == tick && metrics.HasTier(smp.Series) {
				add(metrics.TierName(smp.Series), tick, smp.V)
			}
		}
	}
	if gcs > 0 && s.lastGCMs > s.lastPostMs {
		s.lastPostMs = s.lastGCMs
		add(metrics.RawHeapPostGC, s.lastGCMs, math.Max(math.Round(s.heapAlloc-alloc*float64(tick-s.lastGCMs)/benchScrapeMs), 0))
	}
	return dst
}

// benchQuerier is the querier a dashboard's runtime query runs with.
func benchQuerier(f *benchFixture) *runtimeQuerier {
	return &runtimeQuerier{
		store:    f.store,
		status:   func(string) (collector.Status, bool) { return collector.Status{}, false },
		targets:  f.targets,
		interval: 15 * time.Second,
		now:      time.Now,
	}
}

// benchDataQuery is the panel's request: the last 24 h at most 1000 points wide.
func benchDataQuery() (backend.DataQuery, *models.RuntimeQuery, time.Duration) {
	j, _ := json.Marshal(map[string]any{"queryType": "runtime", "metrics": benchMetrics})
	q, window, err := models.ParseRuntimeQuery(j)
	if err != nil {
		panic(err)
	}
	return backend.DataQuery{
		RefID: "A", QueryType: "runtime", JSON: j, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: benchEnd.Add(-24 * time.Hour), To: benchEnd},
	}, q, window
}

var benchStores = []string{"tsdb", "memory"}

func BenchmarkRuntimeQuery24h100Targets10Metrics(b *testing.B) {
	for _, kind := range benchStores {
		b.Run(kind, func(b *testing.B) {
			f := loadBenchFixture(b, kind)
			r := benchQuerier(f)
			dq, q, window := benchDataQuery()
			ctx := context.Background()
			var frames, values int
			b.ReportAllocs()
			for b.Loop() {
				resp := r.query(ctx, q, window, dq)
				if resp.Error != nil {
					b.Fatal(resp.Error)
				}
				frames, values = len(resp.Frames), 0
				for _, fr := range resp.Frames {
					values += fr.Rows()
				}
			}
			if frames != benchTargetCount*len(benchMetrics) {
				b.Fatalf("got %d frames, want %d", frames, benchTargetCount*len(benchMetrics))
			}
			b.ReportMetric(float64(f.points), "points/op")
			b.ReportMetric(float64(values), "values/op")
		})
	}
}

// eachTarget runs fn for every target on the query's worker count, one worker per core.
func eachTarget(n int, fn func(w, i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	errs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(w, i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func BenchmarkRuntimeQuerySelectOnly(b *testing.B) {
	for _, kind := range benchStores {
		b.Run(kind, func(b *testing.B) {
			f := loadBenchFixture(b, kind)
			ctx := context.Background()
			counts := make([]int, runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			for b.Loop() {
				clear(counts)
				err := eachTarget(len(f.targets), func(w, i int) error {
					got, err := f.read(ctx, f.targets[i].Name)
					for _, pts := range got {
						counts[w] += len(pts)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if n := sum(counts); n != f.points {
				b.Fatalf("selected %d points, want %d", n, f.points)
			}
			b.ReportMetric(float64(f.points), "points/op")
		})
	}
}

// BenchmarkBaselineRuntimeQuerySliceScan is the floor of the two benchmarks above: the same
// points already decoded in Go slices, summed by the same number of workers. Any store must
// at least hand the points over; the query must at least look at each.
func BenchmarkBaselineRuntimeQuerySliceScan(b *testing.B) {
	f := loadBenchFixture(b, "tsdb")
	ctx := context.Background()
	decoded := make([][][]store.Point, len(f.targets))
	for i, t := range f.targets {
		got, err := f.read(ctx, t.Name)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range f.raw {
			decoded[i] = append(decoded[i], got[name])
		}
	}
	workers := runtime.GOMAXPROCS(0)
	sums := make([]float64, workers)
	counts := make([]int, workers)
	b.ReportAllocs()
	for b.Loop() {
		clear(sums)
		clear(counts)
		_ = eachTarget(len(decoded), func(w, i int) error {
			// Local accumulators: workers writing to neighbouring elements per point would
			// contend for one cache line and measure that instead.
			var s float64
			var n int
			for _, pts := range decoded[i] {
				for _, p := range pts {
					s += p.V
				}
				n += len(pts)
			}
			sums[w] += s
			counts[w] += n
			return nil
		})
	}
	if n := sum(counts); n != f.points {
		b.Fatalf("scanned %d points, want %d", n, f.points)
	}
	b.ReportMetric(float64(f.points), "points/op")
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
