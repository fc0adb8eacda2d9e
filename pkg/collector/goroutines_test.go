package collector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

const (
	debug1URI = "/debug/pprof/goroutine?debug=1"
	debug2URI = "/debug/pprof/goroutine?debug=2"
)

// TestDumpOnlyAtOrBelowTheCeiling parks goroutines in this process, which is the target's
// process too, to push its real goroutine count above the ceiling and then below it.
func TestDumpOnlyAtOrBelowTheCeiling(t *testing.T) {
	tgt := newTarget(t, nil)
	park := make(chan struct{})
	var parked sync.WaitGroup
	for range 300 {
		parked.Go(func() { <-park })
	}
	unpark := sync.OnceFunc(func() { close(park); parked.Wait() })
	defer unpark()

	s := &sink{}
	logs := &logRecorder{}
	const runtimeIv = 100 * time.Millisecond
	c := start(t, scraperFor(tgt, nil), Config{
		Interval: runtimeIv, Logger: logs, GoroutineSink: s,
		GoroutineDumpInterval: 60 * time.Millisecond, GoroutineDumpCeiling: 250,
	})
	require.Eventually(t, func() bool {
		st, ok := c.DumpStatus("api")
		return ok && st.Skipping && st.HasCount
	}, 3*time.Second, 5*time.Millisecond)
	time.Sleep(300 * time.Millisecond)

	assert.Zero(t, tgt.count(debug2URI), "no dump is requested above the ceiling")
	assert.Empty(t, s.goroutines(2))
	st, _ := c.DumpStatus("api")
	assert.True(t, st.Skipping)
	assert.Greater(t, st.Count, 250)
	assert.Equal(t, 250, st.Ceiling)
	assert.Equal(t, fmt.Sprintf("%d goroutines is above the dump ceiling of 250", st.Count), st.SkipReason)
	assert.False(t, st.LastSkip.IsZero())
	assert.True(t, st.LastAttempt.IsZero())
	assert.Equal(t, 1, logs.count("goroutine dump skipped"), "logged when skipping starts, not on every tick")
	skipped, err := c.store.Select(context.Background(), "api", []string{metrics.RawDumpSkipped}, 0, time.Now().UnixMilli())
	require.NoError(t, err)
	require.NotEmpty(t, skipped[metrics.RawDumpSkipped], "every skipped dump is kept as history for annotations")
	assert.Greater(t, skipped[metrics.RawDumpSkipped][0].V, 250.0, "with the count that was over the ceiling")

	// goroutine?debug=1 rides on the runtime ticks.
	groups := s.goroutines(1)
	require.NotEmpty(t, groups)
	assert.LessOrEqual(t, len(groups), tgt.count(debug1URI))
	for _, g := range groups {
		assert.True(t, strings.HasPrefix(string(g.body), "goroutine profile: total "))
		assert.Zero(t, g.t.Sub(groups[0].t)%runtimeIv, "stamped with the runtime tick")
	}
	gs, ok := c.GoroutineGroupsStatus("api")
	require.True(t, ok)
	assert.False(t, gs.LastSuccess.IsZero())

	unpark()
	require.Eventually(t, func() bool { return len(s.goroutines(2)) > 0 }, 3*time.Second, 5*time.Millisecond,
		"dumps resume once the count is back under the ceiling")
	stopWithin(t, c, 2*time.Second)

	st, _ = c.DumpStatus("api")
	assert.False(t, st.Skipping)
	assert.LessOrEqual(t, st.Count, 250)
	assert.False(t, st.LastSuccess.IsZero())
	assert.NotEmpty(t, st.SkipReason, "the last skip stays on record")
	assert.Equal(t, 1, logs.count("goroutine dumps resumed"))
	dump := string(s.goroutines(2)[0].body)
	assert.Regexp(t, `^goroutine \d+ \[running\]:`, dump)
	assert.Contains(t, dump, "created by ")
}

