package scrape

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

const maxBytes = models.DefaultMaxResponseBytes

func TestScrapeRuntimeSources(t *testing.T) {
	// htmlIndex replaces the pprof index with an unrelated page, as a service that mounts
	// only some pprof handlers behind its own landing page would.
	htmlIndex := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/debug/pprof/" {
				text("text/html", "<html><body>Welcome</body></html>")(w, r)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	tests := []struct {
		name    string
		handler http.Handler
		// want is the source and the requests of the first and of the second scrape: the
		// second shows that the working sources are remembered.
		wantSource Source
		wantFirst  []string
		wantSecond []string
	}{
		{
			name:       "expvar and index",
			handler:    pprofMux(),
			wantSource: SourceExpvar,
			wantFirst:  []string{"/debug/vars", "/debug/pprof/"},
			wantSecond: []string{"/debug/vars", "/debug/pprof/"},
		},
		{
			name:       "heap trailer when /debug/vars is 404",
			handler:    pprofOnlyMux(),
			wantSource: SourceHeapDebug,
			wantFirst:  []string{"/debug/vars", "/debug/pprof/heap?debug=1", "/debug/pprof/"},
			wantSecond: []string{"/debug/pprof/heap?debug=1", "/debug/pprof/"},
		},
		{
			name:       "goroutine?debug=1 when the index is not pprof's",
			handler:    htmlIndex(pprofMux()),
			wantSource: SourceExpvar,
			wantFirst:  []string{"/debug/vars", "/debug/pprof/", "/debug/pprof/goroutine?debug=1"},
			wantSecond: []string{"/debug/vars", "/debug/pprof/goroutine?debug=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := newServer(t, tt.handler)
			s := newScraper(srv.URL, 5*time.Second, maxBytes)

			before := time.Now()
			snap, err := s.ScrapeRuntime(context.Background(), "api")
			require.NoError(t, err)
			assert.Equal(t, tt.wantSource, snap.Source)
			require.NotNil(t, snap.MemStats)
			assert.NotZero(t, snap.MemStats.HeapAlloc)
			assert.NotZero(t, snap.MemStats.Sys)
			assert.True(t, snap.HasGoroutines)
			assert.NoError(t, snap.GoroutineErr)
			assert.Positive(t, snap.Goroutines)
			assert.False(t, snap.Time.Before(before))
			assert.Equal(t, tt.wantFirst, rec.take())

			snap, err = s.ScrapeRuntime(context.Background(), "api")
			require.NoError(t, err)
			assert.Equal(t, tt.wantSource, snap.Source)
			assert.True(t, snap.HasGoroutines)
			assert.Equal(t, tt.wantSecond, rec.take())
		})
	}
}

func TestScrapeRuntimeRedetectsWhenExpvarFails(t *testing.T) {
	var broken atomic.Bool
	mux := pprofMux()
	srv, rec := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() && r.URL.Path == "/debug/vars" {
			http.Error(w, "expvar disabled", http.StatusInternalServerError)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	s := newScraper(srv.URL, 5*time.Second, maxBytes)

	snap, err := s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, SourceExpvar, snap.Source)
	rec.take()

	// The remembered source fails: the same scrape falls back to the heap trailer.
	broken.Store(true)
	snap, err = s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, SourceHeapDebug, snap.Source)
	assert.NotZero(t, snap.MemStats.HeapAlloc)
	assert.Equal(t, []string{"/debug/vars", "/debug/pprof/heap?debug=1", "/debug/pprof/"}, rec.take())

	// From then on the heap trailer is asked first.
	snap, err = s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, SourceHeapDebug, snap.Source)
	assert.Equal(t, []string{"/debug/pprof/heap?debug=1", "/debug/pprof/"}, rec.take())
}

