package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// serve sends one request through the real mux of a leaker whose patterns are not running,
// so the control API is tested without timing.
func serve(t *testing.T, l *leaker, serveExpvar bool, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	return httpRecord(newMux(l, newLagMonitor(lagTickInterval), serveExpvar), method, target)
}

// httpRecord sends one bodiless request through h.
func httpRecord(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func decodeStatus(t *testing.T, body io.Reader) status {
	t.Helper()
	var s status
	if err := json.NewDecoder(body).Decode(&s); err != nil {
		t.Fatalf("decode status: %v", err)
	}
	return s
}

func TestControlSetsRates(t *testing.T) {
	l := newLeaker(0, 1<<20)

	rec := serve(t, l, true, http.MethodGet, "/leak")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /leak: %d %s", rec.Code, rec.Body)
	}
	if s := decodeStatus(t, rec.Body); s.Registry.Rate != 0 || s.Goroutines.Rate != 0 || s.Subslice.BufferBytes != 1<<20 {
		t.Fatalf("initial status = %+v, want stopped patterns and a 1 MiB subslice buffer", s)
	}

	for _, target := range []string{
		"/leak?pattern=registry&rate=8388608",
		"/leak?pattern=goroutines&rate=0.5",
		"/leak?pattern=pool&rate=3&size=4096",
		"/leak?pattern=subslice&rate=1024&size=65536",
		"/leak?pattern=churn&rate=1e6",
		"/leak?pattern=unclosedbody&rate=2",
		"/leak?pattern=ctxworker&rate=3.5",
		"/leak?pattern=blockedsend&rate=4",
	} {
		if rec := serve(t, l, true, http.MethodPost, target); rec.Code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", target, rec.Code, rec.Body)
		}
	}
	s := decodeStatus(t, serve(t, l, true, http.MethodGet, "/leak").Body)
	if s.Registry.Rate != 8388608 || s.Goroutines.Rate != 0.5 || s.Pool.Rate != 3 || s.Pool.BufferBytes != 4096 ||
		s.Subslice.Rate != 1024 || s.Subslice.BufferBytes != 65536 || s.Churn.Rate != 1e6 ||
		s.UnclosedBody.Rate != 2 || s.CtxWorker.Rate != 3.5 || s.BlockedSend.Rate != 4 {
		t.Fatalf("status after POSTs = %+v", s)
	}
	if s.UnclosedBody.Unit != "requests/s" || s.CtxWorker.Unit != "goroutines/s" || s.BlockedSend.Unit != "goroutines/s" {
		t.Fatalf("goroutine leak units = %q %q %q", s.UnclosedBody.Unit, s.CtxWorker.Unit, s.BlockedSend.Unit)
	}
	if s.Pool.Unit != "buffers/s" || s.Goroutines.Unit != "goroutines/s" || s.Registry.Unit != "bytes/s" {
		t.Fatalf("units = %q %q %q", s.Pool.Unit, s.Goroutines.Unit, s.Registry.Unit)
	}

	// A form-encoded body works as well as the query string.
	req := httptest.NewRequest(http.MethodPost, "/leak", strings.NewReader("pattern=registry&rate=0"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	newMux(l, newLagMonitor(lagTickInterval), true).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("form POST: %d %s", rec.Code, rec.Body)
	}
	if s := decodeStatus(t, rec.Body); s.Registry.Rate != 0 {
		t.Fatalf("registry rate after form POST = %v, want 0", s.Registry.Rate)
	}
}

func TestControlRejectsBadRequests(t *testing.T) {
	tests := []struct {
		method, target string
		code           int
	}{
		{http.MethodPost, "/leak?pattern=bogus&rate=1", http.StatusBadRequest},
		{http.MethodPost, "/leak?rate=1", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=registry", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=registry&rate=-1", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=registry&rate=NaN", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=registry&rate=fast", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=registry&rate=1&size=10", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=blockedsend&rate=1&size=10", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=ctxworker&rate=-3", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=unclosedbody&rate=Inf", http.StatusBadRequest},
		{http.MethodPost, "/leak?pattern=subslice&rate=1&size=0", http.StatusBadRequest},
		// The pool starts without a buffer size (-pool-buffer-bytes 0), so a rate needs one.
		{http.MethodPost, "/leak?pattern=pool&rate=1", http.StatusBadRequest},
		{http.MethodPut, "/leak?pattern=registry&rate=1", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/leak", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			l := newLeaker(0, 1<<20)
			rec := serve(t, l, true, tt.method, tt.target)
			if rec.Code != tt.code {
				t.Fatalf("got %d %q, want %d", rec.Code, rec.Body, tt.code)
			}
			if s := l.status(); s.Registry.Rate != 0 || s.Pool.Rate != 0 || s.Subslice.Rate != 0 ||
				s.UnclosedBody.Rate != 0 || s.CtxWorker.Rate != 0 || s.BlockedSend.Rate != 0 {
				t.Fatalf("rejected request changed settings: %+v", s)
			}
		})
	}
}