func TestAtMostOneDumpInFlightPerTarget(t *testing.T) {
	const slow = 150 * time.Millisecond
	tgt := newTarget(t, func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.RequestURI() == debug2URI {
			time.Sleep(slow) // a long stop-the-world
		}
		return false
	})
	s := &sink{}
	// Two collectors, as an old and a new data source instance briefly are, with dumps due
	// far more often than one takes.
	cfg := Config{Interval: 40 * time.Millisecond, GoroutineSink: s, GoroutineDumpInterval: 20 * time.Millisecond}
	a := start(t, scraperFor(tgt, nil), cfg)
	cfg.Seed = "other"
	b := start(t, scraperFor(tgt, nil), cfg)
	const d = time.Second
	time.Sleep(d)
	stopWithin(t, a, 2*time.Second)
	stopWithin(t, b, 2*time.Second)

	assert.Equal(t, 1, tgt.peakOf(debug2URI), "two dumps of one target overlapped")
	n := tgt.count(debug2URI)
	assert.GreaterOrEqual(t, n, 2)
	assert.LessOrEqual(t, n, int(d/slow)+2, "dumps queue one after the other, never pile up")
	assert.GreaterOrEqual(t, tgt.count("/debug/vars"), 10, "runtime scrapes go on during slow dumps")

	// A request canceled by Stop may still reach the server just after; then all is quiet.
	time.Sleep(50 * time.Millisecond)
	after := len(tgt.log())
	time.Sleep(150 * time.Millisecond)
	assert.Equal(t, after, len(tgt.log()), "no request after Stop")
}

func TestGoroutineSinkErrorsLandInTheStatus(t *testing.T) {
	tgt := newTarget(t, nil)
	bad := errors.New("parsing the dump: line 3: want a goroutine header")
	s := &sink{fail: func(c call) error {
		if c.debug == 2 {
			return bad
		}
		return errors.New("parsing the groups: no total")
	}}
	c := start(t, scraperFor(tgt, nil), Config{Interval: 50 * time.Millisecond, GoroutineSink: s, GoroutineDumpInterval: 60 * time.Millisecond})
	require.Eventually(t, func() bool { return len(s.goroutines(2)) >= 2 }, 3*time.Second, 5*time.Millisecond)
	stopWithin(t, c, 2*time.Second)

	st, ok := c.DumpStatus("api")
	require.True(t, ok)
	assert.ErrorIs(t, st.LastError, bad)
	assert.EqualError(t, st.LastError, `target "api": storing goroutine?debug=2: parsing the dump: line 3: want a goroutine header`)
	assert.True(t, st.SinkFailed)
	assert.True(t, st.LastSuccess.IsZero())
	gs, ok := c.GoroutineGroupsStatus("api")
	require.True(t, ok)
	assert.True(t, gs.SinkFailed)
	assert.EqualError(t, gs.LastError, `target "api": storing goroutine?debug=1: parsing the groups: no total`)
}

func TestDumpNeedsAFreshCount(t *testing.T) {
	tgt := newTarget(t, nil)
	s := &sink{}
	logs := &logRecorder{}
	c := New(scraperFor(tgt, nil), store.NewMemory(time.Hour), Config{
		Targets: []string{"api"}, Interval: time.Second, Logger: logs, GoroutineSink: s, GoroutineDumpInterval: time.Minute,
	})
	ctx := context.Background()
	now := time.Now()

	require.NoError(t, c.collectDump(ctx, "api", now))
	st, _ := c.DumpStatus("api")
	assert.True(t, st.Skipping)
	assert.False(t, st.HasCount)
	assert.Equal(t, models.DefaultGoroutineDumpCeiling, st.Ceiling)
	assert.Equal(t, "no goroutine count known yet: a dump is taken only once the count is at or below the ceiling", st.SkipReason)
	assert.Zero(t, logs.count("goroutine dump"), "waiting for the first count is routine")

	c.counts["api"] = goroutineCount{n: 5, at: now.Add(-10 * time.Second)}
	require.NoError(t, c.collectDump(ctx, "api", now))
	st, _ = c.DumpStatus("api")
	assert.True(t, st.Skipping)
	assert.Equal(t, "the latest goroutine count (5) is 10s old: the runtime scrapes are failing", st.SkipReason)
	assert.Equal(t, 1, logs.count("info", "goroutine dump skipped", "10s old"))
	assert.Zero(t, tgt.count(debug2URI))

	c.counts["api"] = goroutineCount{n: 5, at: time.Now()}
	require.NoError(t, c.collectDump(ctx, "api", now))
	st, _ = c.DumpStatus("api")
	assert.False(t, st.Skipping)
	assert.Equal(t, 1, tgt.count(debug2URI))
	require.Len(t, s.goroutines(2), 1)
	assert.Equal(t, now, s.goroutines(2)[0].t)
}

