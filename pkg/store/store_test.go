package store

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file run against every implementation, because Memory stands in for
// the TSDB in other packages' tests and must not behave differently.

type storeFactory struct {
	name string
	open func(t *testing.T) Store
}

func storeFactories() []storeFactory {
	return []storeFactory{
		{"memory", func(t *testing.T) Store {
			s := NewMemory(0)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"tsdb", func(t *testing.T) Store {
			s, err := OpenTSDB(t.TempDir(), TSDBOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"registry", func(t *testing.T) Store {
			s, err := Open(t.TempDir(), TSDBOptions{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
	}
}

// forEachStore runs fn as a subtest per implementation.
func forEachStore(t *testing.T, fn func(t *testing.T, s Store)) {
	for _, f := range storeFactories() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			fn(t, f.open(t))
		})
	}
}

const t0 int64 = datasetStartMs

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		var in []Sample
		for i := range 100 {
			ts := t0 + int64(i)*scrapeMs
			in = append(in,
				Sample{"api", "HeapAlloc", ts, float64(1_000_000 + i*4096)},
				Sample{"api", "NumGC", ts, float64(i / 3)},
				Sample{"worker", "HeapAlloc", ts, float64(9_000_000 - i)},
			)
		}
		// One scrape per Append, as the collector does.
		for i := 0; i < len(in); i += 3 {
			require.NoError(t, s.Append(ctx, in[i:i+3]))
		}

		got, err := s.Select(ctx, "api", []string{"HeapAlloc", "NumGC", "Missing"}, t0, t0+99*scrapeMs)
		require.NoError(t, err)
		require.Len(t, got, 2, "a series without points is absent")
		require.Len(t, got["HeapAlloc"], 100)
		for i, p := range got["HeapAlloc"] {
			assert.Equal(t, Point{T: t0 + int64(i)*scrapeMs, V: float64(1_000_000 + i*4096)}, p)
		}
		assert.Equal(t, Point{T: t0 + 99*scrapeMs, V: 33}, got["NumGC"][99])

		tests := []struct {
			name       string
			target     string
			series     []string
			from, to   int64
			wantPoints map[string]int
		}{
			{"bounds are inclusive", "worker", []string{"HeapAlloc"}, t0 + 10*scrapeMs, t0 + 20*scrapeMs, map[string]int{"HeapAlloc": 11}},
			{"between samples", "worker", []string{"HeapAlloc"}, t0 + 1, t0 + scrapeMs - 1, map[string]int{}},
			{"other target's series", "worker", []string{"NumGC"}, t0, t0 + 99*scrapeMs, map[string]int{}},
			{"unknown target", "nope", []string{"HeapAlloc"}, t0, t0 + 99*scrapeMs, map[string]int{}},
			{"before the data", "api", []string{"HeapAlloc", "NumGC"}, 0, t0 - 1, map[string]int{}},
			{"reversed range", "api", []string{"HeapAlloc"}, t0 + 99*scrapeMs, t0, map[string]int{}},
			{"no series", "api", nil, t0, t0 + 99*scrapeMs, map[string]int{}},
			{"one point", "api", []string{"HeapAlloc", "NumGC"}, t0 + 50*scrapeMs, t0 + 50*scrapeMs, map[string]int{"HeapAlloc": 1, "NumGC": 1}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Select(ctx, tc.target, tc.series, tc.from, tc.to)
				require.NoError(t, err)
				counts := map[string]int{}
				for name, pts := range got {
					counts[name] = len(pts)
					for _, p := range pts {
						assert.True(t, p.T >= tc.from && p.T <= tc.to, "point %d outside [%d, %d]", p.T, tc.from, tc.to)
					}
				}
				assert.Equal(t, tc.wantPoints, counts)
			})
		}

		lastTests := []struct {
			name   string
			series string
			to     int64
			want   Point
			ok     bool
		}{
			{"newest", "HeapAlloc", t0 + 1e9, Point{t0 + 99*scrapeMs, 1_000_000 + 99*4096}, true},
			{"end of time", "HeapAlloc", math.MaxInt64, Point{t0 + 99*scrapeMs, 1_000_000 + 99*4096}, true},
			{"at a sample", "HeapAlloc", t0 + 40*scrapeMs, Point{t0 + 40*scrapeMs, 1_000_000 + 40*4096}, true},
			{"between samples", "HeapAlloc", t0 + 40*scrapeMs + 7, Point{t0 + 40*scrapeMs, 1_000_000 + 40*4096}, true},
			{"first", "HeapAlloc", t0, Point{t0, 1_000_000}, true},
			{"before the first", "HeapAlloc", t0 - 1, Point{}, false},
			{"unknown series", "Nope", t0 + 1e9, Point{}, false},
		}
		for _, tc := range lastTests {
			t.Run("last "+tc.name, func(t *testing.T) {
				p, ok, err := s.Last(ctx, "api", tc.series, tc.to)
				require.NoError(t, err)
				assert.Equal(t, tc.ok, ok)
				assert.Equal(t, tc.want, p)
			})
		}
	})
}

func TestDropsDuplicatesAndOutOfOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// batches are appended in order after a first batch holding HeapAlloc=100 at t0+30s.
		batches   [][]Sample
		wantStats AppendStats
		want      []Point
	}{
		{
			name:      "same timestamp, same value",
			batches:   [][]Sample{{{"a", "HeapAlloc", t0 + 30_000, 100}}},
			wantStats: AppendStats{Appended: 1, Duplicates: 1},
			want:      []Point{{t0 + 30_000, 100}},
		},
		{
			name:      "same timestamp, different value",
			batches:   [][]Sample{{{"a", "HeapAlloc", t0 + 30_000, 999}}},
			wantStats: AppendStats{Appended: 1, Duplicates: 1},
			want:      []Point{{t0 + 30_000, 100}},
		},
		{
			name:      "older than the series head",
			batches:   [][]Sample{{{"a", "HeapAlloc", t0 + 15_000, 50}}},
			wantStats: AppendStats{Appended: 1, OutOfOrder: 1},
			want:      []Point{{t0 + 30_000, 100}},
		},
		{
			name: "drops do not fail the rest of the batch",
			batches: [][]Sample{{
				{"a", "HeapAlloc", t0 + 15_000, 50},
				{"a", "HeapAlloc", t0 + 30_000, 7},
				{"a", "HeapAlloc", t0 + 45_000, 200},
				{"a", "NumGC", t0 + 45_000, 3},
			}},
			wantStats: AppendStats{Appended: 3, Duplicates: 1, OutOfOrder: 1},
			want:      []Point{{t0 + 30_000, 100}, {t0 + 45_000, 200}},
		},
		{
			name: "duplicates and disorder within one batch",
			batches: [][]Sample{{
				{"a", "HeapAlloc", t0 + 60_000, 300},
				{"a", "HeapAlloc", t0 + 60_000, 301},
				{"a", "HeapAlloc", t0 + 45_000, 200},
				{"a", "HeapAlloc", t0 + 75_000, 400},
			}},
			wantStats: AppendStats{Appended: 3, Duplicates: 1, OutOfOrder: 1},
			want:      []Point{{t0 + 30_000, 100}, {t0 + 60_000, 300}, {t0 + 75_000, 400}},
		},
		{
			name: "the same sample in every later scrape",
			batches: [][]Sample{
				{{"a", "HeapAlloc", t0 + 45_000, 200}},
				{{"a", "HeapAlloc", t0 + 45_000, 200}, {"a", "HeapAlloc", t0 + 60_000, 300}},
				{{"a", "HeapAlloc", t0 + 60_000, 300}},
			},
			wantStats: AppendStats{Appended: 3, Duplicates: 2},
			want:      []Point{{t0 + 30_000, 100}, {t0 + 45_000, 200}, {t0 + 60_000, 300}},
		},
	}
	for _, f := range storeFactories() {
		for _, tc := range tests {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				s := f.open(t)
				require.NoError(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0 + 30_000, 100}}))
				for _, b := range tc.batches {
					require.NoError(t, s.Append(ctx, b))
				}
				got, err := s.Select(ctx, "a", []string{"HeapAlloc"}, 0, t0+1e6)
				require.NoError(t, err)
				assert.Equal(t, tc.want, got["HeapAlloc"])
				assert.Equal(t, tc.wantStats, s.(StatsReporter).AppendStats())
			})
		}
	}
}

func TestRejectsMalformedBatchWhole(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		err := s.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}, {"a", "", t0, 2}})
		require.ErrorIs(t, err, errEmptyName)
		got, err := s.Select(ctx, "a", []string{"HeapAlloc"}, 0, t0+1)
		require.NoError(t, err)
		assert.Empty(t, got, "nothing of a rejected batch is stored")
	})
}

