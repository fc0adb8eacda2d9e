package scrape

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScrapeRuntimeFaults(t *testing.T) {
	realVars := capture(t, pprofMux(), "/debug/vars")
	realHeap := capture(t, pprofMux(), "/debug/pprof/heap?debug=1")
	require.Contains(t, realVars, `"HeapAlloc":`)
	htmlPage := text("text/html; charset=utf-8", "<!doctype html><html><body><h1>Login</h1></body></html>")

	tests := []struct {
		name string
		// handler serves the target; nil means nothing listens at the target's address.
		handler  http.Handler
		timeout  time.Duration
		maxBytes int64
		wantKind Kind
		// wantMsg are substrings of the error message, besides the target's name.
		wantMsg []string
	}{
		{
			name:     "connection refused",
			wantKind: KindRefused,
			wantMsg:  []string{"GET /debug/vars: connection refused"},
		},
		{
			name: "hung server",
			handler: http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			}),
			timeout:  200 * time.Millisecond,
			wantKind: KindTimeout,
			wantMsg:  []string{"GET /debug/vars: timed out after 200ms"},
		},
		{
			name:     "HTML page everywhere",
			handler:  htmlPage,
			wantKind: KindNotPprof,
			wantMsg:  []string{"not a Go pprof endpoint", "HTML page", "/debug/vars", "/debug/pprof/heap?debug=1"},
		},
		{
			name:     "404 everywhere",
			handler:  http.NotFoundHandler(),
			wantKind: KindNotFound,
			wantMsg:  []string{"no MemStats source answered: GET /debug/vars and GET /debug/pprof/heap?debug=1: HTTP 404 Not Found"},
		},
		{
			name: "JSON without memstats",
			handler: routes(map[string]http.HandlerFunc{
				"/debug/vars": text("application/json", `{"cmdline":["/bin/app"],"requests":42}`),
			}),
			wantKind: KindNotPprof,
			wantMsg:  []string{"GET /debug/vars: not a Go pprof endpoint: the JSON has no memstats"},
		},
		{
			name: "body cut short by the connection",
			handler: routes(map[string]http.HandlerFunc{
				"/debug/vars": func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Length", strconv.Itoa(len(realVars)))
					_, _ = w.Write([]byte(realVars[:len(realVars)/2]))
				},
			}),
			wantKind: KindMalformed,
			wantMsg:  []string{"GET /debug/vars: truncated body"},
		},
		{
			name: "truncated JSON",
			handler: routes(map[string]http.HandlerFunc{
				"/debug/vars": text("application/json", realVars[:len(realVars)/2]),
			}),
			wantKind: KindMalformed,
			wantMsg:  []string{"GET /debug/vars: malformed response"},
		},
		{
			name:     "oversized body",
			handler:  pprofMux(),
			maxBytes: 1024,
			wantKind: KindTooLarge,
			wantMsg:  []string{"body too large: more than 1024 bytes"},
		},
		{
			name: "401",
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "who are you", http.StatusUnauthorized)
			}),
			wantKind: KindUnauthorized,
			wantMsg:  []string{"HTTP 401 Unauthorized: check the data source's auth settings"},
		},
		{
			name: "403",
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "go away", http.StatusForbidden)
			}),
			wantKind: KindUnauthorized,
			wantMsg:  []string{"HTTP 403 Forbidden: check the data source's auth settings"},
		},
		{
			name: "malformed number in the heap trailer",
			handler: routes(map[string]http.HandlerFunc{
				"/debug/pprof/heap": text("text/plain; charset=utf-8", replaceLine(t, realHeap, "# HeapAlloc = ", "# HeapAlloc = 12x4")),
			}),
			wantKind: KindMalformed,
			wantMsg:  []string{"GET /debug/pprof/heap?debug=1: malformed response", "HeapAlloc"},
		},
		{
			name: "malformed number in expvar",
			handler: routes(map[string]http.HandlerFunc{
				"/debug/vars": text("application/json", strings.Replace(realVars, `"HeapAlloc":`, `"HeapAlloc":-`, 1)),
			}),
			wantKind: KindMalformed,
			wantMsg:  []string{"GET /debug/vars: malformed response", "HeapAlloc"},
		},
		{
			name: "server error with a plain-text reason",
			handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "profiling disabled by policy", http.StatusInternalServerError)
			}),
			wantKind: KindHTTPStatus,
			wantMsg:  []string{"HTTP 500 Internal Server Error: profiling disabled by policy"},
		},
		{
			name: "redirect to another host",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://elsewhere.example"+r.URL.Path, http.StatusFound)
			}),
			wantKind: KindHTTPStatus,
			wantMsg:  []string{"HTTP 302 Found: redirect to elsewhere.example not followed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base string
			if tt.handler == nil {
				base = "http://" + closedAddr(t)
			} else {
				srv, _ := newServer(t, tt.handler)
				base = srv.URL
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			limit := tt.maxBytes
			if limit == 0 {
				limit = maxBytes
			}
			s := New(&http.Client{Timeout: timeout, CheckRedirect: sameHostRedirects}, settings(timeout, limit, "api", base))

			start := time.Now()
			snap, err := s.ScrapeRuntime(context.Background(), "api")
			elapsed := time.Since(start)

			require.Error(t, err)
			assert.Nil(t, snap)
			assert.Equal(t, tt.wantKind, KindOf(err), "error: %v", err)
			assert.True(t, IsDownstream(err))
			msg := err.Error()
			t.Log(msg)
			assert.True(t, strings.HasPrefix(msg, `target "api": `), "message %q should name the target first", msg)
			for _, want := range tt.wantMsg {
				assert.Contains(t, msg, want)
			}
			assert.NotContains(t, msg, "\n")
			// A single timeout, not one per endpoint: the other endpoints are not tried
			// after a host-wide failure.
			assert.Less(t, elapsed, timeout+time.Second, "scrape took %s", elapsed)
		})
	}
}

func TestTargetErrorUnwrapsToCause(t *testing.T) {
	s := newScraper("http://"+closedAddr(t), time.Second, maxBytes)
	_, err := s.ScrapeRuntime(context.Background(), "api")
	var te *TargetError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "api", te.Target)
	assert.Equal(t, "/debug/vars", te.Endpoint)
	assert.Equal(t, "connection refused", te.Detail())
	assert.Equal(t, `target "api": GET /debug/vars: connection refused`, te.Error())
	assert.NotNil(t, errors.Unwrap(te))
}

func TestFallbackErrorPutsTheTellingFailureFirst(t *testing.T) {
	// /debug/vars is simply absent; the heap profile answers 401. The 401 is the news.
	srv, _ := newServer(t, routes(map[string]http.HandlerFunc{
		"/debug/pprof/heap": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusUnauthorized)
		},
	}))
	_, err := newScraper(srv.URL, time.Second, maxBytes).ScrapeRuntime(context.Background(), "api")
	var fe *FallbackError
	require.ErrorAs(t, err, &fe)
	require.Len(t, fe.Attempts, 2)
	assert.Equal(t, KindUnauthorized, KindOf(err))
	assert.Equal(t, "/debug/pprof/heap?debug=1", fe.Attempts[0].Endpoint)
	assert.Equal(t, "/debug/vars", fe.Attempts[1].Endpoint)
}
