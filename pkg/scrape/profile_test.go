package scrape

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	"regexp"
	rpprof "runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// profileMux serves the real pprof handlers as a Go service registering them explicitly does.
func profileMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return mux
}

func profileScraper(url string, mut func(*models.PluginSettings)) *Scraper {
	ps := settings(5*time.Second, maxBytes, "api", url)
	ps.CPUProfileSeconds = 1
	if mut != nil {
		mut(ps)
	}
	return New(&http.Client{}, ps)
}

// servedByThisRuntime reports whether this test binary's runtime has the profile, which
// decides between a body and a 404 for goroutineleak.
func servedByThisRuntime(pt models.ProfileType) bool {
	info, _ := models.LookupProfileType(pt)
	return info.Type == models.ProfileCPU || rpprof.Lookup(info.Path) != nil
}

func TestFetchProfileEveryCollectedType(t *testing.T) {
	srv, rec := newServer(t, profileMux())
	s := profileScraper(srv.URL, nil)
	for _, pt := range models.CollectedProfileTypes() {
		if pt == models.ProfileCPU {
			continue // TestFetchCPUProfile
		}
		t.Run(string(pt), func(t *testing.T) {
			info, _ := models.LookupProfileType(pt)
			body, err := s.FetchProfile(context.Background(), "api", pt)
			assert.Equal(t, []string{"/debug/pprof/" + info.Path + "?debug=0"}, rec.take())
			if !servedByThisRuntime(pt) {
				require.ErrorIs(t, err, ErrNotServed)
				return
			}
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(body, gzipMagic), "returned still compressed, as sent")
			p, err := profile.Parse(bytes.NewReader(body))
			require.NoError(t, err)
			var types []string
			for _, st := range p.SampleType {
				types = append(types, st.Type)
			}
			assert.Equal(t, info.SampleTypes, types)
		})
	}
}

func TestFetchProfileAllocsIsNeverRequested(t *testing.T) {
	srv, rec := newServer(t, profileMux())
	s := profileScraper(srv.URL, nil)
	for _, pt := range []models.ProfileType{models.ProfileAllocs, "nosuch"} {
		_, err := s.FetchProfile(context.Background(), "api", pt)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `target "api"`)
		assert.False(t, IsDownstream(err), "asking for a type that is not fetched is not the target's fault")
	}
	_, err := s.FetchProfile(context.Background(), "api", models.ProfileAllocs)
	assert.EqualError(t, err, `target "api": profile type "allocs" is not fetched: its data comes from the heap profile`)
	assert.Empty(t, rec.take())
}

func TestFetchCPUProfile(t *testing.T) {
	srv, rec := newServer(t, profileMux())
	// The request timeout is far shorter than the profile: a CPU profile gets both.
	s := profileScraper(srv.URL, func(ps *models.PluginSettings) { ps.Timeout = 300 * time.Millisecond })
	start := time.Now()
	body, err := s.FetchProfile(context.Background(), "api", models.ProfileCPU)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the handler profiles for the whole second")
	assert.Equal(t, []string{"/debug/pprof/profile?seconds=1"}, rec.take())
	p, err := profile.Parse(bytes.NewReader(body))
	require.NoError(t, err)
	assert.Equal(t, "cpu", p.SampleType[1].Type)
	assert.InDelta(t, time.Second, time.Duration(p.DurationNanos), float64(300*time.Millisecond))
}

func TestProfileEndpoint(t *testing.T) {
	for pt, want := range map[models.ProfileType]string{
		models.ProfileHeap:          "/debug/pprof/heap?debug=0",
		models.ProfileGoroutine:     "/debug/pprof/goroutine?debug=0",
		models.ProfileBlock:         "/debug/pprof/block?debug=0",
		models.ProfileMutex:         "/debug/pprof/mutex?debug=0",
		models.ProfileThreadcreate:  "/debug/pprof/threadcreate?debug=0",
		models.ProfileGoroutineLeak: "/debug/pprof/goroutineleak?debug=0",
		models.ProfileCPU:           "/debug/pprof/profile?seconds=7",
	} {
		got, err := ProfileEndpoint(pt, 7)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.NotContains(t, got, "gc=")
	}
	for _, secs := range []int{0, -1, models.MaxCPUProfileSeconds + 1} {
		_, err := ProfileEndpoint(models.ProfileCPU, secs)
		assert.ErrorContains(t, err, "cpu profile length")
	}
}

