package scrape

import (
	"expvar"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// pprofMux serves the real net/http/pprof and expvar handlers, as a Go service that imports
// both would.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/debug/vars", expvar.Handler())
	return mux
}

// pprofOnlyMux serves the pprof handlers without expvar, so /debug/vars is a 404.
func pprofOnlyMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	return mux
}

// recorder remembers every request URL a test server receives, so tests can assert what
// was asked for and that gc=1 never was.
type recorder struct {
	mu   sync.Mutex
	urls []string
	auth []string
}

func (r *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.urls = append(r.urls, req.URL.RequestURI())
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

// take returns and forgets the URLs recorded so far.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	urls := r.urls
	r.urls = nil
	return urls
}

func (r *recorder) authHeaders() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

// assertNoForcedGC checks that no request asked the target to run a GC.
func (r *recorder) assertNoForcedGC(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.urls {
		assert.NotContains(t, u, "gc=", "the scraper must never force a GC on the target")
	}
}

// newServer starts h behind a recorder; every test server is checked for gc=1 at cleanup.
func newServer(t *testing.T, h http.Handler) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(rec.wrap(h))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		rec.assertNoForcedGC(t)
	})
	return srv, rec
}

// newTLSServer is newServer over TLS with httptest's self-signed certificate.
func newTLSServer(t *testing.T, h http.Handler) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(rec.wrap(h))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failing handshakes are expected
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		rec.assertNoForcedGC(t)
	})
	return srv, rec
}

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// settings returns plugin settings with one target per name/URL pair.
func settings(timeout time.Duration, maxBytes int64, targets ...string) *models.PluginSettings {
	ps := &models.PluginSettings{Timeout: timeout, MaxResponseBytes: maxBytes}
	for i := 0; i+1 < len(targets); i += 2 {
		ps.Targets = append(ps.Targets, models.Target{Name: targets[i], URL: targets[i+1]})
	}
	return ps
}

// newScraper returns a Scraper for one target called "api" with a plain client.
func newScraper(baseURL string, timeout time.Duration, maxBytes int64) *Scraper {
	return New(&http.Client{Timeout: timeout}, settings(timeout, maxBytes, "api", baseURL))
}

// capture runs a real pprof/expvar handler in-process and returns its body, to build
// realistic variants of it (truncated, with broken numbers).
func capture(t *testing.T, h http.Handler, target string) string {
	t.Helper()
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, target, nil))
	require.Equal(t, http.StatusOK, rr.Code)
	return rr.Body.String()
}

// routes serves fixed handlers by exact request path and 404 otherwise.
func routes(m map[string]http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := m[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	})
}

// text answers with a fixed body and content type.
func text(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body)
	}
}

// replaceLine replaces the first line starting with prefix.
func replaceLine(t *testing.T, body, prefix, with string) string {
	t.Helper()
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = with
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return ""
}