func TestMuxExpvarSwitch(t *testing.T) {
	l := newLeaker(0, 1<<20)
	if rec := serve(t, l, true, http.MethodGet, "/debug/vars"); rec.Code != http.StatusOK {
		t.Fatalf("expvar on: GET /debug/vars = %d", rec.Code)
	}
	if rec := serve(t, l, false, http.MethodGet, "/debug/vars"); rec.Code != http.StatusNotFound {
		t.Fatalf("expvar off: GET /debug/vars = %d, want 404", rec.Code)
	}
	if rec := serve(t, l, false, http.MethodGet, "/debug/pprof/heap?debug=1"); rec.Code != http.StatusOK {
		t.Fatalf("expvar off: heap?debug=1 = %d, want 200 (the fallback source)", rec.Code)
	}
}

func TestFlagsConfigurePatterns(t *testing.T) {
	c, err := parseFlags([]string{"-registry-bytes-per-sec", "1024", "-goroutines-per-sec", "2"}, io.Discard)
	if err != nil {
		t.Fatalf("parse flags: %v", err)
	}
	if c.addr != ":6060" || !c.expvar || c.memProfileRate != -1 || c.subsliceBufferBytes != 1<<20 {
		t.Fatalf("defaults = %+v", c)
	}
	l, err := newLeakerFromConfig(c)
	if err != nil {
		t.Fatalf("apply flags: %v", err)
	}
	if s := l.status(); s.Registry.Rate != 1024 || s.Goroutines.Rate != 2 || s.Pool.Rate != 0 {
		t.Fatalf("status = %+v: want registry 1024, goroutines 2 and the pool off without -pool-buffer-bytes", s)
	}

	c, err = parseFlags([]string{"-unclosed-bodies-per-sec", "3", "-ctx-workers-per-sec", "4", "-blocked-senders-per-sec", "5", "-idle-goroutines", "7"}, io.Discard)
	if err != nil {
		t.Fatalf("parse flags: %v", err)
	}
	if c.idleGoroutines != 7 {
		t.Fatalf("idle goroutines = %d, want 7", c.idleGoroutines)
	}
	if l, err = newLeakerFromConfig(c); err != nil {
		t.Fatalf("apply flags: %v", err)
	}
	if s := l.status(); s.UnclosedBody.Rate != 3 || s.CtxWorker.Rate != 4 || s.BlockedSend.Rate != 5 {
		t.Fatalf("status = %+v: want the goroutine leak rates 3, 4 and 5", s)
	}

	c, err = parseFlags([]string{"-pool-buffer-bytes", "65536"}, io.Discard)
	if err != nil {
		t.Fatalf("parse flags: %v", err)
	}
	if l, err = newLeakerFromConfig(c); err != nil {
		t.Fatalf("apply flags: %v", err)
	}
	if s := l.status(); s.Pool.Rate != 10 || s.Pool.BufferBytes != 65536 {
		t.Fatalf("pool status = %+v, want the default 10 buffers/s of 64 KiB", s.Pool)
	}

	for _, args := range [][]string{
		{"-churn-bytes-per-sec", "-1"},
		{"-subslice-buffer-bytes", "0"},
		{"-pool-buffer-bytes", "-5"},
		{"-pool-buffer-bytes", "1024", "-pool-buffers-per-sec", "-1"},
		{"-unclosed-bodies-per-sec", "-1"},
		{"-ctx-workers-per-sec", "NaN"},
		{"-blocked-senders-per-sec", "2e12"},
		{"-idle-goroutines", "-1"},
		{"-idle-goroutines", "1000001"},
	} {
		c, err := parseFlags(args, io.Discard)
		if err != nil {
			t.Fatalf("parse %v: %v", args, err)
		}
		if _, err := newLeakerFromConfig(c); err == nil {
			t.Errorf("flags %v were accepted, want an error", args)
		}
	}
	if _, err := parseFlags([]string{"extra"}, io.Discard); err == nil {
		t.Error("a positional argument was accepted, want a usage error")
	}
}

