package suspects

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// dayOfSnapshots is 24 h of one-a-minute heap snapshots.
const dayOfSnapshots = 24 * 60

// baseProfile is a real heap profile of realistic size: the Go compiler compiling net/http,
// sampled every 64 KiB (4091 samples over 1604 functions; 121 KB as .pb.gz).
const baseProfile = "testdata/compile-heap.pb.gz"

// derived is a day of snapshots derived from baseProfile: three sites leak at different
// rates, every other site's in-use values are noise around the captured value, and every
// site keeps allocating so that the cumulative totals only grow.
type derived struct {
	base *profile.Profile
	// leaks are the sample indexes of the leaking sites, fastest first, and leakFuncs their
	// allocating functions.
	leaks     []int
	leakFuncs []string
	encoded   [][]byte
}

var (
	derivedOnce sync.Once
	derivedDay  *derived
	derivedErr  error
)

// leakStep is the in-use growth per snapshot of the leaks, fastest first.
var leakStep = []int64{64 << 10, 32 << 10, 16 << 10}

func loadDerived(b *testing.B) *derived {
	b.Helper()
	derivedOnce.Do(func() {
		raw, err := os.ReadFile(baseProfile)
		if err != nil {
			derivedErr = err
			return
		}
		base, err := profile.ParseData(raw)
		if err != nil {
			derivedErr = err
			return
		}
		d := &derived{base: base}
		d.pickLeaks()
		p := base.Copy()
		var buf bytes.Buffer
		for i := range dayOfSnapshots {
			d.apply(p, i)
			buf.Reset()
			// Compressed like runtime/pprof writes it, at gzip.BestSpeed.
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			if err := p.WriteUncompressed(zw); err != nil {
				derivedErr = err
				return
			}
			if err := zw.Close(); err != nil {
				derivedErr = err
				return
			}
			d.encoded = append(d.encoded, bytes.Clone(buf.Bytes()))
		}
		derivedDay = d
	})
	if derivedErr != nil {
		b.Fatal(derivedErr)
	}
	return derivedDay
}

// pickLeaks chooses the samples of three distinct allocating functions that hold the most
// in-use memory in the base profile, leaving the rest of the profile as it was captured.
func (d *derived) pickLeaks() {
	idx := make([]int, len(d.base.Sample))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(d.base.Sample[b].Value[3], d.base.Sample[a].Value[3])
	})
	seen := map[string]bool{}
	for _, i := range idx {
		name := d.base.Sample[i].Location[0].Line[0].Function.Name
		if !seen[name] {
			seen[name] = true
			d.leaks = append(d.leaks, i)
			d.leakFuncs = append(d.leakFuncs, name)
		}
		if len(d.leaks) == len(leakStep) {
			return
		}
	}
}

// apply sets p's values (a copy of the base profile) to those of snapshot i. The noise is a
// deterministic function of the snapshot and the sample, so the decoded and the encoded
// variants rank the same data.
func (d *derived) apply(p *profile.Profile, i int) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	for j, s := range p.Sample {
		bv := d.base.Sample[j].Value
		allocObjects := bv[0] + int64(i)*(bv[0]/100+1)
		allocSpace := bv[1] + int64(i)*(bv[1]/100+1)
		inuseObjects, inuseSpace := bv[2], bv[3]
		if bv[3] > 0 {
			f := 0.8 + 0.4*rng.Float64()
			inuseObjects, inuseSpace = int64(float64(bv[2])*f), int64(float64(bv[3])*f)
		}
		for k, leak := range d.leaks {
			if j == leak {
				inuseSpace = bv[3] + int64(i)*leakStep[k]
				inuseObjects = bv[2] + int64(i)*max(1, leakStep[k]/max(1, bv[3]/max(1, bv[2])))
				allocSpace = max(allocSpace, bv[1]+int64(i)*leakStep[k])
				allocObjects = max(allocObjects, inuseObjects)
			}
		}
		s.Value[0], s.Value[1] = allocObjects, max(allocSpace, inuseSpace)
		s.Value[2], s.Value[3] = inuseObjects, inuseSpace
	}
}

