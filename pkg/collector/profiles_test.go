package collector

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

func TestEveryProfileTypeOnItsSchedule(t *testing.T) {
	tgt := newTarget(t, nil)
	s := &sink{}
	intervals := map[models.ProfileType]time.Duration{
		models.ProfileHeap:         200 * time.Millisecond,
		models.ProfileGoroutine:    300 * time.Millisecond,
		models.ProfileBlock:        300 * time.Millisecond,
		models.ProfileMutex:        400 * time.Millisecond,
		models.ProfileThreadcreate: 400 * time.Millisecond,
		// allocs shares heap's data: an interval for it is ignored, never fetched.
		models.ProfileAllocs: 200 * time.Millisecond,
	}
	const d = 2 * time.Second
	c := run(t, scraperFor(tgt, nil), Config{ProfileSink: s, ProfileIntervals: intervals}, d)

	assert.Equal(t, []models.ProfileType{models.ProfileHeap, models.ProfileGoroutine, models.ProfileBlock,
		models.ProfileMutex, models.ProfileThreadcreate}, c.ProfileTypes())
	for _, pt := range c.ProfileTypes() {
		info, _ := models.LookupProfileType(pt)
		iv := intervals[pt]
		calls := s.profiles(pt)
		want := int(d / iv)
		requests := tgt.count("/debug/pprof/" + info.Path + "?debug=0")
		assert.GreaterOrEqual(t, len(calls), want/2, "%s: fetched on its schedule", pt)
		assert.LessOrEqual(t, requests, want+1, "%s: never more often than its interval", pt)
		assert.LessOrEqual(t, len(calls), requests, "%s: every stored body came from a debug=0 request", pt)
		for i, cl := range calls {
			assert.Equal(t, "api", cl.target)
			assert.True(t, bytes.HasPrefix(cl.body, []byte{0x1f, 0x8b}), "the body is handed over still compressed")
			if i > 0 {
				assert.Zero(t, cl.t.Sub(calls[0].t)%iv, "%s: ticks are a fixed offset plus whole intervals", pt)
			}
		}
		require.NotEmpty(t, calls)
		p, err := profile.Parse(bytes.NewReader(calls[0].body))
		require.NoError(t, err)
		assert.Equal(t, info.SampleTypes[len(info.SampleTypes)-1], p.SampleType[len(p.SampleType)-1].Type)

		st, ok := c.ProfileStatus("api", pt)
		require.True(t, ok)
		assert.False(t, st.LastSuccess.IsZero())
		assert.False(t, st.NotServed)
	}
	for _, u := range tgt.log() {
		assert.True(t, strings.HasSuffix(u, "?debug=0"), "only debug=0 profiles were asked for: %s", u)
		assert.NotContains(t, u, "allocs")
		assert.NotContains(t, u, "/debug/pprof/profile", "CPU profiles are off unless configured")
	}
	_, ok := c.ProfileStatus("api", models.ProfileAllocs)
	assert.False(t, ok)
}

func TestNilSinksCollectOnlyTheRuntime(t *testing.T) {
	tgt := newTarget(t, nil)
	run(t, scraperFor(tgt, nil), Config{
		Interval:         30 * time.Millisecond,
		ProfileIntervals: map[models.ProfileType]time.Duration{models.ProfileHeap: 20 * time.Millisecond},
		// Dumps configured but no sink: off.
		GoroutineDumpInterval: 20 * time.Millisecond,
	}, 300*time.Millisecond)
	reqs := tgt.log()
	require.NotEmpty(t, reqs)
	for _, u := range reqs {
		assert.Contains(t, []string{"/debug/vars", "/debug/pprof/"}, u)
	}
}

