package collector

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/tsdb"

	"github.com/leakwatch/pprof-datasource/internal/tsdbstats"
	"github.com/leakwatch/pprof-datasource/pkg/memstats"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// The numbers of this benchmark are quoted in docs/benchmarks.md. Run it with
//
//	go test -run=NONE -bench=StoredBytesPerSample -benchmem ./pkg/collector
//
// BenchmarkStoredBytesPerSample measures what the plugin really writes to disk per sample:
// the MemStats come from the Go runtime of this very process, which runs a workload
// (garbage allocated at a jittered rate, a slowly growing retained map, a wandering and
// slowly leaking number of goroutines) while a sampler calls runtime.ReadMemStats at a short
// real period. Each snapshot is stamped on the 15 s grid the collector uses and goes through
// samplesFor and store.TSDB.Append exactly as a scrape does.
//
// Time is scaled, not simulated: snapshot i of a run becomes the scrape of tick i, and
// every real instant the runtime reports (PauseEnd, LastGC) is mapped onto the synthetic
// clock by linear interpolation between the real times of the two snapshots around it. What
// the encoding sees between two scrapes is therefore what the runtime produced between two
// real snapshots: the number of GC cycles, their pauses and relative end times, the bytes and
// objects allocated, the heap, stack and goroutine movements.

const (
	benchInterval = 15 * time.Second
	benchScrapes  = 24 * 3600 / 15 // 5760: 24 h at 15 s
	benchTargets  = 10
	// benchSamplesPerChunk mirrors the store's samplesPerChunk, so that the head re-opened
	// below to compact what the store left in it cuts its last chunks the same way.
	benchSamplesPerChunk = 240
)

// benchStart is the first tick: a 15 s grid point, as Truncate(interval) makes it.
var benchStart = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// workload describes one real run of the runtime and how it is scaled onto the grid.
type workload struct {
	name string
	// gcPerScrape is the mean number of GC cycles wanted between two snapshots: the
	// allocation rate is calibrated to it.
	gcPerScrape float64
	// period is the real time between two snapshots.
	period time.Duration
	// warmup snapshots run before the recorded ones, long enough for the 256-entry pause
	// ring of the first recorded snapshot to hold only cycles of this run.
	warmup int
	// recorded is the number of snapshots kept; a target's 24 h replay them (see replay).
	recorded int
	seed     uint64
}

var workloads = []workload{
	// A busy service: a GC every few seconds, so several cycles between two 15 s scrapes.
	{name: "busy", gcPerScrape: 4, period: 14 * time.Millisecond, warmup: 100, recorded: 1440, seed: 1},
	// A calm service: about one GC per minute, i.e. one per four scrapes.
	{name: "calm", gcPerScrape: 0.25, period: 2 * time.Millisecond, warmup: 1200, recorded: 2880, seed: 2},
}

// snapRecord is the part of a runtime.MemStats snapshot that is not in the pause ring, plus
// the goroutine count and the real time it was taken. The rings are rebuilt from runData.hist.
type snapRecord struct {
	atNs                                                  int64
	alloc, totalAlloc, sys, mallocs, frees                uint64
	heapAlloc, heapSys, heapIdle, heapInuse, heapReleased uint64
	heapObjects, stackInuse, stackSys, nextGC, pauseTotal uint64
	lastGC                                                uint64
	numGC, numForcedGC                                    uint32
	gcCPUFraction                                         float64
	goroutines                                            int
}

// cycle is one GC cycle as the runtime's ring reported it.
type cycle struct {
	pauseNs, endNs uint64
	// idx is endNs on the recorded-index clock: recorded snapshot i is at i, so a cycle
	// ending between snapshots i-1 and i has idx in (i-1, i]; warm-up cycles are negative.
	idx float64
}

// runData is one workload's real run.
type runData struct {
	w    workload
	recs []snapRecord // warm-up then recorded snapshots
	// hist holds every cycle from firstGC on: hist[k-firstGC] is cycle k.
	hist    []cycle
	firstGC uint32
	// bytesPerGC is the calibrated allocation between two GC cycles, for the report.
	bytesPerGC  float64
	realPeriods []float64 // seconds between consecutive recorded snapshots
}

