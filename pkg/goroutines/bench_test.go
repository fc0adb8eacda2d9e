package goroutines

import (
	"bufio"
	"bytes"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchGoroutines is the goroutine count of the benchmark dumps: the target of ~10k.
const benchGoroutines = 10000

// benchDepths are the recursion depths of the benchmark dumps. With this package's long
// function names and paths, 12 calls (15 frames with the wrapper and created-by lines)
// give the ~20 MB dump of the goal; 20 calls give ~20 frames per goroutine and ~33 MB.
var benchDepths = []struct {
	name  string
	depth int
}{{"20MB", 12}, {"20frames", 20}}

var (
	benchMu   sync.Mutex
	benchRaws = map[int][]byte{}
)

//go:noinline
func benchRecurse(depth int, release <-chan struct{}, ready *sync.WaitGroup) int {
	if depth == 0 {
		ready.Done()
		<-release
		return 0
	}
	return benchRecurse(depth-1, release, ready) + 1
}

// benchDump returns a real debug=2 dump of benchGoroutines goroutines blocked benchDepth
// calls deep. They are released once the dump is written.
func benchDump(b *testing.B, depth int) []byte {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if raw, ok := benchRaws[depth]; ok {
		return raw
	}
	{
		release := make(chan struct{})
		var ready, done sync.WaitGroup
		ready.Add(benchGoroutines)
		done.Add(benchGoroutines)
		for range benchGoroutines {
			go func() {
				defer done.Done()
				benchRecurse(depth, release, &ready)
			}()
		}
		ready.Wait()
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
			b.Fatal(err)
		}
		close(release)
		done.Wait()
		benchRaws[depth] = buf.Bytes()
	}
	return benchRaws[depth]
}

// forDepths runs fn as a sub-benchmark per entry of benchDepths.
func forDepths(b *testing.B, fn func(b *testing.B, raw []byte)) {
	for _, d := range benchDepths {
		b.Run(d.name, func(b *testing.B) { fn(b, benchDump(b, d.depth)) })
	}
}

// BenchmarkParseDump parses the dump; compare with BenchmarkScanLinesBaseline, the cost of
// only splitting the same bytes into lines.
func BenchmarkParseDump(b *testing.B) { forDepths(b, benchParseDump) }

func benchParseDump(b *testing.B, raw []byte) {
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := ParseDump(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Goroutines) < benchGoroutines {
			b.Fatalf("parsed %d goroutines", len(d.Goroutines))
		}
	}
	b.ReportMetric(float64(len(raw))/1e6, "dump-MB")
}

func BenchmarkScanLinesBaseline(b *testing.B) { forDepths(b, benchScanLines) }

func benchScanLines(b *testing.B, raw []byte) {
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 0, 64<<10), maxLine)
		n := 0
		for sc.Scan() {
			n++
		}
		if n == 0 {
			b.Fatal("no lines")
		}
	}
}

// BenchmarkParseDumpMemory measures the heap a parse needs, relative to the dump's size:
// the peak live heap while parsing (HeapAlloc sampled every 200 µs, minus the heap before)
// and what the result keeps alive after a GC.
func BenchmarkParseDumpMemory(b *testing.B) { forDepths(b, benchParseDumpMemory) }

func benchParseDumpMemory(b *testing.B, raw []byte) {
	var peak, retained float64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		stop := make(chan struct{})
		maxSeen := make(chan uint64)
		go func() {
			var m runtime.MemStats
			var hi uint64
			t := time.NewTicker(200 * time.Microsecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					maxSeen <- hi
					return
				case <-t.C:
					runtime.ReadMemStats(&m)
					hi = max(hi, m.HeapAlloc)
				}
			}
		}()
		d, err := ParseDump(bytes.NewReader(raw))
		close(stop)
		hi := <-maxSeen
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(d)
		peak = max(peak, float64(hi-min(hi, before)))
		retained = max(retained, float64(ms.HeapAlloc-min(ms.HeapAlloc, before)))
	}
	size := float64(len(raw))
	b.ReportMetric(peak/1e6, "peak-MB")
	b.ReportMetric(retained/1e6, "retained-MB")
	b.ReportMetric(peak/size, "peak/dump")
	b.ReportMetric(retained/size, "retained/dump")
}

// BenchmarkSummarizeDump measures the reduction and encoding of the parsed dump, and
// reports the stored blob's size.
func BenchmarkSummarizeDump(b *testing.B) {
	d, err := ParseDump(bytes.NewReader(benchDump(b, benchDepths[0].depth)))
	if err != nil {
		b.Fatal(err)
	}
	var blob []byte
	b.ReportAllocs()
	for b.Loop() {
		blob, err = SummarizeDump(d).Marshal()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(blob)), "blob-B")
}

// benchDay builds a day of snapshots of one target: a debug=1 summary every 15 s and a
// debug=2 summary every 5 min, 200 groups, a fifth of them leaking.
func benchDay() []Timed {
	const groups = 200
	var snaps []Timed
	for i := range 24 * 60 * 4 {
		at := t0.Add(time.Duration(i) * 15 * time.Second)
		dump := i%20 == 0
		s := &Summary{Source: SourceGrouped}
		if dump {
			s.Source, s.MaxID = SourceDump, int64(1000+i)
		}
		for g := range groups {
			n := 10 + g%7
			if g%5 == 0 {
				n += i / 40
			}
			sg := SummaryGroup{TopFunc: "main.worker" + strconv.Itoa(g), TopSite: "/src/app/worker.go:" + strconv.Itoa(g), Count: n}
			if dump {
				sg.Creator, sg.CreatorSite = "main.start"+strconv.Itoa(g), "/src/app/start.go:"+strconv.Itoa(g)
				sg.States = map[string]int{"chan receive": n}
				sg.Waits = map[string]map[int]int{"chan receive": {i / 4: n / 2}}
			}
			s.Groups = append(s.Groups, sg)
			s.Total += n
		}
		snaps = append(snaps, Timed{Time: at, Summary: s})
	}
	return snaps
}

// BenchmarkVerdictsDay is the analysis cost of a one-day goroutines query of one target.
func BenchmarkVerdictsDay(b *testing.B) {
	snaps := benchDay()
	b.ReportAllocs()
	for b.Loop() {
		for _, by := range []GroupBy{ByCreator, ByTopFrame} {
			if v := Verdicts(snaps, VerdictOptions{By: by, TopN: -1}); len(v) == 0 {
				b.Fatal("no verdicts")
			}
		}
	}
	b.ReportMetric(float64(len(snaps)), "snapshots")
}