func TestNotServedProfileBacksOff(t *testing.T) {
	var served atomic.Bool
	tgt := newTarget(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/debug/pprof/goroutineleak" && served.Load() {
			// The target was upgraded to a Go that has the profile.
			r.URL.Path = "/debug/pprof/goroutine"
			return false
		}
		return false
	})
	s := &sink{}
	logs := &logRecorder{}
	const iv = 50 * time.Millisecond
	c := start(t, scraperFor(tgt, nil), Config{Logger: logs, ProfileSink: s, ProfileIntervals: map[models.ProfileType]time.Duration{
		models.ProfileGoroutineLeak: iv,
	}})
	const leak = "/debug/pprof/goroutineleak?debug=0"
	time.Sleep(45 * iv)

	st, ok := c.ProfileStatus("api", models.ProfileGoroutineLeak)
	require.True(t, ok)
	assert.True(t, st.NotServed)
	assert.ErrorIs(t, st.LastError, scrape.ErrNotServed)
	assert.EqualError(t, st.LastError, `target "api": GET /debug/pprof/goroutineleak?debug=0: not served by the target (HTTP 404 Not Found)`)
	n := tgt.count(leak)
	assert.GreaterOrEqual(t, n, 2, "asked again after the back-off")
	assert.LessOrEqual(t, n, 6, "about one request per %d intervals, not one per interval", NotServedReprobe)
	assert.Empty(t, s.profiles(models.ProfileGoroutineLeak))
	// Once, or twice if a loaded machine made one re-probe time out in between.
	assert.LessOrEqual(t, logs.count("goroutineleak profile not served"), 2, "logged on a change, not on every re-probe")
	assert.Zero(t, logs.count("warn", "not served"), "a profile the target does not have is not a warning")

	served.Store(true)
	require.Eventually(t, func() bool { return len(s.profiles(models.ProfileGoroutineLeak)) > 0 },
		time.Duration(NotServedReprobe+5)*iv+time.Second, 5*time.Millisecond, "noticed at a re-probe")
	stopWithin(t, c, 2*time.Second)
	st, _ = c.ProfileStatus("api", models.ProfileGoroutineLeak)
	assert.False(t, st.NotServed)
	assert.NoError(t, st.LastError)
}

func TestHugeProfileRefused(t *testing.T) {
	huge := append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{0}, 1<<20)...)
	tgt := newTarget(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/debug/pprof/heap" {
			_, _ = w.Write(huge)
			return true
		}
		return false
	})
	s := &sink{}
	c := run(t, scraperFor(tgt, func(ps *models.PluginSettings) { ps.MaxProfileBytes = 64 << 10 }),
		Config{ProfileSink: s, ProfileIntervals: map[models.ProfileType]time.Duration{
			models.ProfileHeap: 80 * time.Millisecond, models.ProfileMutex: 80 * time.Millisecond,
		}}, 400*time.Millisecond)

	st, ok := c.ProfileStatus("api", models.ProfileHeap)
	require.True(t, ok)
	assert.Equal(t, scrape.KindTooLarge, scrape.KindOf(st.LastError))
	assert.EqualError(t, st.LastError, `target "api": GET /debug/pprof/heap?debug=0: body too large: more than 65536 bytes (raise the maximum profile size)`)
	assert.True(t, st.LastSuccess.IsZero())
	assert.False(t, st.SinkFailed)
	assert.Empty(t, s.profiles(models.ProfileHeap), "a refused body never reaches the sink")
	assert.NotEmpty(t, s.profiles(models.ProfileMutex), "other types of the target are unaffected")
}

func TestHungTargetTimesOutWithoutPilingUp(t *testing.T) {
	var (
		mu       sync.Mutex
		arrivals []time.Time
	)
	tgt := newTarget(t, func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/debug/pprof/heap" {
			mu.Lock()
			arrivals = append(arrivals, time.Now())
			mu.Unlock()
			<-r.Context().Done()
			return true
		}
		return false
	})
	const (
		iv             = 50 * time.Millisecond
		requestTimeout = 150 * time.Millisecond
		d              = time.Second
	)
	s := &sink{}
	c := run(t, scraperFor(tgt, func(ps *models.PluginSettings) { ps.Timeout = requestTimeout }),
		Config{ProfileSink: s, ProfileIntervals: map[models.ProfileType]time.Duration{models.ProfileHeap: iv}}, d)

	// Each fetch is given up at its interval, but its request holds the target's slot until
	// the request timeout, so later ticks wait instead of sending more.
	const heap = "/debug/pprof/heap?debug=0"
	mu.Lock()
	for i := 1; i < len(arrivals); i++ {
		// The server notices a closed connection a moment after the client closed it, so
		// the gap is measured from arrival to arrival.
		assert.GreaterOrEqual(t, arrivals[i].Sub(arrivals[i-1]), requestTimeout-10*time.Millisecond,
			"a request to the hung target was sent before the previous one timed out")
	}
	mu.Unlock()
	n := tgt.count(heap)
	assert.GreaterOrEqual(t, n, 2, "a later tick asks again once the hung request timed out")
	assert.LessOrEqual(t, n, int(d/requestTimeout)+1, "one request per request timeout, not one per tick")
	st, ok := c.ProfileStatus("api", models.ProfileHeap)
	require.True(t, ok)
	assert.Equal(t, scrape.KindTimeout, scrape.KindOf(st.LastError))
	assert.Contains(t, st.LastError.Error(), `target "api": `)
	assert.Empty(t, s.profiles(models.ProfileHeap))
}

