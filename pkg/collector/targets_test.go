package collector

import (
	"context"
	"expvar"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	sdklog "github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/stretchr/testify/assert"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// pprofTarget is a real Go service's debug endpoints (net/http/pprof and expvar) in an
// httptest server, with a log of every request and of how many ran at once per endpoint.
type pprofTarget struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []string
	inFlight map[string]int
	peak     map[string]int
}

// newTarget serves the real handlers; wrap, when set, may answer a request itself (a fault)
// by returning true.
func newTarget(t *testing.T, wrap func(w http.ResponseWriter, r *http.Request) bool) *pprofTarget {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.Handle("/debug/vars", expvar.Handler())
	pt := &pprofTarget{inFlight: map[string]int{}, peak: map[string]int{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.RequestURI()
		pt.mu.Lock()
		pt.requests = append(pt.requests, key)
		pt.inFlight[key]++
		pt.peak[key] = max(pt.peak[key], pt.inFlight[key])
		pt.mu.Unlock()
		defer func() {
			pt.mu.Lock()
			pt.inFlight[key]--
			pt.mu.Unlock()
		}()
		if wrap != nil && wrap(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	pt.srv = srv
	t.Cleanup(func() {
		srv.Close()
		for _, u := range pt.log() {
			assert.NotContains(t, u, "gc=", "the collector must never force a GC on the target")
		}
	})
	return pt
}

// log returns every request URI received so far.
func (p *pprofTarget) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// count returns how many requests had exactly this URI.
func (p *pprofTarget) count(uri string) int {
	n := 0
	for _, u := range p.log() {
		if u == uri {
			n++
		}
	}
	return n
}

// peakOf returns the most requests with this URI that were in flight at once.
func (p *pprofTarget) peakOf(uri string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak[uri]
}

// scraperFor returns a real scraper for one target "api" at p.
func scraperFor(p *pprofTarget, mut func(*models.PluginSettings)) *scrape.Scraper {
	ps := &models.PluginSettings{
		Timeout:           5 * time.Second,
		Targets:           []models.Target{{Name: "api", URL: p.srv.URL}},
		CPUProfileSeconds: 1,
	}
	if mut != nil {
		mut(ps)
	}
	return scrape.New(&http.Client{}, ps)
}

// call is one body handed to a sink.
type call struct {
	target string
	pt     models.ProfileType // profiles
	debug  int                // goroutines
	t      time.Time
	body   []byte
}

// sink records what it is given and answers with fail's error when fail is set.
type sink struct {
	mu    sync.Mutex
	calls []call
	fail  func(c call) error
}

func (s *sink) StoreProfile(_ context.Context, target string, pt models.ProfileType, t time.Time, body []byte) error {
	return s.add(call{target: target, pt: pt, t: t, body: body})
}

func (s *sink) StoreGoroutines(_ context.Context, target string, debug int, t time.Time, body []byte) error {
	return s.add(call{target: target, debug: debug, t: t, body: body})
}

func (s *sink) add(c call) error {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		return fail(c)
	}
	return nil
}

func (s *sink) setFail(f func(c call) error) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

// matching returns the calls for which keep is true.
func (s *sink) matching(keep func(c call) bool) []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	for _, c := range s.calls {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func (s *sink) profiles(pt models.ProfileType) []call {
	return s.matching(func(c call) bool { return c.pt == pt })
}

func (s *sink) goroutines(debug int) []call {
	return s.matching(func(c call) bool { return c.debug == debug })
}

// logRecorder is a logger that keeps every message, to check what is logged how often.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) add(level, msg string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level+" "+msg+" "+fmt.Sprint(args...))
}

func (l *logRecorder) Debug(msg string, args ...any)             { l.add("debug", msg, args) }
func (l *logRecorder) Info(msg string, args ...any)              { l.add("info", msg, args) }
func (l *logRecorder) Warn(msg string, args ...any)              { l.add("warn", msg, args) }
func (l *logRecorder) Error(msg string, args ...any)             { l.add("error", msg, args) }
func (l *logRecorder) With(...any) sdklog.Logger                 { return l }
func (l *logRecorder) Level() sdklog.Level                       { return sdklog.Debug }
func (l *logRecorder) FromContext(context.Context) sdklog.Logger { return l }

// count returns how many lines contain every part.
func (l *logRecorder) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

// run starts a collector on the scraper, lets it work for d, and stops it.
func run(t *testing.T, sc *scrape.Scraper, cfg Config, d time.Duration) *Collector {
	t.Helper()
	c := start(t, sc, cfg)
	time.Sleep(d)
	stopWithin(t, c, 2*time.Second)
	return c
}

// start starts a collector for target "api" with a memory store.
func start(t *testing.T, sc *scrape.Scraper, cfg Config) *Collector {
	t.Helper()
	cfg.Targets = []string{"api"}
	if cfg.Interval == 0 {
		cfg.Interval = time.Hour // runtime scrapes out of the way unless a test wants them
	}
	if cfg.Logger == nil {
		cfg.Logger = sdklog.NewNullLogger()
	}
	c := New(sc, store.NewMemory(time.Hour), cfg)
	c.Start()
	return c
}

func stopWithin(t *testing.T, c *Collector, d time.Duration) {
	t.Helper()
	start := time.Now()
	c.Stop()
	assert.Less(t, time.Since(start), d, "Stop waits only for fetches in flight")
}