func TestFetchProfileNotServed(t *testing.T) {
	srv, _ := newServer(t, profileMux())
	s := profileScraper(srv.URL, nil)
	// This test binary's runtime has no goroutineleak profile (no GOEXPERIMENT), so the
	// real handler answers 404 "Unknown profile", as an older target does.
	require.False(t, servedByThisRuntime(models.ProfileGoroutineLeak))
	_, err := s.FetchProfile(context.Background(), "api", models.ProfileGoroutineLeak)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotServed)
	assert.Equal(t, KindNotFound, KindOf(err))
	assert.True(t, IsDownstream(err))
	assert.Equal(t, `target "api": GET /debug/pprof/goroutineleak?debug=0: not served by the target (HTTP 404 Not Found)`, err.Error())

	// Other failures are not "not served".
	broken, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "profiling disabled", http.StatusInternalServerError)
	}))
	_, err = profileScraper(broken.URL, nil).FetchProfile(context.Background(), "api", models.ProfileHeap)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotServed)
	assert.Equal(t, `target "api": GET /debug/pprof/heap?debug=0: HTTP 500 Internal Server Error: profiling disabled`, err.Error())
}

func TestFetchProfileTooLarge(t *testing.T) {
	huge := append(append([]byte{}, gzipMagic...), bytes.Repeat([]byte{0}, 4096)...)
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(huge)
	}))
	s := profileScraper(srv.URL, func(ps *models.PluginSettings) { ps.MaxProfileBytes = 4096 })
	_, err := s.FetchProfile(context.Background(), "api", models.ProfileHeap)
	require.Error(t, err)
	assert.Equal(t, KindTooLarge, KindOf(err))
	assert.Equal(t, `target "api": GET /debug/pprof/heap?debug=0: body too large: more than 4096 bytes (raise the maximum profile size)`, err.Error())

	// Exactly at the cap is fine, and the runtime response limit does not apply.
	s = profileScraper(srv.URL, func(ps *models.PluginSettings) { ps.MaxProfileBytes = int64(len(huge)); ps.MaxResponseBytes = 10 })
	body, err := s.FetchProfile(context.Background(), "api", models.ProfileHeap)
	require.NoError(t, err)
	assert.Equal(t, huge, body)
}

func TestFetchProfileNotPprof(t *testing.T) {
	for name, body := range map[string]string{
		"login page": "<html><body>Sign in</body></html>",
		"json":       `{"error":"nope"}`,
		"empty":      "",
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := newServer(t, text("text/html", body))
			_, err := profileScraper(srv.URL, nil).FetchProfile(context.Background(), "api", models.ProfileHeap)
			require.Error(t, err)
			assert.Equal(t, KindNotPprof, KindOf(err))
			assert.Contains(t, err.Error(), `target "api": GET /debug/pprof/heap?debug=0: not a Go pprof endpoint: expected a gzip-compressed profile, got `)
		})
	}
}

func TestFetchGoroutines(t *testing.T) {
	srv, rec := newServer(t, profileMux())
	s := profileScraper(srv.URL, nil)

	body, err := s.FetchGoroutines(context.Background(), "api", 1)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(body), "goroutine profile: total "))
	assert.Equal(t, []string{"/debug/pprof/goroutine?debug=1"}, rec.take())

	body, err = s.FetchGoroutines(context.Background(), "api", 2)
	require.NoError(t, err)
	assert.Regexp(t, `^goroutine \d+ \[running\]:\n`, string(body))
	assert.Contains(t, string(body), "created by ")
	assert.Equal(t, []string{"/debug/pprof/goroutine?debug=2"}, rec.take())

	_, err = s.FetchGoroutines(context.Background(), "api", 0)
	assert.EqualError(t, err, `target "api": goroutine debug level 0 is not 1 or 2`)
	assert.Empty(t, rec.take())

	html, _ := newServer(t, text("text/html", "<html>hi</html>"))
	_, err = profileScraper(html.URL, nil).FetchGoroutines(context.Background(), "api", 2)
	assert.Equal(t, KindNotPprof, KindOf(err))
	assert.EqualError(t, err, `target "api": GET /debug/pprof/goroutine?debug=2: not a Go pprof endpoint: expected a goroutine dump, got an HTML page`)
}

func TestFetchGoroutineDumpCap(t *testing.T) {
	// A dump over the runtime's own 64 MiB limit cannot come from a Go runtime; anything
	// up to it must pass even though it is far above the maximum response size.
	chunk := bytes.Repeat([]byte("goroutine 1 [select]:\nmain.f()\n\t/x.go:1 +0x1\n\n"), 1<<14)
	var size atomic.Int64
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for sent := int64(0); sent < size.Load(); sent += int64(len(chunk)) {
			if _, err := w.Write(chunk[:min(int64(len(chunk)), size.Load()-sent)]); err != nil {
				return
			}
		}
	}))
	s := profileScraper(srv.URL, nil)
	size.Store(MaxGoroutineDumpBytes)
	body, err := s.FetchGoroutines(context.Background(), "api", 2)
	require.NoError(t, err)
	assert.Len(t, body, MaxGoroutineDumpBytes)

	size.Store(MaxGoroutineDumpBytes + 1)
	_, err = s.FetchGoroutines(context.Background(), "api", 2)
	assert.Equal(t, KindTooLarge, KindOf(err))
	assert.EqualError(t, err, `target "api": GET /debug/pprof/goroutine?debug=2: body too large: more than 68157440 bytes (more than a Go runtime ever writes)`)
}