func TestGroupsNotFetchedAfterAFailedScrape(t *testing.T) {
	tgt := newTarget(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/debug/vars" || r.URL.Path == "/debug/pprof/heap" {
			http.Error(w, "broken", http.StatusInternalServerError)
			return true
		}
		return false
	})
	s := &sink{}
	c := run(t, scraperFor(tgt, nil), Config{Interval: 30 * time.Millisecond, GoroutineSink: s}, 300*time.Millisecond)
	st, ok := c.Status("api")
	require.True(t, ok)
	require.Error(t, st.LastError)
	assert.Zero(t, tgt.count(debug1URI))
	assert.Empty(t, s.goroutines(1))
}

func TestTimedOutDumpBacksOff(t *testing.T) {
	tgt := newTarget(t, func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.RequestURI() == debug2URI {
			<-r.Context().Done() // a dump that never finishes
			return true
		}
		return false
	})
	s := &sink{}
	const dumpIv = 50 * time.Millisecond
	// Each dump is given up at its interval and ends on the target at the 60 ms request
	// timeout.
	c := run(t, scraperFor(tgt, func(ps *models.PluginSettings) { ps.Timeout = 60 * time.Millisecond }), Config{
		Interval: 200 * time.Millisecond, GoroutineSink: s, GoroutineDumpInterval: dumpIv,
	}, 2*time.Second)

	st, ok := c.DumpStatus("api")
	require.True(t, ok)
	assert.Equal(t, scrape.KindTimeout, scrape.KindOf(st.LastError))
	assert.Contains(t, st.LastError.Error(), `target "api": GET /debug/pprof/goroutine?debug=2: timed out after`)
	n := tgt.count(debug2URI)
	assert.GreaterOrEqual(t, n, 2, "asked again after the back-off")
	// Without the back-off a dump would start every other tick: 20 of them.
	assert.LessOrEqual(t, n, 6, "a timed-out dump is followed by %d quiet intervals", NotServedReprobe-1)
	assert.Equal(t, 1, tgt.peakOf(debug2URI))
}

func TestGroupsReuseTheScrapesDebug1Body(t *testing.T) {
	// A service whose /debug/pprof/ is its own page: the runtime scrape reads the count
	// from goroutine?debug=1, and that one body also feeds the sink.
	tgt := newTarget(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/debug/pprof/" {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>Welcome</html>"))
			return true
		}
		return false
	})
	s := &sink{}
	c := run(t, scraperFor(tgt, nil), Config{Interval: 100 * time.Millisecond, GoroutineSink: s}, 700*time.Millisecond)
	st, ok := c.Status("api")
	require.True(t, ok)
	require.False(t, st.LastSuccess.IsZero())
	groups := s.goroutines(1)
	require.NotEmpty(t, groups)
	// Stop may cancel a scrape between its two requests, and a scrape whose own debug=1
	// request failed makes the groups ask again: allow one of either.
	scrapes := tgt.count("/debug/vars")
	require.GreaterOrEqual(t, scrapes, 3)
	assert.LessOrEqual(t, tgt.count(debug1URI), scrapes+1, "one debug=1 request per runtime scrape, not two")
	assert.GreaterOrEqual(t, tgt.count(debug1URI), scrapes-1)
	assert.GreaterOrEqual(t, tgt.count(debug1URI), len(groups))
	gs, ok := c.GoroutineGroupsStatus("api")
	require.True(t, ok)
	assert.NoError(t, gs.LastError)
	assert.Positive(t, gs.LastBytes)
}
