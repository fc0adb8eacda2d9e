package scrape

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProbe(t *testing.T) {
	htmlPage := text("text/html", "<html><body>Hello from nginx</body></html>")
	tests := []struct {
		name string
		// handler serves the target; nil means nothing listens at the target's address.
		handler     http.Handler
		timeout     time.Duration
		wantOK      bool
		wantSource  Source
		wantSummary *regexp.Regexp
		wantPaths   []string
	}{
		{
			name:        "ok",
			handler:     pprofMux(),
			wantOK:      true,
			wantSource:  SourceExpvar,
			wantSummary: regexp.MustCompile(`^t: ok \(MemStats via /debug/vars, \d+ goroutines\)$`),
			wantPaths:   []string{"/debug/vars", "/debug/pprof/"},
		},
		{
			name:        "ok without expvar",
			handler:     pprofOnlyMux(),
			wantOK:      true,
			wantSource:  SourceHeapDebug,
			wantSummary: regexp.MustCompile(`^t: ok \(MemStats via /debug/pprof/heap\?debug=1, \d+ goroutines\)$`),
			wantPaths:   []string{"/debug/vars", "/debug/pprof/heap?debug=1", "/debug/pprof/"},
		},
		{
			name: "ok without a goroutine count",
			handler: routes(map[string]http.HandlerFunc{
				"/debug/vars": pprofMux().ServeHTTP,
			}),
			wantOK:      true,
			wantSource:  SourceExpvar,
			wantSummary: regexp.MustCompile(`^t: ok \(MemStats via /debug/vars; no goroutine count: /debug/pprof/: HTTP 404 Not Found; /debug/pprof/goroutine\?debug=1: HTTP 404 Not Found\)$`),
			wantPaths:   []string{"/debug/vars", "/debug/pprof/", "/debug/pprof/goroutine?debug=1"},
		},
		{
			name:        "refused",
			wantSummary: regexp.MustCompile(`^t: /debug/vars: connection refused; /debug/pprof/: connection refused$`),
			wantPaths:   []string{"/debug/vars", "/debug/pprof/"},
		},
		{
			name:    "not pprof",
			handler: htmlPage,
			wantSummary: regexp.MustCompile(`^t: /debug/vars: not a Go pprof endpoint: expected expvar JSON, got an HTML page; ` +
				`/debug/pprof/heap\?debug=1: not a Go pprof endpoint: .*; ` +
				`/debug/pprof/: not a Go pprof endpoint: expected the pprof index, got an HTML page$`),
			wantPaths: []string{"/debug/vars", "/debug/pprof/heap?debug=1", "/debug/pprof/"},
		},
		{
			name: "hung: one timeout, then stop",
			handler: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			}),
			timeout:     200 * time.Millisecond,
			wantSummary: regexp.MustCompile(`^t: /debug/vars: timed out after 200ms$`),
			wantPaths:   []string{"/debug/vars"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "http://" + closedAddr(t)
			if tt.handler != nil {
				srv, _ := newServer(t, tt.handler)
				base = srv.URL
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			s := New(&http.Client{Timeout: timeout}, settings(timeout, maxBytes, "t", base))

			start := time.Now()
			r := s.Probe(context.Background(), "t")
			assert.Less(t, time.Since(start), timeout+time.Second)

			assert.Equal(t, tt.wantOK, r.OK)
			assert.Equal(t, tt.wantSource, r.Source)
			assert.NoError(t, r.Err)
			assert.Regexp(t, tt.wantSummary, r.Summary())
			var paths []string
			for _, e := range r.Endpoints {
				paths = append(paths, e.Path)
			}
			assert.Equal(t, tt.wantPaths, paths)
		})
	}
}

func TestProbeRemembersTheSourceForScrapes(t *testing.T) {
	srv, rec := newServer(t, pprofOnlyMux())
	s := newScraper(srv.URL, 5*time.Second, maxBytes)
	require.True(t, s.Probe(context.Background(), "api").OK)
	rec.take()

	snap, err := s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err)
	assert.Equal(t, SourceHeapDebug, snap.Source)
	assert.Equal(t, []string{"/debug/pprof/heap?debug=1", "/debug/pprof/"}, rec.take())
}

func TestProbeUnknownTarget(t *testing.T) {
	s := New(http.DefaultClient, settings(time.Second, maxBytes))
	r := s.Probe(context.Background(), "ghost")
	assert.False(t, r.OK)
	require.ErrorIs(t, r.Err, ErrUnknownTarget)
	assert.Equal(t, "ghost: unknown target", r.Summary())
}