// TestExpensiveLane checks both halves of the lane rule on the server side: profiles, CPU
// profiles and dumps of one target never overlap, even from two Scrapers, while the runtime
// scrape goes on during a slow one.
func TestExpensiveLane(t *testing.T) {
	var expensive, peak atomic.Int32
	release := make(chan struct{})
	var releaseOnce sync.Once
	mux := profileMux()
	mux.Handle("/debug/vars", pprofMux())
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/vars" || r.URL.Path == "/debug/pprof/" {
			mux.ServeHTTP(w, r)
			return
		}
		n := expensive.Add(1)
		defer expensive.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if r.URL.Query().Get("debug") == "2" {
			select { // a slow dump
			case <-release:
			case <-r.Context().Done():
			}
		}
		time.Sleep(2 * time.Millisecond)
		mux.ServeHTTP(w, r)
	}))
	defer releaseOnce.Do(func() { close(release) })
	a, b := profileScraper(srv.URL, nil), profileScraper(srv.URL+"/", nil)

	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := a.FetchGoroutines(context.Background(), "api", 2)
		assert.NoError(t, err)
	})
	require.Eventually(t, func() bool { return expensive.Load() == 1 }, 2*time.Second, time.Millisecond)

	// The dump holds the expensive slot: runtime scrapes still complete.
	for range 3 {
		snap, err := b.ScrapeRuntime(context.Background(), "api")
		require.NoError(t, err)
		assert.True(t, snap.HasGoroutines)
	}
	// Another expensive request waits for the slot rather than overlapping.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := b.FetchProfile(ctx, "api", models.ProfileHeap)
	cancel()
	assert.Equal(t, KindTimeout, KindOf(err))
	assert.ErrorContains(t, err, "timed out waiting for an earlier request to this target to finish")

	for _, s := range []*Scraper{a, b} {
		for _, pt := range []models.ProfileType{models.ProfileHeap, models.ProfileMutex, models.ProfileCPU} {
			wg.Go(func() {
				_, err := s.FetchProfile(context.Background(), "api", pt)
				assert.NoError(t, err)
			})
		}
		wg.Go(func() {
			_, err := s.FetchGoroutines(context.Background(), "api", 2)
			assert.NoError(t, err)
		})
	}
	time.Sleep(20 * time.Millisecond)
	releaseOnce.Do(func() { close(release) })
	wg.Wait()
	assert.EqualValues(t, 1, peak.Load(), "expensive requests to one target overlapped")
}

// TestAbandonedDumpKeepsTheSlot gives up on a slow dump, which the target keeps writing, and
// checks that the next expensive request waits for the target to finish it.
func TestAbandonedDumpKeepsTheSlot(t *testing.T) {
	const slow = 300 * time.Millisecond
	var inFlight, peak atomic.Int32
	mux := profileMux()
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if r.URL.Query().Get("debug") == "2" {
			time.Sleep(slow) // runtime.Stack under stop-the-world does not notice the client leave
		}
		mux.ServeHTTP(w, r)
	}))
	s := profileScraper(srv.URL, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.FetchGoroutines(ctx, "api", 2)
	assert.Less(t, time.Since(start), slow, "the caller is not kept waiting")
	assert.Equal(t, KindTimeout, KindOf(err))
	// The limit reported is what was left of the caller's 50 ms when the request started: on a
	// loaded machine a millisecond or two has already passed by then.
	m := regexp.MustCompile(`^target "api": GET /debug/pprof/goroutine\?debug=2: timed out after (\d+)ms$`).FindStringSubmatch(err.Error())
	require.NotNil(t, m, "error %q", err)
	left, _ := strconv.Atoi(m[1])
	assert.True(t, left > 0 && left <= 50, "reported limit %d ms is not what was left of 50 ms", left)

	_, err = s.FetchProfile(context.Background(), "api", models.ProfileHeap)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), slow, "the next expensive request waited for the abandoned dump")
	assert.EqualValues(t, 1, peak.Load(), "the abandoned dump and the next request overlapped on the target")

	canceled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = s.FetchGoroutines(canceled, "api", 2)
	assert.Equal(t, KindCanceled, KindOf(err))
	assert.False(t, IsDownstream(err))
}

func TestScrapeRuntimeKeepsTheDebug1Body(t *testing.T) {
	full := pprofMux()
	srv, _ := newServer(t, full)
	snap, err := newScraper(srv.URL, 5*time.Second, maxBytes).ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Nil(t, snap.GoroutineDebug1, "the count came from the index")

	htmlIndex, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/pprof/" {
			text("text/html", "<html>Welcome</html>")(w, r)
			return
		}
		full.ServeHTTP(w, r)
	}))
	snap, err = newScraper(htmlIndex.URL, 5*time.Second, maxBytes).ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	require.True(t, snap.HasGoroutines)
	assert.True(t, strings.HasPrefix(string(snap.GoroutineDebug1), fmt.Sprintf("goroutine profile: total %d\n", snap.Goroutines)))
}