func TestScrapeRuntimeRechecksTheCheaperSource(t *testing.T) {
	var expvarUp atomic.Bool
	full, noVars := pprofMux(), pprofOnlyMux()
	srv, rec := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if expvarUp.Load() {
			full.ServeHTTP(w, r)
			return
		}
		noVars.ServeHTTP(w, r)
	}))
	s := newScraper(srv.URL, 5*time.Second, maxBytes)
	age := func() {
		// Pretend the fallback was chosen long ago.
		s.memSources.mu.Lock()
		c := s.memSources.m["api"]
		c.since = c.since.Add(-recheckCheaperAfter - time.Second)
		s.memSources.m["api"] = c
		s.memSources.mu.Unlock()
	}

	snap, err := s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	require.Equal(t, SourceHeapDebug, snap.Source)
	rec.take()

	// Still no expvar at the recheck: one extra request, then quiet again.
	age()
	_, err = s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, []string{"/debug/vars", "/debug/pprof/heap?debug=1", "/debug/pprof/"}, rec.take())
	_, err = s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, []string{"/debug/pprof/heap?debug=1", "/debug/pprof/"}, rec.take())

	// expvar came back: the next recheck moves the target to it for good.
	expvarUp.Store(true)
	age()
	snap, err = s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, SourceExpvar, snap.Source)
	assert.Equal(t, []string{"/debug/vars", "/debug/pprof/"}, rec.take())
}

func TestScrapeRuntimeGoroutineFailureIsPartial(t *testing.T) {
	mux := pprofMux()
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/vars" {
			mux.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	s := newScraper(srv.URL, 5*time.Second, maxBytes)

	snap, err := s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	require.NotNil(t, snap.MemStats)
	assert.Equal(t, SourceExpvar, snap.Source)
	assert.False(t, snap.HasGoroutines)
	assert.Zero(t, snap.Goroutines)
	require.Error(t, snap.GoroutineErr)
	assert.Equal(t, KindNotFound, KindOf(snap.GoroutineErr))
	assert.Contains(t, snap.GoroutineErr.Error(), `target "api"`)
	assert.Contains(t, snap.GoroutineErr.Error(), "/debug/pprof/goroutine?debug=1")
}

func TestScrapeRuntimeBaseURLWithPathPrefix(t *testing.T) {
	srv, rec := newServer(t, http.StripPrefix("/app", pprofMux()))
	for _, base := range []string{srv.URL + "/app", srv.URL + "/app/"} {
		t.Run(base, func(t *testing.T) {
			snap, err := newScraper(base, 5*time.Second, maxBytes).ScrapeRuntime(context.Background(), "api")
			require.NoError(t, err)
			assert.Equal(t, SourceExpvar, snap.Source)
			assert.True(t, snap.HasGoroutines)
			assert.Equal(t, []string{"/app/debug/vars", "/app/debug/pprof/"}, rec.take())
		})
	}
}

func TestScrapeRuntimeUnknownTarget(t *testing.T) {
	s := New(http.DefaultClient, settings(time.Second, maxBytes, "api", "http://127.0.0.1:1"))
	_, err := s.ScrapeRuntime(context.Background(), "nope")
	require.ErrorIs(t, err, ErrUnknownTarget)
	assert.Contains(t, err.Error(), `target "nope"`)
	assert.False(t, IsDownstream(err), "a name that is not configured is not the target's fault")
}

func TestEndpointURL(t *testing.T) {
	tests := []struct {
		base, endpoint, want string
	}{
		{"http://h:1", pathVars, "http://h:1/debug/vars"},
		{"http://h:1/", pathVars, "http://h:1/debug/vars"},
		{"http://h:1/app", pathIndex, "http://h:1/app/debug/pprof/"},
		{"http://h:1/app/", pathHeap, "http://h:1/app/debug/pprof/heap?debug=1"},
		{"https://h/app?token=x", pathGoroutine, "https://h/app/debug/pprof/goroutine?token=x&debug=1"},
		{"http://h/a%20b/#frag", pathVars, "http://h/a%20b/debug/vars"},
	}
	for _, tt := range tests {
		t.Run(tt.base+tt.endpoint, func(t *testing.T) {
			tg := parseTarget(models.Target{Name: "x", URL: tt.base})
			require.NoError(t, tg.err)
			assert.Equal(t, tt.want, endpointURL(tg.base, tt.endpoint))
		})
	}
}

func TestScrapeRuntimeInvalidBaseURL(t *testing.T) {
	s := New(http.DefaultClient, settings(time.Second, maxBytes,
		"bad", "http://user:pw-secret@[::1", "ftp", "ftp://user:pw-secret@h/"))
	for _, name := range []string{"bad", "ftp"} {
		_, err := s.ScrapeRuntime(context.Background(), name)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `target "`+name+`"`)
		assert.NotContains(t, err.Error(), "pw-secret")
		assert.False(t, IsDownstream(err))
	}
}