var benchRuns struct {
	once sync.Once
	runs map[string]*runData
	err  error
}

// loadRuns generates every workload's run once per test binary, before any store work, so
// each run starts from the same quiet process.
func loadRuns(b *testing.B) map[string]*runData {
	benchRuns.once.Do(func() {
		benchRuns.runs = map[string]*runData{}
		for _, w := range workloads {
			start := time.Now()
			rd, err := generateRun(w)
			if err != nil {
				benchRuns.err = err
				return
			}
			b.Logf("%s: %d real snapshots every %s in %s", w.name, len(rd.recs), w.period, time.Since(start).Round(time.Millisecond))
			benchRuns.runs[w.name] = rd
		}
	})
	if benchRuns.err != nil {
		b.Fatal(benchRuns.err)
	}
	return benchRuns.runs
}

// leakEntry is what the workload retains forever: pointerful, so the GC marks it.
type leakEntry struct {
	next *leakEntry
	_    [448]byte // size only
}

// node is the small garbage object most allocations are; its pointer field makes the GC
// scan it, though it is left nil so that no chain of old nodes stays reachable.
type node struct {
	_ *node    // pointerful, never set
	_ [48]byte // size only
}

// garbage is the allocator's churn: recently allocated objects stay reachable for a moment,
// as request-scoped data does.
type garbage struct {
	nodes [1024]*node
	bufs  [256][]byte
	leak  map[int]*leakEntry
	last  *leakEntry
}

// allocOne allocates one object: nine in ten are 64-byte nodes, the rest byte buffers of 1 to
// 16 KiB, log-uniform. It returns the bytes requested.
func (g *garbage) allocOne(r *rand.Rand) int {
	if r.IntN(10) != 0 {
		i := r.IntN(len(g.nodes))
		g.nodes[i] = &node{}
		return 64
	}
	n := 1024 << r.IntN(4)
	n += r.IntN(n)
	g.bufs[r.IntN(len(g.bufs))] = make([]byte, n)
	return n
}

