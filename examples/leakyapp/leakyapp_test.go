package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real program: its rates are only meaningful against the real runtime,
// scheduler and HTTP stack the plugin will scrape.

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// leakyappBinary builds the program once for all tests. It uses its own temporary directory
// rather than t.TempDir, which would be deleted when the first test using it ends.
func leakyappBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the real program; skipped with -short")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "leakyapp-test-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "leakyapp")
		if runtime.GOOS == "windows" {
			buildBin += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", buildBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// syncBuffer collects the program's stderr for failure messages; exec writes it from
// another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// firstLineWriter hands the first stdout line to the test and discards the rest. Using a
// writer (not StdoutPipe) lets cmd.Wait own the copying, so waiting never races a reader.
type firstLineWriter struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string
}

func (w *firstLineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
		w.sent = true
		w.line <- string(w.buf[:i])
	}
	return len(p), nil
}

// app is one running leakyapp process.
type app struct {
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan error
	client *http.Client

	stopOnce sync.Once
	stopErr  error
}

var listenLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// startApp runs leakyapp on a free loopback port with extra flags and stops it gracefully
// when the test ends, failing the test if the graceful shutdown does not exit cleanly.
func startApp(t *testing.T, flags ...string) *app {
	t.Helper()
	bin := leakyappBinary(t)
	stdout := &firstLineWriter{line: make(chan string, 1)}
	a := &app{
		stderr: &syncBuffer{},
		exited: make(chan error, 1),
		client: &http.Client{Timeout: 10 * time.Second},
	}
	a.cmd = exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, flags...)...)
	a.cmd.Stdout = stdout
	a.cmd.Stderr = a.stderr
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start leakyapp: %v", err)
	}
	go func() { a.exited <- a.cmd.Wait() }()

	select {
	case line := <-stdout.line:
		m := listenLine.FindStringSubmatch(line)
		if m == nil {
			a.cmd.Process.Kill()
			t.Fatalf("first stdout line %q does not match %v", line, listenLine)
		}
		a.url = m[1]
	case err := <-a.exited:
		t.Fatalf("leakyapp exited before listening: %v\nstderr:\n%s", err, a.stderr)
	case <-time.After(10 * time.Second):
		a.cmd.Process.Kill()
		t.Fatalf("leakyapp printed no listen address within 10s\nstderr:\n%s", a.stderr)
	}
	t.Cleanup(func() {
		if err := a.stop(); err != nil {
			t.Errorf("stop leakyapp: %v\nstderr:\n%s", err, a.stderr)
		}
	})
	return a
}

// stop sends SIGTERM and waits for a clean exit, killing the process if it hangs. Only the
// first call acts; later calls (the test cleanup) return its result.
func (a *app) stop() error {
	a.stopOnce.Do(func() { a.stopErr = a.terminate() })
	return a.stopErr
}

func (a *app) terminate() error {
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("exited before SIGTERM: %v", <-a.exited)
		}
		a.cmd.Process.Kill()
		return fmt.Errorf("send SIGTERM: %w", err)
	}
	select {
	case err := <-a.exited:
		if err != nil {
			return fmt.Errorf("exit after SIGTERM: %w", err)
		}
		return nil
	case <-time.After(10 * time.Second):
		a.cmd.Process.Kill()
		return errors.New("no exit within 10s of SIGTERM")
	}
}

// get returns the status code and body of GET path.
func (a *app) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	return a.do(t, http.MethodGet, path)
}

func (a *app) do(t *testing.T, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, a.url+path, nil)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v\nstderr:\n%s", method, path, err, a.stderr)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp.StatusCode, body
}

// mustGet is get that requires a 200.
func (a *app) mustGet(t *testing.T, path string) []byte {
	t.Helper()
	code, body := a.get(t, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, code, body)
	}
	return body
}

// vars is the part of /debug/vars the tests read.
type vars struct {
	Memstats *struct {
		HeapAlloc uint64
		NumGC     uint32
	} `json:"memstats"`
	Leakyapp *status `json:"leakyapp"`
}