func TestClosedStore(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		require.NoError(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}}))
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close is idempotent")
		assert.ErrorIs(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0 + 1, 1}}), ErrClosed)
		_, err := s.Select(ctx, "a", []string{"HeapAlloc"}, 0, t0)
		assert.ErrorIs(t, err, ErrClosed)
		_, _, err = s.Last(ctx, "a", "HeapAlloc", t0)
		assert.ErrorIs(t, err, ErrClosed)
	})
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, s Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		assert.ErrorIs(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}}), context.Canceled)
		_, err := s.Select(ctx, "a", []string{"HeapAlloc"}, 0, t0)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestConcurrentAppendsAndReads(t *testing.T) {
	t.Parallel()
	const (
		writers = 6
		scrapes = 200
	)
	forEachStore(t, func(t *testing.T, s Store) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		errs := make(chan error, writers+2)
		for w := range writers {
			wg.Go(func() {
				target := fmt.Sprintf("svc-%d", w)
				for i := range scrapes {
					ts := t0 + int64(i)*scrapeMs
					var batch []Sample
					if i > 0 {
						// Every writer also re-sends a sample of its previous scrape, which
						// must be dropped as a duplicate.
						batch = append(batch, Sample{target, "Goroutines", ts - scrapeMs, float64(w)})
					}
					batch = append(batch,
						Sample{target, "HeapAlloc", ts, float64(w*1e6 + i)},
						Sample{target, "NumGC", ts, float64(i)},
						Sample{target, "Goroutines", ts, float64(w)},
					)
					if err := s.Append(ctx, batch); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for range 2 {
			wg.Go(func() {
				for i := range 50 {
					if _, err := s.Select(ctx, fmt.Sprintf("svc-%d", i%writers), []string{"HeapAlloc", "NumGC"}, t0, t0+scrapes*scrapeMs); err != nil {
						errs <- err
						return
					}
					if _, _, err := s.Last(ctx, fmt.Sprintf("svc-%d", i%writers), "NumGC", t0+scrapes*scrapeMs); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for w := range writers {
			got, err := s.Select(ctx, fmt.Sprintf("svc-%d", w), []string{"HeapAlloc", "NumGC", "Goroutines"}, t0, t0+scrapes*scrapeMs)
			require.NoError(t, err)
			require.Len(t, got["HeapAlloc"], scrapes)
			require.Len(t, got["Goroutines"], scrapes)
			for i, p := range got["HeapAlloc"] {
				require.Equal(t, Point{T: t0 + int64(i)*scrapeMs, V: float64(w*1e6 + i)}, p)
			}
		}
		stats := s.(StatsReporter).AppendStats()
		assert.Equal(t, uint64(writers*scrapes*3), stats.Appended)
		assert.Equal(t, uint64(writers*(scrapes-1)), stats.Duplicates)
		assert.Zero(t, stats.OutOfOrder)
	})
}

// TestTSDBAgreesWithMemory appends 12 h of realistic scrapes of all 20 series of two targets
// to both implementations and compares every answer. One target's Select spans over 50 000
// samples, so the TSDB decodes it on several goroutines, and with 1 h blocks it reads from
// blocks and the head at once.
func TestTSDBAgreesWithMemory(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes 115 000 samples")
	}
	ctx := context.Background()
	mem := NewMemory(0)
	db, err := OpenTSDB(t.TempDir(), TSDBOptions{MinBlockDuration: time.Hour})
	require.NoError(t, err)
	defer db.Close()

	d := newDataset(2, allSeries, 42)
	var batch []Sample
	var end int64
	for range 12 * 3600 * 1000 / scrapeMs {
		batch, end = d.next(batch[:0])
		// The scraper re-reads the GC ring, so a few pause samples arrive again.
		if len(batch) > 0 && batch[len(batch)-1].Series == pauseSeries {
			batch = append(batch, batch[len(batch)-1])
		}
		require.NoError(t, mem.Append(ctx, batch))
		require.NoError(t, db.Append(ctx, batch))
	}
	require.Eventually(t, func() bool { return len(db.db.Blocks()) > 0 }, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, mem.AppendStats(), db.AppendStats())

	ranges := [][2]int64{
		{t0, end},
		{t0 + 3_600_000 + 1, end - 7*scrapeMs},
		{end - 1_800_000, end},
		{t0 - 1_000_000, t0 + 10*scrapeMs},
	}
	for _, target := range d.targets {
		for _, r := range ranges {
			want, err := mem.Select(ctx, target, allSeries, r[0], r[1])
			require.NoError(t, err)
			got, err := db.Select(ctx, target, allSeries, r[0], r[1])
			require.NoError(t, err)
			require.Equal(t, want, got, "target %s, range %v", target, r)
		}
		for _, name := range allSeries {
			for _, to := range []int64{end, end - 5_000_000, t0 + 1} {
				wantP, wantOK, err := mem.Last(ctx, target, name, to)
				require.NoError(t, err)
				gotP, gotOK, err := db.Last(ctx, target, name, to)
				require.NoError(t, err)
				require.Equal(t, wantOK, gotOK, "%s %s at %d", target, name, to)
				require.Equal(t, wantP, gotP, "%s %s at %d", target, name, to)
			}
		}
	}
}