// generateRun runs the workload and records its snapshots.
func generateRun(w workload) (*runData, error) {
	runtime.GC()
	total := w.warmup + w.recorded
	rd := &runData{w: w, recs: make([]snapRecord, 0, total)}
	// The pause history is sized up front so that recording allocates nothing in the heap
	// being observed; 2.5 times the wanted rate absorbs a faster than calibrated run.
	rd.hist = make([]cycle, 0, memstats.RingSize+int(float64(total)*w.gcPerScrape*2.5)+64)
	rd.realPeriods = make([]float64, 0, w.recorded)
	var rt runtime.MemStats

	g := &garbage{leak: map[int]*leakEntry{}}
	r := rand.New(rand.NewPCG(w.seed, 0x5eed))

	// Calibrate: allocate flat out until 20 cycles have run to learn the bytes per cycle.
	runtime.ReadMemStats(&rt)
	gc0, alloc0 := rt.NumGC, rt.TotalAlloc
	for rt.NumGC < gc0+20 {
		for range 4096 {
			g.allocOne(r)
		}
		runtime.ReadMemStats(&rt)
	}
	rd.bytesPerGC = float64(rt.TotalAlloc-alloc0) / float64(rt.NumGC-gc0)
	rate := w.gcPerScrape * rd.bytesPerGC / w.period.Seconds() // bytes per real second
	// The leak grows the live heap by about 1.5 MiB over the run.
	runSecs := float64(total) * w.period.Seconds()
	leakPerByte := 1.5 * (1 << 20) / (rate * runSecs)
	// A daily load cycle of ±25 %, compressed so that 24 h of grid time last 5760 periods.
	daySecs := float64(benchScrapes) * w.period.Seconds()

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ar := rand.New(rand.NewPCG(w.seed, 0xa11c))
		start := time.Now()
		last := start
		var credit, leakDebt float64
		key := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			now := time.Now()
			el := now.Sub(start).Seconds()
			credit += rate * (1 + 0.25*math.Sin(2*math.Pi*el/daySecs)) * now.Sub(last).Seconds()
			last = now
			// Catching up after a stall is bounded by one period, like a real backlog.
			credit = min(credit, rate*w.period.Seconds())
			if credit <= 0 {
				time.Sleep(200 * time.Microsecond)
				continue
			}
			// A burst of 16-112 KiB: the per-burst jitter of the rate.
			burst := (16 + ar.IntN(97)) << 10
			n := 0
			for n < burst {
				n += g.allocOne(ar)
			}
			credit -= float64(n)
			for leakDebt += float64(n) * leakPerByte; leakDebt >= 512; leakDebt -= 512 {
				e := &leakEntry{next: g.last}
				g.leak[key] = e
				g.last = e
				key++
			}
		}
	}()

	// Goroutines: a pool of parked goroutines that wanders by a few per snapshot around 40,
	// with rare bursts of 50-150 that drain away by a tenth per snapshot, and that leaks one
	// goroutine every 50 snapshots on average.
	park := make(chan struct{})
	parked, steady, burst, leaked := 0, 40, 0, 0

	var sampleErr error
	next := time.Now()
	for i := range total {
		if p := r.Float64(); p < 0.002 {
			burst += 50 + r.IntN(100)
		} else if p < 0.5 {
			steady = max(steady+r.IntN(7)-3, 8)
		} else if p < 0.6 && steady != 40 {
			steady += (40 - steady) / abs(40-steady) // drift back towards 40
		}
		burst -= (burst + 9) / 10
		if r.IntN(50) == 0 {
			leaked++
		}
		for want := steady + burst + leaked; parked != want; {
			if parked < want {
				go func() { <-park }()
				parked++
			} else {
				park <- struct{}{}
				parked--
			}
		}

		next = next.Add(w.period)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		} else {
			next = time.Now() // fell behind: restart the schedule rather than burst
		}
		runtime.ReadMemStats(&rt)
		at := time.Now().UnixNano()
		goroutines := runtime.NumGoroutine()
		if err := rd.record(&rt, at, goroutines, i == 0); err != nil {
			sampleErr = err
			break
		}
		if i > w.warmup {
			rd.realPeriods = append(rd.realPeriods, float64(at-rd.recs[i-1].atNs)/1e9)
		}
	}
	close(stop)
	<-done
	close(park) // releases every parked goroutine
	runtime.KeepAlive(g)
	if sampleErr != nil {
		return nil, sampleErr
	}
	return rd, rd.index()
}

// record appends one snapshot and the cycles that ended since the previous one (the whole
// ring for the first snapshot).
func (rd *runData) record(rt *runtime.MemStats, at int64, goroutines int, first bool) error {
	if first {
		rd.firstGC = 1
		if rt.NumGC > memstats.RingSize {
			rd.firstGC = rt.NumGC - memstats.RingSize + 1
		}
	} else if prev := rd.recs[len(rd.recs)-1].numGC; rt.NumGC-prev >= memstats.RingSize {
		return fmt.Errorf("%d GC cycles between two snapshots overflow the pause ring", rt.NumGC-prev)
	}
	if rt.NumGC > 0 && rt.LastGC != rt.PauseEnd[(rt.NumGC-1)%memstats.RingSize] {
		return fmt.Errorf("LastGC %d differs from the newest PauseEnd %d", rt.LastGC, rt.PauseEnd[(rt.NumGC-1)%memstats.RingSize])
	}
	for k := rd.firstGC + uint32(len(rd.hist)); k <= rt.NumGC; k++ {
		if len(rd.hist) == cap(rd.hist) {
			return fmt.Errorf("more GC cycles than sized for: %d", len(rd.hist))
		}
		i := (k - 1) % memstats.RingSize
		rd.hist = append(rd.hist, cycle{pauseNs: rt.PauseNs[i], endNs: rt.PauseEnd[i]})
	}
	rd.recs = append(rd.recs, snapRecord{
		atNs: at, alloc: rt.Alloc, totalAlloc: rt.TotalAlloc, sys: rt.Sys, mallocs: rt.Mallocs, frees: rt.Frees,
		heapAlloc: rt.HeapAlloc, heapSys: rt.HeapSys, heapIdle: rt.HeapIdle, heapInuse: rt.HeapInuse,
		heapReleased: rt.HeapReleased, heapObjects: rt.HeapObjects, stackInuse: rt.StackInuse, stackSys: rt.StackSys,
		nextGC: rt.NextGC, pauseTotal: rt.PauseTotalNs, lastGC: rt.LastGC, numGC: rt.NumGC, numForcedGC: rt.NumForcedGC,
		gcCPUFraction: rt.GCCPUFraction, goroutines: goroutines,
	})
	return nil
}