func (a *app) vars(t *testing.T) vars {
	t.Helper()
	var v vars
	if err := json.Unmarshal(a.mustGet(t, "/debug/vars"), &v); err != nil {
		t.Fatalf("decode /debug/vars: %v", err)
	}
	if v.Memstats == nil || v.Leakyapp == nil {
		t.Fatalf("/debug/vars lacks memstats or leakyapp: %+v", v)
	}
	return v
}

func (a *app) leakStatus(t *testing.T, method, query string) status {
	t.Helper()
	code, body := a.do(t, method, "/leak"+query)
	if code != http.StatusOK {
		t.Fatalf("%s /leak%s: status %d: %s", method, query, code, body)
	}
	var s status
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("decode /leak: %v", err)
	}
	return s
}

var goroutineTotal = regexp.MustCompile(`^goroutine profile: total ([0-9]+)\n`)

// goroutines parses the count from the first line of goroutine?debug=1, as the plugin does.
func (a *app) goroutines(t *testing.T) (int, string) {
	t.Helper()
	body := a.mustGet(t, "/debug/pprof/goroutine?debug=1")
	m := goroutineTotal.FindSubmatch(body)
	if m == nil {
		t.Fatalf("goroutine?debug=1 does not start with a total: %.200q", body)
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil {
		t.Fatalf("parse goroutine total: %v", err)
	}
	return n, string(body)
}

// checkRate fails unless got units over d match want units/s within tolerance (a fraction).
func checkRate(t *testing.T, what string, got float64, d time.Duration, want, tolerance float64) {
	t.Helper()
	rate := got / d.Seconds()
	if rate < want*(1-tolerance) || rate > want*(1+tolerance) {
		t.Errorf("%s grew at %.1f/s over %v, want %.1f/s ±%.0f%%", what, rate, d, want, tolerance*100)
	} else {
		t.Logf("%s grew at %.1f/s over %v (want %.1f/s)", what, rate, d, want)
	}
}

func TestExpvarPublishesMemStatsAndTotals(t *testing.T) {
	a := startApp(t)
	v := a.vars(t)
	if v.Memstats.HeapAlloc == 0 {
		t.Errorf("memstats.HeapAlloc is 0")
	}
	if v.Leakyapp.Registry.Unit != "bytes/s" || v.Leakyapp.Registry.LeakedBytes != 0 {
		t.Errorf("leakyapp registry = %+v, want a stopped pattern in bytes/s", v.Leakyapp.Registry)
	}
}

func TestHeapDebugEndsWithMemStatsTrailer(t *testing.T) {
	a := startApp(t)
	body := string(a.mustGet(t, "/debug/pprof/heap?debug=1"))
	_, trailer, ok := strings.Cut(body, "\n# runtime.MemStats\n")
	if !ok {
		t.Fatalf("heap?debug=1 has no # runtime.MemStats trailer:\n%s", body)
	}
	for line := range strings.SplitSeq(strings.TrimRight(trailer, "\n"), "\n") {
		if !strings.HasPrefix(line, "# ") {
			t.Fatalf("trailer line %q is not a comment: the trailer must end the response", line)
		}
	}
	for _, field := range []string{"# HeapAlloc = ", "# NumGC = ", "# PauseNs = "} {
		if !strings.Contains(trailer, field) {
			t.Errorf("trailer lacks %q", field)
		}
	}
}

func TestExpvarDisabledAnswers404(t *testing.T) {
	a := startApp(t, "-expvar=false")
	if code, _ := a.get(t, "/debug/vars"); code != http.StatusNotFound {
		t.Errorf("GET /debug/vars with -expvar=false: status %d, want 404", code)
	}
	if body := a.mustGet(t, "/debug/pprof/heap?debug=1"); !bytes.Contains(body, []byte("\n# runtime.MemStats\n")) {
		t.Errorf("heap?debug=1 lacks the MemStats trailer the plugin falls back to")
	}
}

func TestServesStandardPprofEndpoints(t *testing.T) {
	a := startApp(t)
	index := string(a.mustGet(t, "/debug/pprof/"))
	for _, name := range []string{"allocs", "block", "goroutine", "heap", "mutex", "threadcreate", "profile", "trace", "cmdline"} {
		if !strings.Contains(index, name) {
			t.Errorf("pprof index does not list %s", name)
		}
		if name == "profile" || name == "trace" || name == "cmdline" {
			continue
		}
		a.mustGet(t, "/debug/pprof/"+name+"?debug=1")
		if body := a.mustGet(t, "/debug/pprof/"+name); len(body) == 0 {
			t.Errorf("/debug/pprof/%s protobuf is empty", name)
		}
	}
	if cmdline := a.mustGet(t, "/debug/pprof/cmdline"); !bytes.Contains(cmdline, []byte("127.0.0.1:0")) {
		t.Errorf("cmdline = %q, want the -addr argument", cmdline)
	}
	if body := a.mustGet(t, "/debug/pprof/symbol"); !bytes.Contains(body, []byte("num_symbols")) {
		t.Errorf("symbol = %q, want num_symbols", body)
	}
	if body := a.mustGet(t, "/debug/pprof/profile?seconds=1"); len(body) == 0 {
		t.Error("CPU profile is empty")
	}
	if body := a.mustGet(t, "/debug/pprof/trace?seconds=0.2"); len(body) == 0 {
		t.Error("trace is empty")
	}
}

func TestGoroutineLeakRate(t *testing.T) {
	const rate = 50
	a := startApp(t, "-goroutines-per-sec", strconv.Itoa(rate))
	a.goroutines(t) // open the keep-alive connection so its goroutine is in both counts
	g0, _ := a.goroutines(t)
	t0 := time.Now()
	time.Sleep(3 * time.Second)
	g1, profile := a.goroutines(t)
	checkRate(t, "goroutine count", float64(g1-g0), time.Since(t0), rate, 0.25)
	if !strings.Contains(profile, "main.blockedReceiver") {
		t.Errorf("goroutine?debug=1 does not mention main.blockedReceiver")
	}
	// Only the full dump names the creator, which is what points at the leaking code.
	if dump := a.mustGet(t, "/debug/pprof/goroutine?debug=2"); !bytes.Contains(dump, []byte("created by main.leakBlockedReceiver")) {
		t.Errorf("goroutine?debug=2 does not say created by main.leakBlockedReceiver")
	}
	if leaked := a.leakStatus(t, http.MethodGet, "").Goroutines.LeakedGoroutines; leaked > int64(g1) {
		t.Errorf("leakyapp reports %d leaked goroutines but the profile counts only %d in total", leaked, g1)
	}
}

func TestRegistryLeakRate(t *testing.T) {
	const rate = 8 << 20
	a := startApp(t, "-registry-bytes-per-sec", strconv.Itoa(rate), "-memprofilerate", "65536")
	v0 := a.vars(t)
	t0 := time.Now()
	time.Sleep(3 * time.Second)
	v1 := a.vars(t)
	d := time.Since(t0)
	leaked := v1.Leakyapp.Registry.LeakedBytes
	checkRate(t, "leakyapp registry bytes", float64(leaked-v0.Leakyapp.Registry.LeakedBytes), d, rate, 0.10)
	// The leaked bytes are live and reachable, so the heap must hold at least all of them.
	if v1.Memstats.HeapAlloc < uint64(leaked) {
		t.Errorf("HeapAlloc %d is below the %d bytes leaked into the registry", v1.Memstats.HeapAlloc, leaked)
	}
	// gc=1 makes the in-use numbers current; profile features find the leak by this name.
	if heap := a.mustGet(t, "/debug/pprof/heap?debug=1&gc=1"); !bytes.Contains(heap, []byte("main.leakIntoRegistry")) {
		t.Errorf("heap profile does not mention main.leakIntoRegistry")
	}
}

func TestControlEndpointChangesRates(t *testing.T) {
	a := startApp(t)
	if s := a.leakStatus(t, http.MethodGet, ""); s.Goroutines.Rate != 0 || s.Goroutines.LeakedGoroutines != 0 || s.Registry.LeakedBytes != 0 {
		t.Fatalf("initial status = %+v, want everything stopped", s)
	}

	if s := a.leakStatus(t, http.MethodPost, "?pattern=goroutines&rate=100"); s.Goroutines.Rate != 100 {
		t.Fatalf("goroutines rate after POST = %v, want 100", s.Goroutines.Rate)
	}
	time.Sleep(time.Second)
	leaked := a.leakStatus(t, http.MethodPost, "?pattern=goroutines&rate=0").Goroutines.LeakedGoroutines
	if leaked < 50 || leaked > 150 {
		t.Errorf("leaked %d goroutines in about 1s at 100/s", leaked)
	}
	time.Sleep(300 * time.Millisecond)
	if after := a.leakStatus(t, http.MethodGet, "").Goroutines.LeakedGoroutines; after != leaked {
		t.Errorf("goroutines kept leaking after rate=0: %d, then %d", leaked, after)
	}
	// Stopping a leak does not release what already leaked.
	if total, _ := a.goroutines(t); int64(total) < leaked {
		t.Errorf("goroutine total %d fell below the %d leaked goroutines after stopping", total, leaked)
	}

	for _, q := range []string{
		"?pattern=registry&rate=" + strconv.Itoa(4<<20),
		"?pattern=pool&rate=20&size=" + strconv.Itoa(256<<10),
		"?pattern=subslice&rate=" + strconv.Itoa(4<<20) + "&size=" + strconv.Itoa(256<<10),
		"?pattern=churn&rate=" + strconv.Itoa(16<<20),
	} {
		a.leakStatus(t, http.MethodPost, q)
	}
	time.Sleep(time.Second)
	s := a.leakStatus(t, http.MethodGet, "")
	if s.Registry.Rate != 4<<20 || s.Registry.LeakedBytes == 0 {
		t.Errorf("registry = %+v, want rate 4 MiB/s and bytes leaked", s.Registry)
	}
	if s.Pool.Rate != 20 || s.Pool.BufferBytes != 256<<10 || s.Pool.BuffersPut == 0 {
		t.Errorf("pool = %+v, want 20 buffers/s of 256 KiB put", s.Pool)
	}
	if s.Subslice.BufferBytes != 256<<10 || s.Subslice.Buffers == 0 || s.Subslice.LeakedBytes != s.Subslice.Buffers*(256<<10) {
		t.Errorf("subslice = %+v, want whole 256 KiB buffers retained", s.Subslice)
	}
	if s.Churn.AllocatedBytes == 0 {
		t.Errorf("churn = %+v, want bytes allocated", s.Churn)
	}

	if code, body := a.do(t, http.MethodPost, "/leak?pattern=bogus&rate=1"); code != http.StatusBadRequest {
		t.Errorf("unknown pattern: status %d %s, want 400", code, body)
	}
	q := url.Values{"pattern": {"registry"}, "rate": {"-1"}}
	if code, body := a.do(t, http.MethodPost, "/leak?"+q.Encode()); code != http.StatusBadRequest {
		t.Errorf("negative rate: status %d %s, want 400", code, body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent on Windows")
	}
	a := startApp(t, "-goroutines-per-sec", "100", "-churn-bytes-per-sec", strconv.Itoa(64<<20))
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := a.stop(); err != nil {
		t.Fatalf("stop: %v\nstderr:\n%s", err, a.stderr)
	}
	if d := time.Since(start); d > shutdownTimeout {
		t.Errorf("shutdown took %v, want under %v", d, shutdownTimeout)
	}
	if !strings.Contains(a.stderr.String(), "shutting down") {
		t.Errorf("stderr does not log the shutdown:\n%s", a.stderr)
	}
}
