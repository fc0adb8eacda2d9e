package observersafety

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// idleGoroutines is the population the measurements are quoted for: about a 20 MB dump.
const idleGoroutines = 10_000

// settle is how long to wait after a fetch before closing the lag window, so the monitor's
// first tick after the stall (due every 5 ms) has run and been recorded.
const settle = 50 * time.Millisecond

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

// leakyappBinary builds the demo once per test binary.
func leakyappBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "observer-safety-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "leakyapp")
		out, err := exec.Command("go", "build", "-o", buildBin, "github.com/leakwatch/pprof-datasource/examples/leakyapp").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build leakyapp: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildBin
}

// lineWriter hands the first stdout line (the listen address) to the starter.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sent {
		w.buf = append(w.buf, p...)
		if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
			w.sent = true
			w.line <- string(w.buf[:i])
		}
	}
	return len(p), nil
}

// target is one running leakyapp.
type target struct {
	url    string
	client *http.Client
}

var listenLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// startTarget runs leakyapp with n idle goroutines on a free loopback port and stops it
// with SIGTERM when the test or benchmark ends.
func startTarget(tb testing.TB, n int) *target {
	tb.Helper()
	stdout := &lineWriter{line: make(chan string, 1)}
	var stderr bytes.Buffer
	cmd := exec.Command(leakyappBinary(tb), "-addr", "127.0.0.1:0", "-idle-goroutines", strconv.Itoa(n))
	cmd.Stdout = stdout
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start leakyapp: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tg := &target{client: &http.Client{Timeout: 60 * time.Second}}
	select {
	case line := <-stdout.line:
		m := listenLine.FindStringSubmatch(line)
		if m == nil {
			cmd.Process.Kill()
			tb.Fatalf("unexpected first line %q", line)
		}
		tg.url = m[1]
	case err := <-exited:
		tb.Fatalf("leakyapp exited before listening: %v", err)
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		tb.Fatal("leakyapp printed no listen address within 20s")
	}
	tb.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			tb.Errorf("SIGTERM leakyapp: %v", err)
		}
		select {
		case err := <-exited:
			if err != nil {
				tb.Errorf("leakyapp exit: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			tb.Error("leakyapp did not exit within 10s of SIGTERM")
		}
	})
	return tg
}

// fetch reads a whole response and returns its body and the time until the last byte.
func (tg *target) fetch(tb testing.TB, method, path string) ([]byte, time.Duration) {
	tb.Helper()
	req, err := http.NewRequest(method, tg.url+path, nil)
	if err != nil {
		tb.Fatalf("build request %s: %v", path, err)
	}
	start := time.Now()
	resp, err := tg.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	d := time.Since(start)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s %s: status %d: %.200s", method, path, resp.StatusCode, body)
	}
	return body, d
}

// lagWindow is the part of leakyapp's /lag document the measurements read.
type lagWindow struct {
	WindowNs    int64 `json:"windowNs"`
	WindowTicks int64 `json:"windowTicks"`
	MaxLagNs    int64 `json:"maxLagNs"`
	TotalLagNs  int64 `json:"totalLagNs"`
}

// closeLagWindow returns the lag window that just ended and opens a new one.
func (tg *target) closeLagWindow(tb testing.TB) lagWindow {
	tb.Helper()
	body, _ := tg.fetch(tb, http.MethodPost, "/lag")
	var w lagWindow
	if err := json.Unmarshal(body, &w); err != nil {
		tb.Fatalf("decode /lag: %v", err)
	}
	return w
}

// measurement is one bracketed action: the stall the service saw during it.
type measurement struct {
	maxLag   time.Duration
	totalLag time.Duration
	window   time.Duration
	fetch    time.Duration
	bytes    int
	body     []byte
}

// measure brackets one action between two lag-window resets. An empty path is an idle
// window of the given length.
func (tg *target) measure(tb testing.TB, path string, idle time.Duration) measurement {
	tb.Helper()
	tg.closeLagWindow(tb)
	var m measurement
	if path == "" {
		time.Sleep(idle)
	} else {
		m.body, m.fetch = tg.fetch(tb, http.MethodGet, path)
		m.bytes = len(m.body)
	}
	time.Sleep(settle)
	w := tg.closeLagWindow(tb)
	m.maxLag = time.Duration(w.MaxLagNs)
	m.totalLag = time.Duration(w.TotalLagNs)
	m.window = time.Duration(w.WindowNs)
	return m
}
