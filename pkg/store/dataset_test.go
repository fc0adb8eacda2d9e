package store

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The benchmarks and some tests need data that compresses like real runtime.MemStats, not
// like constants or white noise. memstatsSim simulates one Go service with a garbage
// collector running at GOGC=100: the heap grows by a noisy, slowly wandering allocation rate
// and drops back to the live heap at every GC, so HeapAlloc is a sawtooth; the cumulative
// counters (TotalAlloc, Mallocs, Frees, NumGC, PauseTotalNs) grow by varying amounts; span
// sizes (HeapInuse, StackInuse, HeapReleased) are multiples of the 8 KiB page and heap byte
// counts multiples of 8 bytes, as allocator size classes make them; HeapSys and
// Sys step up only when the heap outgrows them; NumForcedGC stays 0; GCCPUFraction is a full
// float that drifts. Every value but GCCPUFraction is an integer, as MemStats fields are.

const (
	scrapeMs = 15_000
	// datasetStartMs is a 15 s grid point (2023-11-14T22:13:15Z), so every scrape timestamp
	// lies exactly on the grid.
	datasetStartMs = 1_699_999_995_000
	pageSize       = 8192
)

// gridSeries are the MemStats-derived series scraped every 15 s, in the order memstatsSim.values
// fills them.
var gridSeries = []string{
	"HeapAlloc", "Alloc", "TotalAlloc", "Sys", "Mallocs", "Frees", "HeapSys", "HeapIdle",
	"HeapInuse", "HeapReleased", "HeapObjects", "StackInuse", "StackSys", "NextGC",
	"PauseTotalNs", "NumGC", "NumForcedGC", "GCCPUFraction", "Goroutines",
}

// pauseSeries is the irregular series: one sample per GC cycle, at the end of its pause.
const pauseSeries = "GCPauseNs"

// allSeries are the 20 raw series stored per target.
var allSeries = append(append([]string(nil), gridSeries...), pauseSeries)

// selectSeries are the 10 grid series the Select benchmark reads: sawtooth gauges, counters,
// step functions and a constant.
var selectSeries = []string{
	"HeapAlloc", "HeapInuse", "HeapObjects", "TotalAlloc", "Mallocs",
	"NumGC", "HeapSys", "NumForcedGC", "NextGC", "Goroutines",
}

type memstatsSim struct {
	rng *rand.Rand

	live, allocRate, objSize, leakPerMs float64
	stackPerG, otherSys, stackOS        float64
	procs, uptimeMs, gcCPUNs            float64
	phase                               float64

	heapAlloc, nextGC, totalAlloc, mallocs           float64
	heapSys, heapReleased, numGC, numForced, pauseNs float64
	goroutines                                       float64
	lastPauseT                                       int64
}

func newMemstatsSim(seed uint64) *memstatsSim {
	r := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1))
	s := &memstatsSim{
		rng:        r,
		live:       20e6 + r.Float64()*280e6,
		allocRate:  0.5e6 + r.Float64()*7.5e6,
		objSize:    48 + r.Float64()*80,
		stackPerG:  float64(pageSize) * (1 + r.Float64()*3),
		otherSys:   10e6 + r.Float64()*20e6,
		stackOS:    float64(pageSize * (16 + r.IntN(64))),
		procs:      float64(2 + r.IntN(15)),
		uptimeMs:   float64(3600_000 + r.IntN(3*86400_000)),
		goroutines: float64(20 + r.IntN(800)),
		phase:      r.Float64() * 2 * math.Pi,
		lastPauseT: math.MinInt64,
	}
	// A third of the services leak: their live heap grows by up to 2 % an hour.
	if r.IntN(3) == 0 {
		s.leakPerMs = r.Float64() * 0.02 / 3600_000
	}
	s.nextGC = round8(2 * s.live)
	s.heapAlloc = round8(s.live * (1 + r.Float64()))
	s.totalAlloc = round8(s.live * (5 + 50*r.Float64()))
	s.mallocs = math.Round(s.totalAlloc / s.objSize)
	s.numGC = float64(100 + r.IntN(5000))
	s.pauseNs = s.numGC * 150_000
	s.heapSys = roundUp(s.nextGC*1.15, 4<<20)
	s.gcCPUNs = s.uptimeMs * 1e6 * s.procs * (0.001 + 0.01*r.Float64())
	return s
}

func roundUp(v, unit float64) float64 { return math.Ceil(v/unit) * unit }

// round8 rounds a byte count to the 8-byte granularity of the Go allocator's size classes,
// which every heap byte count in MemStats has.
func round8(v float64) float64 { return math.Round(v/8) * 8 }