// index puts every cycle end and LastGC on the recorded-index clock.
func (rd *runData) index() error {
	for i := range rd.hist {
		rd.hist[i].idx = rd.realToIdx(int64(rd.hist[i].endNs))
	}
	// Every cycle a recorded snapshot's ring holds must lie within the run, so that its end
	// time maps between two real snapshots rather than being extrapolated; and a pass must
	// run more cycles than the ring holds, for replay to map each ring entry to one pass.
	first, last := rd.recs[rd.w.warmup], rd.recs[len(rd.recs)-1]
	if oldest := max(first.numGC, memstats.RingSize) - memstats.RingSize + 1; oldest < rd.firstGC ||
		rd.cycleAt(oldest).endNs < uint64(rd.recs[0].atNs) {
		return fmt.Errorf("%s: a warm-up of %d snapshots is too short to fill the pause ring (%d cycles)",
			rd.w.name, rd.w.warmup, first.numGC-rd.recs[0].numGC)
	}
	if last.numGC-first.numGC < memstats.RingSize {
		return fmt.Errorf("%s: only %d GC cycles recorded, fewer than the pause ring holds", rd.w.name, last.numGC-first.numGC)
	}
	return nil
}

// realToIdx maps a real Unix-ns instant onto the recorded-index clock by interpolating
// between the snapshots around it.
func (rd *runData) realToIdx(t int64) float64 {
	recs := rd.recs
	w := float64(rd.w.warmup)
	m := sort.Search(len(recs), func(i int) bool { return recs[i].atNs >= t })
	switch {
	case m == 0:
		return -w - float64(recs[0].atNs-t)/float64(rd.w.period)
	case m == len(recs):
		m = len(recs) - 1
	}
	a, c := recs[m-1].atNs, recs[m].atNs
	return float64(m-1) - w + float64(t-a)/float64(c-a)
}

func (rd *runData) cycleAt(k uint32) cycle { return rd.hist[k-rd.firstGC] }

// replay builds a target's 24 h from the recorded snapshots. The run is shorter than 24 h
// (real GC cycles cost real time), so a target walks the recorded snapshots from its own
// offset and, at the end, starts over with every cumulative value (TotalAlloc, Mallocs,
// Frees, NumGC, PauseTotalNs, NumForcedGC) and the clock continuing: GC cycle k of the q-th
// pass is cycle k + q·G, G being the cycles of one pass. Each pair of consecutive scrapes is
// then a real pair, except the one across a restart of the walk (one in `recorded`), where
// the counters stand still and the gauges jump back to the first snapshot's values.
type replay struct {
	rd       *runData
	target   string
	offset   int    // first recorded snapshot this target reads
	tick0Ms  int64  // the target's first tick
	cycles   uint32 // G
	perPass  [5]uint64
	latency  *rand.Rand
	buf      memstats.MemStats
	snapshot scrape.Snapshot
}

func newReplay(rd *runData, j int) *replay {
	name := fmt.Sprintf("svc-%02d", j)
	// The collector's own per-target offset within the interval.
	c := &Collector{interval: benchInterval, seed: "bench"}
	first, last := rd.recs[rd.w.warmup], rd.recs[len(rd.recs)-1]
	return &replay{
		rd: rd, target: name, offset: j * rd.w.recorded / benchTargets,
		tick0Ms: benchStart.Add(c.offset(name)).UnixMilli(),
		cycles:  last.numGC - first.numGC,
		perPass: [5]uint64{
			last.totalAlloc - first.totalAlloc, last.mallocs - first.mallocs, last.frees - first.frees,
			last.pauseTotal - first.pauseTotal, uint64(last.numForcedGC - first.numForcedGC),
		},
		latency: rand.New(rand.NewPCG(rd.w.seed, uint64(j))),
	}
}

