package store

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/tsdb"

	"github.com/leakwatch/pprof-datasource/internal/tsdbstats"
)

// The numbers of these benchmarks are quoted in docs/benchmarks.md. Run them with
//
//	go test -run=NONE -bench=. -benchmem ./pkg/store

const (
	benchTargets      = 100
	benchScrapesPer24 = 24 * 3600 * 1000 / scrapeMs // 5760
)

// selectFixture is a TSDB holding 24 h of 15 s scrapes of selectSeries for benchTargets
// targets, built once per test binary because loading it takes several seconds.
var selectFixture struct {
	once     sync.Once
	err      error
	dir      string
	s        *TSDB
	from, to int64
	targets  []string
	points   int
}

func TestMain(m *testing.M) {
	code := m.Run()
	if selectFixture.s != nil {
		_ = selectFixture.s.Close()
	}
	if selectFixture.dir != "" {
		_ = os.RemoveAll(selectFixture.dir)
	}
	os.Exit(code)
}

// loadSelectFixture writes the Select benchmark's data with production settings (2 h blocks,
// 7 d retention, so blocks are merged up to 6 h) and compacts what the TSDB would have
// compacted by the time the last scrape arrives: the 24 h end up in blocks plus a head of
// the last 2-3 h, as on a dashboard showing the last day.
func loadSelectFixture(b *testing.B) {
	f := &selectFixture
	f.once.Do(func() {
		f.dir, f.err = os.MkdirTemp("", "store-bench-select-")
		if f.err != nil {
			return
		}
		f.s, f.err = OpenTSDB(f.dir, TSDBOptions{Retention: DefaultRetention})
		if f.err != nil {
			return
		}
		d := newDataset(benchTargets, selectSeries, 1)
		f.targets = d.targets
		f.from = d.t
		ctx := context.Background()
		start := time.Now()
		var batch []Sample
		for range benchScrapesPer24 {
			batch, f.to = d.next(batch[:0])
			if f.err = f.s.Append(ctx, batch); f.err != nil {
				return
			}
		}
		if f.err = f.s.db.Compact(ctx); f.err != nil {
			return
		}
		stats := f.s.AppendStats()
		f.points = int(stats.Appended)
		if stats.Appended != uint64(benchTargets*len(selectSeries)*benchScrapesPer24) {
			f.err = fmt.Errorf("fixture lost samples: %+v", stats)
			return
		}
		b.Logf("loaded %d samples in %s: %d blocks, head from %s", stats.Appended, time.Since(start).Round(time.Millisecond),
			len(f.s.db.Blocks()), time.Duration(f.s.db.Head().MinTime()-f.from)*time.Millisecond)
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
}

// reportCPU reports the CPU time per op the process used since start (from processCPU),
// user and system, next to wall time: on a shared machine wall time also counts the time
// other processes held the cores.
func reportCPU(b *testing.B, start time.Duration) {
	if end, ok := processCPU(); ok {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkSelect24h100Targets10Series measures the dashboard's hot path: one op reads every
// series of every target over the full 24 h (100 Select calls of 10 series, 5.76 M points).
func BenchmarkSelect24h100Targets10Series(b *testing.B) {
	loadSelectFixture(b)
	f := &selectFixture
	ctx := context.Background()
	b.ReportAllocs()
	cpu, _ := processCPU()
	for b.Loop() {
		n := 0
		for _, target := range f.targets {
			got, err := f.s.Select(ctx, target, selectSeries, f.from, f.to)
			if err != nil {
				b.Fatal(err)
			}
			for _, pts := range got {
				n += len(pts)
			}
		}
		if n != f.points {
			b.Fatalf("selected %d points, want %d", n, f.points)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(f.points), "points/op")
}

// BenchmarkSelect24h100Targets10Series2Workers is the same op with the 100 Select calls
// spread over two goroutines, as Grafana runs a dashboard's queries concurrently.
func BenchmarkSelect24h100Targets10Series2Workers(b *testing.B) {
	loadSelectFixture(b)
	f := &selectFixture
	ctx := context.Background()
	b.ReportAllocs()
	cpu, _ := processCPU()
	for b.Loop() {
		var wg sync.WaitGroup
		counts := make([]int, 2)
		errs := make([]error, 2)
		for w := range 2 {
			wg.Go(func() {
				for i := w; i < len(f.targets); i += 2 {
					got, err := f.s.Select(ctx, f.targets[i], selectSeries, f.from, f.to)
					if err != nil {
						errs[w] = err
						return
					}
					for _, pts := range got {
						counts[w] += len(pts)
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		if counts[0]+counts[1] != f.points {
			b.Fatalf("selected %d points, want %d", counts[0]+counts[1], f.points)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(f.points), "points/op")
}

// BenchmarkBaselineSelect24hSliceScan is the floor for the Select benchmark: summing the same
// points when they already sit decoded in Go slices, which is what any store must at least
// hand over.
func BenchmarkBaselineSelect24hSliceScan(b *testing.B) {
	loadSelectFixture(b)
	f := &selectFixture
	ctx := context.Background()
	var decoded [][]Point
	for _, target := range f.targets {
		got, err := f.s.Select(ctx, target, selectSeries, f.from, f.to)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range selectSeries {
			decoded = append(decoded, got[name])
		}
	}
	b.ReportAllocs()
	var sum float64
	var n int
	cpu, _ := processCPU()
	for b.Loop() {
		sum, n = sumPoints(decoded)
	}
	if n != f.points || math.IsNaN(sum) {
		b.Fatalf("scanned %d points, want %d", n, f.points)
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(n), "points/op")
}

// sumPoints is the baseline's work, in a function of its own: within a b.Loop body the
// compiler keeps every assigned variable alive (testing.B.Loop), which would store the running
// sum to memory after each point and make the floor about three times slower than it is.
func sumPoints(decoded [][]Point) (sum float64, n int) {
	for _, pts := range decoded {
		for _, p := range pts {
			sum += p.V
		}
		n += len(pts)
	}
	return sum, n
}

// BenchmarkStoredBytesPerSample writes 24 h of all 20 raw series of 10 targets (19 MemStats
// series on the 15 s grid and the per-GC pause series at irregular millisecond timestamps),
// compacts everything into blocks and reports the block bytes per stored sample.
//
// Counted: each block's chunks/ segment files and its index, i.e. the encoded samples plus
// the per-series postings, labels and chunk references that a query needs. Not counted:
// meta.json and tombstones (a few hundred bytes per block whatever the data), the WAL and
// the head chunks (transient: truncated once the head is compacted). The baseline is 16
// bytes per sample, an uncompressed int64 timestamp and float64 value.
func BenchmarkStoredBytesPerSample(b *testing.B) {
	ctx := context.Background()
	var bytes, chunkBytes, indexBytes, samples int64
	var perSeries map[string][2]int64
	for b.Loop() {
		dir := b.TempDir()
		// 2 h blocks as in production: small next to the 24 h written, so nearly everything is
		// compacted by the TSDB itself; the rest of the head is compacted explicitly below.
		s, err := OpenTSDB(dir, TSDBOptions{Retention: DefaultRetention, MinBlockDuration: 2 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		d := newDataset(10, allSeries, 2)
		var batch []Sample
		for range benchScrapesPer24 {
			batch, _ = d.next(batch[:0])
			if err := s.Append(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		if st := s.AppendStats(); st.Duplicates+st.OutOfOrder+st.TooOld != 0 {
			b.Fatalf("samples were dropped: %+v", st)
		}
		if err := s.db.Compact(ctx); err != nil {
			b.Fatal(err)
		}
		head := s.db.Head()
		if err := s.db.CompactHead(tsdb.NewRangeHead(head, head.MinTime(), head.MaxTime())); err != nil {
			b.Fatal(err)
		}
		bytes, chunkBytes, indexBytes, samples = 0, 0, 0, 0
		for _, blk := range s.db.Blocks() {
			meta := blk.Meta()
			samples += int64(meta.Stats.NumSamples)
			blockDir := filepath.Join(dir, meta.ULID.String())
			c := dirSize(b, filepath.Join(blockDir, "chunks"))
			i := fileSize(b, filepath.Join(blockDir, "index"))
			chunkBytes += c
			indexBytes += i
			bytes += c + i
		}
		if want := int64(s.AppendStats().Appended); samples != want {
			b.Fatalf("blocks hold %d samples, %d were appended", samples, want)
		}
		if perSeries, err = tsdbstats.ChunkBytesPerSeries(s.db); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	bps := float64(bytes) / float64(samples)
	b.ReportMetric(bps, "bytes/sample")
	b.ReportMetric(float64(chunkBytes)/float64(samples), "chunk-bytes/sample")
	b.ReportMetric(float64(indexBytes)/float64(samples), "index-bytes/sample")
	b.ReportMetric(16/bps, "x-smaller-than-16B")
	b.ReportMetric(float64(samples), "samples")
	names := make([]string, 0, len(perSeries))
	for n := range perSeries {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, c := perSeries[names[i]], perSeries[names[j]]
		return float64(a[0])/float64(a[1]) > float64(c[0])/float64(c[1])
	})
	// Four series a line: the benchmark output keeps only the first ten lines of a log.
	var table strings.Builder
	for i, n := range names {
		if i%4 == 0 {
			table.WriteString("\n")
		}
		v := perSeries[n]
		fmt.Fprintf(&table, "%-13s %5.2f  ", n, float64(v[0])/float64(v[1]))
	}
	b.Logf("chunk bytes per sample by series, most expensive first:%s", table.String())
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

// BenchmarkAppendScrape is the per-scrape cost: one Append of one target's 20 samples into
// a TSDB that compacts and truncates its WAL in the background, as in production.
func BenchmarkAppendScrape(b *testing.B) {
	s, err := OpenTSDB(b.TempDir(), TSDBOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sim := newMemstatsSim(3)
	const distinct = 4096
	vals := make([][]float64, distinct)
	pauses := make([]float64, distinct)
	for i := range vals {
		var p []Point
		p = sim.step(datasetStartMs+int64(i)*scrapeMs, p)
		vals[i] = sim.values(nil)
		if len(p) > 0 {
			pauses[i] = p[0].V
		} else {
			pauses[i] = 150_000
		}
	}
	batch := make([]Sample, len(allSeries))
	for j, name := range allSeries {
		batch[j] = Sample{Target: "svc-000", Series: name}
	}
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		ts := datasetStartMs + int64(i)*scrapeMs
		v := vals[i%distinct]
		for j := range gridSeries {
			batch[j].T, batch[j].V = ts, v[j]
		}
		pause := &batch[len(gridSeries)]
		pause.T, pause.V = ts-scrapeMs/3, pauses[i%distinct]
		if err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if st := s.AppendStats(); st.Appended != uint64(i*len(allSeries)) {
		b.Fatalf("appended %d of %d samples: %+v", st.Appended, i*len(allSeries), st)
	}
}
