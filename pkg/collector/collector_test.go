package collector

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// fakeScraper returns scripted snapshots or errors, standing in for HTTP.
type fakeScraper struct {
	next  func() (*scrape.Snapshot, error)
	calls atomic.Int32
}

func (f *fakeScraper) ScrapeRuntime(ctx context.Context, _ string) (*scrape.Snapshot, error) {
	f.calls.Add(1)
	return f.next()
}

func TestFailedScrapeRecordsDownAndStatus(t *testing.T) {
	st := store.NewMemory(time.Hour)
	boom := errors.New(`target "a": GET /debug/vars: connection refused`)
	c := New(&fakeScraper{next: func() (*scrape.Snapshot, error) { return nil, boom }}, st, Config{Targets: []string{"a"}, Interval: time.Second})
	tick := time.Unix(1_800_000_000, 0)
	c.ScrapeOnce(context.Background(), "a", tick)

	s, ok := c.Status("a")
	require.True(t, ok)
	assert.ErrorIs(t, s.LastError, boom)
	assert.True(t, s.LastSuccess.IsZero())
	got, err := st.Select(context.Background(), "a", []string{metrics.RawUp, metrics.RawHeapAlloc}, 0, tick.UnixMilli())
	require.NoError(t, err)
	assert.Equal(t, []store.Point{{T: tick.UnixMilli(), V: 0}}, got[metrics.RawUp])
	assert.Empty(t, got[metrics.RawHeapAlloc], "a failed scrape is a gap, not a zero")
}

func TestCollectorRestartContinuesWithoutDuplicates(t *testing.T) {
	st := store.NewMemory(time.Hour)
	now := time.Unix(0, base).Add(time.Hour)
	n := uint32(5)
	sc := &fakeScraper{next: func() (*scrape.Snapshot, error) {
		return &scrape.Snapshot{Time: now, MemStats: gcRun(n, uint64(n)*1000), Source: scrape.SourceExpvar}, nil
	}}
	tick := time.Unix(1_800_000_000, 0)
	first := New(sc, st, Config{Targets: []string{"a"}, Interval: time.Second})
	first.ScrapeOnce(context.Background(), "a", tick)
	n = 8
	first.ScrapeOnce(context.Background(), "a", tick.Add(time.Second))

	// A new collector (a plugin restart) on the same store sees 3 more cycles.
	second := New(sc, st, Config{Targets: []string{"a"}, Interval: time.Second})
	n = 11
	second.ScrapeOnce(context.Background(), "a", tick.Add(2*time.Second))

	got, err := st.Select(context.Background(), "a", []string{metrics.RawGCPause, metrics.RawProcessStart}, 0, 1<<62)
	require.NoError(t, err)
	require.Len(t, got[metrics.RawGCPause], 11, "every cycle once across the restart")
	starts := got[metrics.RawProcessStart]
	require.Len(t, starts, 3)
	assert.Equal(t, starts[0].V, starts[2].V, "the plugin restart is not taken for a process restart")
}

func TestLoopScrapesOnScheduleAndStops(t *testing.T) {
	st := store.NewMemory(time.Hour)
	m := &memstats.MemStats{NumGC: 0, HeapAlloc: 1}
	sc := &fakeScraper{next: func() (*scrape.Snapshot, error) {
		return &scrape.Snapshot{Time: time.Now(), MemStats: m, Source: scrape.SourceExpvar}, nil
	}}
	c := New(sc, st, Config{Targets: []string{"a", "b"}, Interval: 100 * time.Millisecond, Seed: "x"})
	c.Start()
	time.Sleep(550 * time.Millisecond)
	c.Stop()
	calls := sc.calls.Load()
	assert.GreaterOrEqual(t, calls, int32(8), "two targets, ~5 ticks each")
	assert.LessOrEqual(t, calls, int32(12))
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, calls, sc.calls.Load(), "no scrapes after Stop")

	got, err := st.Select(context.Background(), "a", []string{metrics.RawHeapAlloc}, 0, 1<<62)
	require.NoError(t, err)
	pts := got[metrics.RawHeapAlloc]
	require.NotEmpty(t, pts)
	for _, p := range pts {
		assert.Zero(t, (p.T-pts[0].T)%100, "samples are stamped with the tick: a fixed offset plus whole intervals")
	}
}

func TestSlowTargetDoesNotOutliveItsInterval(t *testing.T) {
	st := store.NewMemory(time.Hour)
	hang := &blockingScraper{}
	c := New(hang, st, Config{Targets: []string{"a"}, Interval: 200 * time.Millisecond, Timeout: time.Hour})
	start := time.Now()
	c.ScrapeOnce(context.Background(), "a", start)
	assert.Less(t, time.Since(start), time.Second, "the scrape timeout is capped at the interval")
	s, _ := c.Status("a")
	assert.ErrorIs(t, s.LastError, context.DeadlineExceeded)
}

type blockingScraper struct{}

func (blockingScraper) ScrapeRuntime(ctx context.Context, _ string) (*scrape.Snapshot, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestNoMinuteTierForScrapesAMinuteApart(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		tier     bool
	}{{15 * time.Second, true}, {time.Minute, false}, {5 * time.Minute, false}} {
		st := store.NewMemory(24 * time.Hour)
		sc := &fakeScraper{next: func() (*scrape.Snapshot, error) {
			return &scrape.Snapshot{Time: time.Now(), MemStats: &memstats.MemStats{HeapAlloc: 1}, Source: scrape.SourceExpvar}, nil
		}}
		c := New(sc, st, Config{Targets: []string{"a"}, Interval: tc.interval})
		c.ScrapeOnce(context.Background(), "a", time.Unix(1_800_000_000, 0))
		got, err := st.Select(context.Background(), "a", []string{metrics.TierName(metrics.RawHeapAlloc)}, 0, 1<<62)
		require.NoError(t, err)
		assert.Equal(t, tc.tier, len(got[metrics.TierName(metrics.RawHeapAlloc)]) == 1, tc.interval)
	}
}