// ns maps a recorded-index instant of pass q to the target's Unix nanoseconds.
func (p *replay) ns(q int, idx float64) uint64 {
	v := float64(q*p.rd.w.recorded-p.offset) + idx
	return uint64(p.tick0Ms*1e6 + int64(math.Round(v*float64(benchInterval))))
}

// scrape returns the snapshot of the target's n-th tick and that tick in Unix ms.
func (p *replay) scrape(n int) (*scrape.Snapshot, int64) {
	rd := p.rd
	v := p.offset + n
	q, i := v/rd.w.recorded, v%rd.w.recorded
	r := &rd.recs[rd.w.warmup+i]
	m := &p.buf
	dq := uint64(q)
	*m = memstats.MemStats{
		Alloc: r.alloc, TotalAlloc: r.totalAlloc + dq*p.perPass[0], Sys: r.sys,
		Mallocs: r.mallocs + dq*p.perPass[1], Frees: r.frees + dq*p.perPass[2],
		HeapAlloc: r.heapAlloc, HeapSys: r.heapSys, HeapIdle: r.heapIdle, HeapInuse: r.heapInuse,
		HeapReleased: r.heapReleased, HeapObjects: r.heapObjects, StackInuse: r.stackInuse, StackSys: r.stackSys,
		NextGC: r.nextGC, PauseTotalNs: r.pauseTotal + dq*p.perPass[3], HasPauseTotal: true,
		NumGC: r.numGC + uint32(q)*p.cycles, NumForcedGC: r.numForcedGC + uint32(dq*p.perPass[4]),
		GCCPUFraction: r.gcCPUFraction,
	}
	// The ring: virtual cycle vk of pass q is recorded cycle vk - q'·G of the pass q' that
	// ran it, the newest pass whose cycles reach that far.
	lastK := rd.recs[len(rd.recs)-1].numGC
	for vk := m.NumGC; vk > 0 && m.NumGC-vk < memstats.RingSize; vk-- {
		pq := 0
		if vk > lastK {
			pq = int((vk - lastK + p.cycles - 1) / p.cycles)
		}
		c := rd.cycleAt(vk - uint32(pq)*p.cycles)
		ri := (vk - 1) % memstats.RingSize
		m.PauseNs[ri] = c.pauseNs
		m.PauseEnd[ri] = p.ns(pq, c.idx)
	}
	// The runtime sets LastGC and the newest PauseEnd from one clock reading (record checks).
	if r.lastGC != 0 && m.NumGC > 0 {
		m.LastGC = m.PauseEnd[(m.NumGC-1)%memstats.RingSize]
	}
	tick := p.tick0Ms + int64(n)*benchInterval.Milliseconds()
	// The response arrives a few milliseconds after the tick.
	arrive := time.UnixMilli(tick).Add(time.Duration(2+p.latency.IntN(6)) * time.Millisecond)
	p.snapshot = scrape.Snapshot{
		Time: arrive, MemStats: m, Source: scrape.SourceExpvar,
		Goroutines: r.goroutines, HasGoroutines: true,
	}
	return &p.snapshot, tick
}

// BenchmarkStoredBytesPerSample writes 24 h of benchTargets targets scraped every 15 s
// through samplesFor into a store.TSDB with the production block size, compacts everything
// into blocks and reports the block bytes per stored sample, overall and per series.
//
// Counted, as in the store package's benchmark: each block's chunks/ segment files and its
// index. Not counted: meta.json and tombstones (a few hundred bytes per block whatever the
// data), the WAL and the head chunks (transient). The baseline is 16 bytes per sample, an
// uncompressed int64 timestamp and float64 value.
func BenchmarkStoredBytesPerSample(b *testing.B) {
	benchStoredBytes(b)
}