// at is the time of snapshot i of the day.
func (d *derived) at(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

// checkRanking fails the benchmark unless the derived leaks are the top three suspects and
// the fastest is first. The slower two may swap: their functions also hold noisy memory
// elsewhere, which lowers their monotonicity.
func (d *derived) checkRanking(b *testing.B, res *Result) {
	b.Helper()
	if res.Snapshots != dayOfSnapshots {
		b.Fatalf("ranked %d snapshots, want %d", res.Snapshots, dayOfSnapshots)
	}
	var top []string
	for _, s := range res.Suspects[:min(len(d.leakFuncs), len(res.Suspects))] {
		top = append(top, s.Function)
	}
	if len(top) == 0 || top[0] != d.leakFuncs[0] || !sameSet(top, d.leakFuncs) {
		b.Fatalf("top suspects are %v, want the derived leaks %v, fastest first", top, d.leakFuncs)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// heapMeter samples the heap's object bytes while an operation runs; runtime/metrics reads
// them without stopping the world.
type heapMeter struct {
	stop chan struct{}
	done chan uint64
}

func startHeapMeter() *heapMeter {
	m := &heapMeter{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-m.stop:
				m.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *heapMeter) peak() uint64 {
	close(m.stop)
	return <-m.done
}

func heapNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkSuspects24h ranks a day of one-a-minute heap snapshots of one target. Variants:
//
//   - parse: the baseline, profile.ParseData of the 1440 encoded snapshots and nothing else;
//   - rank-from-bytes: decode each snapshot and add it to the ranker, as a query reading the
//     store does, then rank (function, then stack);
//   - rank-decoded: add already-decoded snapshots, the ranker's own cost.
//
// Besides time and B/op, each reports peak-heap-B, the most heap in use above the level
// before the operation (garbage not yet collected included), and for the ranking variants
// ranker-B, the live heap the ranker holds after all snapshots.
func BenchmarkSuspects24h(b *testing.B) {
	d := loadDerived(b)
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		var peak uint64
		for b.Loop() {
			before := heapNow()
			m := startHeapMeter()
			for _, raw := range d.encoded {
				if _, err := profile.ParseData(raw); err != nil {
					b.Fatal(err)
				}
			}
			pk := m.peak()
			peak = max(peak, pk-min(before, pk))
		}
		b.ReportMetric(float64(peak), "peak-heap-B")
	})
	for _, by := range []By{ByFunction, ByStack} {
		b.Run("rank-from-bytes/"+string(by), func(b *testing.B) {
			b.ReportAllocs()
			var peak, held uint64
			for b.Loop() {
				before := heapNow()
				m := startHeapMeter()
				r, err := NewRanker(Options{By: by, TopN: 10})
				if err != nil {
					b.Fatal(err)
				}
				for i, raw := range d.encoded {
					p, err := profile.ParseData(raw)
					if err != nil {
						b.Fatal(err)
					}
					if err := r.Add(d.at(i), p); err != nil {
						b.Fatal(err)
					}
				}
				res := r.Result()
				pk := m.peak()
				peak = max(peak, pk-min(before, pk))
				b.StopTimer()
				now := heapNow()
				held = max(held, now-min(before, now))
				runtime.KeepAlive(r)
				if by == ByFunction {
					d.checkRanking(b, res)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
			b.ReportMetric(float64(held), "ranker-B")
		})
	}
	for _, by := range []By{ByFunction, ByStack} {
		b.Run("rank-decoded/"+string(by), func(b *testing.B) {
			// One decoded profile, its values set to each snapshot's in turn: holding 1440
			// decoded profiles would take gigabytes, and Add reads nothing else.
			p := d.base.Copy()
			b.ReportAllocs()
			var peak, held uint64
			for b.Loop() {
				before := heapNow()
				m := startHeapMeter()
				r, err := NewRanker(Options{By: by, TopN: 10})
				if err != nil {
					b.Fatal(err)
				}
				for i := range dayOfSnapshots {
					b.StopTimer()
					d.apply(p, i)
					b.StartTimer()
					if err := r.Add(d.at(i), p); err != nil {
						b.Fatal(err)
					}
				}
				res := r.Result()
				pk := m.peak()
				peak = max(peak, pk-min(before, pk))
				b.StopTimer()
				now := heapNow()
				held = max(held, now-min(before, now))
				runtime.KeepAlive(r)
				if by == ByFunction {
					d.checkRanking(b, res)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
			b.ReportMetric(float64(held), "ranker-B")
		})
	}
}