func TestStepUpdatesTotals(t *testing.T) {
	l := newLeaker(4096, 8192)
	entries := len(registry)
	l.step(patternRegistry, l.get(patternRegistry), 1000)
	if len(registry) != entries+1 || l.registryBytes.Load() != 1000 {
		t.Fatalf("registry: %d entries (want %d), %d bytes (want 1000)", len(registry), entries+1, l.registryBytes.Load())
	}

	heads := len(subsliceHeads)
	l.step(patternSubslice, l.get(patternSubslice), 3)
	if len(subsliceHeads) != heads+3 || l.subsliceBytes.Load() != 3*8192 {
		t.Fatalf("subslice: %d heads (want %d), %d bytes (want %d)", len(subsliceHeads), heads+3, l.subsliceBytes.Load(), 3*8192)
	}
	// The head is tiny, but its capacity shows the whole buffer stays reachable.
	if head := subsliceHeads[len(subsliceHeads)-1]; len(head) != subsliceHeadBytes || cap(head) != 8192 {
		t.Fatalf("subslice head len %d cap %d, want %d and 8192", len(head), cap(head), subsliceHeadBytes)
	}

	l.step(patternPool, l.get(patternPool), 2)
	if l.poolBuffersPut.Load() != 2 || l.poolPutBytes.Load() != 2*4096 {
		t.Fatalf("pool: %d buffers, %d bytes put, want 2 and %d", l.poolBuffersPut.Load(), l.poolPutBytes.Load(), 2*4096)
	}

	l.step(patternChurn, l.get(patternChurn), 3*churnObjectBytes+5)
	if l.churnBytes.Load() != 3*churnObjectBytes+5 || churnSink != nil {
		t.Fatalf("churn: %d bytes (want %d), sink retained %d bytes", l.churnBytes.Load(), 3*churnObjectBytes+5, len(churnSink))
	}
}

func TestStepLeaksGoroutines(t *testing.T) {
	l := newLeaker(0, 1<<20)
	before := runtime.NumGoroutine()
	l.step(patternCtxWorker, l.get(patternCtxWorker), 3)
	l.step(patternBlockedSend, l.get(patternBlockedSend), 4)
	if s := l.status(); s.CtxWorker.Started != 3 || s.BlockedSend.Started != 4 {
		t.Fatalf("started = %d workers, %d senders, want 3 and 4", s.CtxWorker.Started, s.BlockedSend.Started)
	}
	if got := runtime.NumGoroutine() - before; got < 7 {
		t.Fatalf("goroutines grew by %d, want at least the 7 leaked", got)
	}
	if len(jobs) < 3 {
		t.Fatalf("jobs holds %d cancel functions, want the 3 started", len(jobs))
	}
}

func TestStepUnclosedBody(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+payloadPath, handlePayload)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	l := newLeaker(0, 1<<20)

	// Before the listener is up there is nowhere to send to: counted, not a panic.
	l.step(patternUnclosedBody, l.get(patternUnclosedBody), 1)
	if s := l.status(); s.UnclosedBody.Failed != 1 || s.UnclosedBody.Requests != 0 || !strings.Contains(s.UnclosedBody.LastError, "no self url") {
		t.Fatalf("without a url: %+v, want one failure naming the missing url", s.UnclosedBody)
	}

	l.setSelfURL(srv.URL + payloadPath)
	l.step(patternUnclosedBody, l.get(patternUnclosedBody), 3)
	if s := l.status(); s.UnclosedBody.Requests != 3 || s.UnclosedBody.Failed != 1 {
		t.Fatalf("after 3 requests: %+v, want 3 leaked and still 1 failed", s.UnclosedBody)
	}

	l.setSelfURL(srv.URL + "/missing")
	l.step(patternUnclosedBody, l.get(patternUnclosedBody), 1)
	if s := l.status(); s.UnclosedBody.Failed != 2 || !strings.Contains(s.UnclosedBody.LastError, "404") {
		t.Fatalf("after a 404: %+v, want a second failure naming the status", s.UnclosedBody)
	}
}

func TestLoopbackURL(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4zero, Port: 6060}, "http://127.0.0.1:6060/payload"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 6060}, "http://[::1]:6060/payload"},
		{&net.TCPAddr{Port: 80}, "http://127.0.0.1:80/payload"},
		{&net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 81}, "http://10.1.2.3:81/payload"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 82}, "http://[::1]:82/payload"},
	}
	for _, tt := range tests {
		got, err := loopbackURL(tt.addr, payloadPath)
		if err != nil || got != tt.want {
			t.Errorf("loopbackURL(%v) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
	if _, err := loopbackURL(&net.UnixAddr{Name: "/tmp/x.sock", Net: "unix"}, payloadPath); err == nil || !strings.Contains(err.Error(), "not TCP") {
		t.Errorf("unix address: err = %v, want one saying it is not TCP", err)
	}
}

func TestStartIdleGoroutinesRejectsBadCounts(t *testing.T) {
	for _, n := range []int{-1, maxIdleGoroutines + 1} {
		if err := startIdleGoroutines(n); err == nil {
			t.Errorf("startIdleGoroutines(%d) succeeded, want an out-of-range error", n)
		}
	}
	before := runtime.NumGoroutine()
	if err := startIdleGoroutines(5); err != nil {
		t.Fatalf("startIdleGoroutines(5): %v", err)
	}
	if got := runtime.NumGoroutine() - before; got < 5 {
		t.Fatalf("goroutines grew by %d, want 5", got)
	}
}