func benchStoredBytes(b *testing.B) {
	runs := loadRuns(b)
	for _, w := range workloads {
		rd := runs[w.name]
		b.Run(w.name, func(b *testing.B) {
			var res blockStats
			var appended store.AppendStats
			for b.Loop() {
				res, appended = writeDay(b, rd)
			}
			bps := float64(res.bytes) / float64(res.samples)
			b.ReportMetric(bps, "bytes/sample")
			b.ReportMetric(float64(res.chunkBytes)/float64(res.samples), "chunk-bytes/sample")
			b.ReportMetric(float64(res.indexBytes)/float64(res.samples), "index-bytes/sample")
			b.ReportMetric(16/bps, "x-smaller-than-16B")
			b.ReportMetric(float64(res.samples), "samples")
			b.ReportMetric(float64(res.bytes)/benchTargets/1024, "KiB/target-day")
			// Samples of the first scrape's pause ring older than the head accepts (half a
			// block before its newest sample) are dropped, as they are in production when
			// the plugin starts; only a ring spanning more than an hour has any.
			b.ReportMetric(float64(appended.TooOld), "dropped-too-old")
			b.ReportMetric(rd.gcPerScrape(), "gc/scrape")
			b.Logf("%s", rd.describe())
			b.Logf("%s", res.table())
		})
	}
}