func TestCPUProfileOnlyWhenEnabled(t *testing.T) {
	// The CPU requests' spans and the runtime scrapes' arrivals, to show that a CPU profile
	// does not hold up the runtime scrape.
	var (
		mu       sync.Mutex
		cpuSpans [][2]time.Time
		scrapes  []time.Time
	)
	tgt := newTarget(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/debug/pprof/profile":
			start := time.Now()
			pprof.Profile(w, r)
			mu.Lock()
			cpuSpans = append(cpuSpans, [2]time.Time{start, time.Now()})
			mu.Unlock()
			return true
		case "/debug/vars":
			mu.Lock()
			scrapes = append(scrapes, time.Now())
			mu.Unlock()
		}
		return false
	})
	s := &sink{}
	sc := scraperFor(tgt, nil) // 1 s profiles

	// An interval that is not longer than the profile is refused.
	logs := &logRecorder{}
	c := New(sc, store.NewMemory(time.Hour), Config{Targets: []string{"api"}, Interval: time.Hour, Logger: logs, ProfileSink: s, CPUProfileSeconds: 1,
		ProfileIntervals: map[models.ProfileType]time.Duration{models.ProfileCPU: time.Second}})
	assert.Empty(t, c.ProfileTypes())
	assert.Equal(t, 1, logs.count("warn", "cpu profiles are off"))

	c = start(t, sc, Config{Interval: 100 * time.Millisecond, ProfileSink: s, CPUProfileSeconds: 1,
		ProfileIntervals: map[models.ProfileType]time.Duration{models.ProfileCPU: 1500 * time.Millisecond}})
	assert.Equal(t, []models.ProfileType{models.ProfileCPU}, c.ProfileTypes())
	require.Eventually(t, func() bool { return len(s.profiles(models.ProfileCPU)) > 0 }, 5*time.Second, 10*time.Millisecond)
	stopWithin(t, c, 2*time.Second)

	for _, u := range tgt.log() {
		if strings.HasPrefix(u, "/debug/pprof/profile") {
			assert.Equal(t, "/debug/pprof/profile?seconds=1", u)
		}
	}
	assert.Equal(t, 1, tgt.peakOf("/debug/pprof/profile?seconds=1"))
	p, err := profile.Parse(bytes.NewReader(s.profiles(models.ProfileCPU)[0].body))
	require.NoError(t, err)
	assert.Equal(t, "cpu", p.SampleType[1].Type)

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, cpuSpans)
	during := 0
	for _, at := range scrapes {
		if at.After(cpuSpans[0][0]) && at.Before(cpuSpans[0][1]) {
			during++
		}
	}
	assert.GreaterOrEqual(t, during, 5, "runtime scrapes every 100 ms go on while the 1 s CPU profile runs")
}

func TestProfileSinkErrorsLandInTheStatus(t *testing.T) {
	tgt := newTarget(t, nil)
	s := &sink{}
	corrupt := errors.New("decoding the profile: gzip: invalid checksum")
	s.setFail(func(c call) error {
		if c.pt == models.ProfileHeap {
			return corrupt
		}
		return nil
	})
	logs := &logRecorder{}
	const iv = 150 * time.Millisecond
	c := start(t, scraperFor(tgt, nil), Config{Logger: logs, ProfileSink: s,
		ProfileIntervals: map[models.ProfileType]time.Duration{models.ProfileHeap: iv}})
	require.Eventually(t, func() bool { return len(s.profiles(models.ProfileHeap)) >= 4 }, 2*3*time.Second, 5*time.Millisecond)

	st, ok := c.ProfileStatus("api", models.ProfileHeap)
	require.True(t, ok)
	assert.ErrorIs(t, st.LastError, corrupt)
	assert.EqualError(t, st.LastError, `target "api": storing the heap profile: decoding the profile: gzip: invalid checksum`)
	assert.True(t, st.SinkFailed)
	assert.True(t, st.LastSuccess.IsZero())
	assert.Positive(t, st.LastBytes, "the fetch itself worked")
	assert.Equal(t, 1, logs.count("warn", "heap profile failed", "invalid checksum"), "a failure that persists is logged once")

	s.setFail(nil)
	require.Eventually(t, func() bool {
		st, _ := c.ProfileStatus("api", models.ProfileHeap)
		return st.LastError == nil
	}, 2*3*time.Second, 5*time.Millisecond)
	stopWithin(t, c, 2*time.Second)
	st, _ = c.ProfileStatus("api", models.ProfileHeap)
	assert.False(t, st.SinkFailed)
	assert.False(t, st.LastSuccess.IsZero())
	assert.Equal(t, 1, logs.count("info", "heap profile collected again"))
}