// step advances the service by one scrape interval ending at tMs, appending the GC pauses
// that ended within it to pauses.
func (s *memstatsSim) step(tMs int64, pauses []Point) []Point {
	r := s.rng
	// A daily load cycle of ±30 % with ±20 % noise per interval.
	day := math.Sin(2*math.Pi*float64(tMs)/86400_000 + s.phase)
	alloc := s.allocRate * scrapeMs / 1000 * (1 + 0.3*day) * (1 + 0.2*r.NormFloat64())
	alloc = math.Max(round8(alloc), 0)
	s.totalAlloc += alloc
	s.mallocs += math.Round(alloc / s.objSize * (1 + 0.02*r.NormFloat64()))
	s.live *= 1 + s.leakPerMs*scrapeMs

	// done is how much of this interval's allocation happened before the latest GC.
	done := 0.0
	for s.heapAlloc+alloc-done >= s.nextGC {
		done += s.nextGC - s.heapAlloc
		s.numGC++
		pause := math.Round(math.Exp(math.Log(150_000) + 0.6*r.NormFloat64()))
		s.pauseNs += pause
		s.gcCPUNs += pause*s.procs + s.live/1e6*2e5*(1+0.1*r.NormFloat64())
		end := tMs - scrapeMs + int64(float64(scrapeMs)*done/alloc)
		if end <= s.lastPauseT {
			end = s.lastPauseT + 1
		}
		s.lastPauseT = end
		pauses = append(pauses, Point{T: end, V: pause})
		s.live = math.Max(s.live*(1+0.01*r.NormFloat64()), 4<<20)
		s.heapAlloc = round8(s.live * (1 + 0.05*r.Float64()))
		s.nextGC = round8(2 * s.live)
	}
	s.heapAlloc += alloc - done
	if s.heapAlloc < s.live {
		s.heapAlloc = round8(s.live)
	}
	s.uptimeMs += scrapeMs

	// Goroutines wander by a few, with a rare burst of work that then drains away.
	switch p := r.Float64(); {
	case p < 0.002:
		s.goroutines += float64(50 + r.IntN(200))
	case p < 0.5:
		s.goroutines += float64(r.IntN(7) - 3)
	}
	if s.goroutines > 2000 {
		s.goroutines -= float64(r.IntN(100))
	}
	s.goroutines = math.Max(s.goroutines, 8)
	if r.Float64() < 1e-4 {
		s.numForced++
	}
	return pauses
}

// values writes the current value of each gridSeries into dst.
func (s *memstatsSim) values(dst []float64) []float64 {
	heapAlloc := s.heapAlloc
	heapObjects := math.Round(heapAlloc / s.objSize * (1 + 0.01*s.rng.NormFloat64()))
	heapInuse := roundUp(heapAlloc*1.08, pageSize)
	if need := roundUp(heapInuse*1.15, 4<<20); need > s.heapSys {
		s.heapSys = need
	}
	heapIdle := s.heapSys - heapInuse
	// The scavenger returns idle pages to the OS a tenth of the way at a time.
	target := roundUp(heapIdle*0.7, pageSize)
	s.heapReleased = math.Min(s.heapReleased+math.Round((target-s.heapReleased)/10/pageSize)*pageSize, heapIdle)
	stackInuse := roundUp(s.goroutines*s.stackPerG, pageSize)
	stackSys := stackInuse + s.stackOS
	sys := s.heapSys + stackSys + s.otherSys + math.Round(s.heapSys/32/pageSize)*pageSize
	gcFraction := s.gcCPUNs / (s.uptimeMs * 1e6 * s.procs)
	return append(dst[:0],
		heapAlloc, heapAlloc, s.totalAlloc, sys, s.mallocs, s.mallocs-heapObjects,
		s.heapSys, heapIdle, heapInuse, s.heapReleased, heapObjects, stackInuse, stackSys,
		s.nextGC, s.pauseNs, s.numGC, s.numForced, gcFraction, s.goroutines,
	)
}

// dataset produces the scrapes of several simulated targets, one 15 s step at a time.
type dataset struct {
	targets []string
	sims    []*memstatsSim
	// want maps a gridSeries index to its position in the selection, -1 when not selected.
	want      []int
	withPause bool
	t         int64
	vals      []float64
	pauses    []Point
}

// newDataset simulates n targets storing the given series (gridSeries and pauseSeries names).
func newDataset(n int, series []string, seed uint64) *dataset {
	d := &dataset{t: datasetStartMs, want: make([]int, len(gridSeries))}
	for i := range d.want {
		d.want[i] = -1
	}
	for i, name := range series {
		if name == pauseSeries {
			d.withPause = true
			continue
		}
		for j, g := range gridSeries {
			if g == name {
				d.want[j] = i
			}
		}
	}
	for i := range n {
		d.targets = append(d.targets, fmt.Sprintf("svc-%03d", i))
		d.sims = append(d.sims, newMemstatsSim(seed+uint64(i)*7919))
	}
	return d
}

// next appends the samples of the next scrape of every target to dst, all at one grid
// timestamp except the pause samples, and returns it with that timestamp.
func (d *dataset) next(dst []Sample) ([]Sample, int64) {
	t := d.t
	d.t += scrapeMs
	for i, sim := range d.sims {
		d.pauses = sim.step(t, d.pauses[:0])
		d.vals = sim.values(d.vals)
		for j, v := range d.vals {
			if d.want[j] >= 0 {
				dst = append(dst, Sample{Target: d.targets[i], Series: gridSeries[j], T: t, V: v})
			}
		}
		if d.withPause {
			for _, p := range d.pauses {
				dst = append(dst, Sample{Target: d.targets[i], Series: pauseSeries, T: p.T, V: p.V})
			}
		}
	}
	return dst, t
}