// writeDay appends every target's 24 h, one Append per scrape as the collector does,
// then compacts all of it into blocks and measures them.
func writeDay(b *testing.B, rd *runData) (blockStats, store.AppendStats) {
	ctx := context.Background()
	dir := b.TempDir()
	opts := store.TSDBOptions{Retention: store.DefaultRetention, MinBlockDuration: store.DefaultMinBlockDuration}
	s, err := store.OpenTSDB(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	replays := make([]*replay, benchTargets)
	procs := make([]process, benchTargets)
	for j := range replays {
		replays[j] = newReplay(rd, j)
	}
	for n := range benchScrapes {
		for j, p := range replays {
			snap, tick := p.scrape(n)
			batch := samplesFor(p.target, tick, snap, &procs[j])
			if err := s.Append(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	for j := range procs {
		if start := newReplay(rd, j).tick0Ms / 1000; int64(procs[j].start) != start {
			b.Fatalf("%s was taken for a restarted process (start %v, first seen %d)", replays[j].target, procs[j].start, start)
		}
	}
	appended := s.AppendStats()
	if appended.Duplicates+appended.OutOfOrder > 0 {
		b.Fatalf("the replayed scrapes produced duplicate or out-of-order samples: %+v", appended)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	res := compactAndMeasure(b, dir, opts)
	if res.samples != int64(appended.Appended) {
		b.Fatalf("blocks hold %d samples, %d were appended", res.samples, appended.Appended)
	}
	return res, appended
}

// blockStats is what the blocks of a TSDB directory hold.
type blockStats struct {
	bytes, chunkBytes, indexBytes, samples int64
	// perSeries maps a series name to its chunk bytes and samples over all targets.
	perSeries map[string][2]int64
}

// compactAndMeasure re-opens the directory the store closed and compacts what it left in the
// head, the way the store's own background compaction would have once more samples arrived:
// first the regular plan (2 h head blocks merged into 6 h ones), then the rest of the head.
// The options mirror store.OpenTSDB's.
func compactAndMeasure(b *testing.B, dir string, o store.TSDBOptions) blockStats {
	ctx := context.Background()
	to := tsdb.DefaultOptions()
	to.RetentionDuration = o.Retention.Milliseconds()
	to.MinBlockDuration = o.MinBlockDuration.Milliseconds()
	to.MaxBlockDuration = min(max(o.Retention/10, o.MinBlockDuration), 31*24*time.Hour).Milliseconds()
	to.SamplesPerChunk = benchSamplesPerChunk
	db, err := tsdb.Open(dir, slog.New(slog.DiscardHandler), nil, to, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Compact(ctx); err != nil {
		b.Fatal(err)
	}
	head := db.Head()
	if err := db.CompactHead(tsdb.NewRangeHead(head, head.MinTime(), head.MaxTime())); err != nil {
		b.Fatal(err)
	}
	var res blockStats
	for _, blk := range db.Blocks() {
		meta := blk.Meta()
		res.samples += int64(meta.Stats.NumSamples)
		blockDir := filepath.Join(dir, meta.ULID.String())
		c := dirSize(b, filepath.Join(blockDir, "chunks"))
		i := fileSize(b, filepath.Join(blockDir, "index"))
		res.chunkBytes += c
		res.indexBytes += i
		res.bytes += c + i
	}
	if res.perSeries, err = tsdbstats.ChunkBytesPerSeries(db); err != nil {
		b.Fatal(err)
	}
	return res
}

// table lists the chunk bytes per sample and the share of samples of each series, most
// expensive first, three series a line: benchmark output keeps only the first lines of a log.
func (r blockStats) table() string {
	names := make([]string, 0, len(r.perSeries))
	for n := range r.perSeries {
		names = append(names, n)
	}
	cost := func(n string) float64 { v := r.perSeries[n]; return float64(v[0]) / float64(v[1]) }
	sort.Slice(names, func(i, j int) bool { return cost(names[i]) > cost(names[j]) })
	var t strings.Builder
	t.WriteString("chunk bytes/sample (share of samples) by series, most expensive first:")
	for i, n := range names {
		if i%3 == 0 {
			t.WriteString("\n")
		}
		fmt.Fprintf(&t, "%-22s %5.2f (%4.1f%%)  ", n, cost(n), 100*float64(r.perSeries[n][1])/float64(r.samples))
	}
	return t.String()
}

func (rd *runData) gcPerScrape() float64 {
	first, last := rd.recs[rd.w.warmup], rd.recs[len(rd.recs)-1]
	return float64(last.numGC-first.numGC) / float64(rd.w.recorded-1)
}

// describe summarises the real run behind the replayed snapshots.
func (rd *runData) describe() string {
	first, last := rd.recs[rd.w.warmup], rd.recs[len(rd.recs)-1]
	p := append([]float64(nil), rd.realPeriods...)
	sort.Float64s(p)
	steps := float64(rd.w.recorded - 1)
	return fmt.Sprintf("real run: %d snapshots (after %d warm-up) every %s (median %.2f ms, p99 %.2f ms); "+
		"%.2f GC cycles and %.1f MB (%.0f objects) allocated per snapshot, %.2f MB per cycle; "+
		"HeapAlloc %.1f-%.1f MB, NextGC %.1f-%.1f MB, goroutines %d-%d, GCCPUFraction %.4f; "+
		"replayed %.1f times per target",
		rd.w.recorded, rd.w.warmup, rd.w.period, 1e3*p[len(p)/2], 1e3*p[len(p)*99/100],
		rd.gcPerScrape(), float64(last.totalAlloc-first.totalAlloc)/steps/1e6, float64(last.mallocs-first.mallocs)/steps,
		float64(last.totalAlloc-first.totalAlloc)/float64(last.numGC-first.numGC)/1e6,
		rd.minMax(func(r *snapRecord) float64 { return float64(r.heapAlloc) / 1e6 }),
		rd.minMaxHi(func(r *snapRecord) float64 { return float64(r.heapAlloc) / 1e6 }),
		rd.minMax(func(r *snapRecord) float64 { return float64(r.nextGC) / 1e6 }),
		rd.minMaxHi(func(r *snapRecord) float64 { return float64(r.nextGC) / 1e6 }),
		int(rd.minMax(func(r *snapRecord) float64 { return float64(r.goroutines) })),
		int(rd.minMaxHi(func(r *snapRecord) float64 { return float64(r.goroutines) })),
		last.gcCPUFraction, float64(benchScrapes)/float64(rd.w.recorded))
}

func (rd *runData) minMax(f func(*snapRecord) float64) float64 {
	lo := math.Inf(1)
	for i := rd.w.warmup; i < len(rd.recs); i++ {
		lo = min(lo, f(&rd.recs[i]))
	}
	return lo
}

func (rd *runData) minMaxHi(f func(*snapRecord) float64) float64 {
	hi := math.Inf(-1)
	for i := rd.w.warmup; i < len(rd.recs); i++ {
		hi = max(hi, f(&rd.recs[i]))
	}
	return hi
}

func dirSize(b *testing.B, dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		n += fileSize(b, filepath.Join(dir, e.Name()))
	}
	return n
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
