package suspects

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the captured snapshots and golden files under testdata")

// The demo's allocating functions (examples/leakyapp/patterns.go).
const (
	registryLeakFunc = "main.leakIntoRegistry"
	churnFunc        = "main.churnAllocate"
	poolFunc         = "main.putLargeBufferInPool"
)

// capturedDir holds a sequence of heap snapshots of the demo leaking into its registry while
// churning, captured by TestLeakyappRegistryLeakRanksFirst with -update.
const capturedDir = "testdata/leakyapp"

// startLeakyapp builds and runs the demo with the given flags and returns its base URL.
func startLeakyapp(t *testing.T, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "leakyapp")
	build := exec.Command("go", "build", "-o", bin, "./examples/leakyapp")
	build.Dir = "../.."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./examples/leakyapp: %s", out)

	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	rd := bufio.NewReader(stdout)
	line, err := rd.ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "unexpected first line %q", line)
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	return url
}

// fetchClient bounds each fetch, so a stuck demo fails the test instead of hanging it.
var fetchClient = &http.Client{Timeout: 10 * time.Second}

// fetchHeap reads /debug/pprof/heap?debug=0 as the collector does: a gzip body without a
// Content-Encoding header.
func fetchHeap(ctx context.Context, base string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/heap", nil)
	if err != nil {
		return nil, err
	}
	resp, err := fetchClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /debug/pprof/heap: %s", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// snapshotTime is the time the runtime wrote the profile.
func snapshotTime(p *profile.Profile) time.Time {
	return time.Unix(0, p.TimeNanos).UTC()
}

// TestLeakyappRegistryLeakRanksFirst runs the demo with its registry leak, a churn that makes
// GCs happen (heap profiles describe the heap as of the last completed GC) and a sync.Pool
// that holds memory until GC, fetches a heap snapshot every second and ranks them.
func TestLeakyappRegistryLeakRanksFirst(t *testing.T) {
	base := startLeakyapp(t,
		"-registry-bytes-per-sec", "1048576",
		"-churn-bytes-per-sec", "41943040",
		"-pool-buffer-bytes", "65536", "-pool-buffers-per-sec", "40")
	ctx := context.Background()
	r, err := NewRanker(Options{})
	require.NoError(t, err)
	var bodies [][]byte
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for range 25 {
		<-tick.C
		body, err := fetchHeap(ctx, base)
		require.NoError(t, err)
		require.Equal(t, []byte{0x1f, 0x8b}, body[:2], "debug=0 is gzip")
		p, err := profile.Parse(strings.NewReader(string(body)))
		require.NoError(t, err)
		require.NoError(t, r.Add(snapshotTime(p), p))
		bodies = append(bodies, body)
	}
	res := r.Result()
	logRanking(t, res)
	assertRegistryLeakFirst(t, res)

	if *update {
		require.NoError(t, os.RemoveAll(capturedDir))
		require.NoError(t, os.MkdirAll(capturedDir, 0o755))
		for i, b := range bodies {
			require.NoError(t, os.WriteFile(filepath.Join(capturedDir, fmt.Sprintf("heap-%02d.pb.gz", i)), b, 0o644))
		}
	}
}

// assertRegistryLeakFirst is the acceptance check on a demo ranking: the registry leak is
// the top suspect, with a slope near its configured rate of 1 MiB/s, and the sites that only
// churn or cache until GC rank below it.
func assertRegistryLeakFirst(t *testing.T, res *Result) {
	t.Helper()
	require.NotEmpty(t, res.Suspects)
	top := res.Suspects[0]
	require.Equal(t, registryLeakFunc, top.Function)
	assert.Greater(t, top.Score, 0.0)
	assert.Greater(t, top.Monotonicity, 0.9)
	assert.Greater(t, top.Retention, 0.9, "the registry keeps what it allocates")
	// Sampling (one sample per 512 KiB on average) and the GC lag make the estimate rough.
	assert.InDelta(t, 3600.0*(1<<20), top.SpaceSlope, 0.5*3600*(1<<20), "slope near the configured 1 MiB/s")
	for _, name := range []string{churnFunc, poolFunc} {
		if s := find(res, name); s != nil {
			assert.Greater(t, s.Rank, top.Rank, name)
			assert.Less(t, s.Score, top.Score/10, name)
		}
	}
	if churn := find(res, churnFunc); churn != nil {
		assert.Less(t, churn.Retention, 0.05, "churn retains almost nothing of what it allocates")
	}
}

func logRanking(t *testing.T, res *Result) {
	t.Helper()
	for _, s := range res.Suspects[:min(5, len(res.Suspects))] {
		t.Logf("%d %-36s score %.3g B/h slope %.3g B/h mono %.2f (%d/%d/%d) share %.2f retention %.3f inuse %d",
			s.Rank, s.Key, s.Score, s.SpaceSlope, s.Monotonicity, s.Up, s.Down, s.Flat, s.GrowthShare, s.Retention, s.InuseSpace)
	}
}

// captured decodes the committed demo snapshots, oldest first.
func captured(t testing.TB) []*profile.Profile {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(capturedDir, "heap-*.pb.gz"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(names), 20, "captured snapshots missing: run the demo test with -update")
	var ps []*profile.Profile
	for _, n := range names {
		f, err := os.Open(n)
		require.NoError(t, err)
		p, err := profile.Parse(f)
		f.Close()
		require.NoError(t, err, n)
		ps = append(ps, p)
	}
	return ps
}

func timed(ps []*profile.Profile) func(func(time.Time, *profile.Profile) bool) {
	return func(yield func(time.Time, *profile.Profile) bool) {
		for _, p := range ps {
			if !yield(snapshotTime(p), p) {
				return
			}
		}
	}
}

func TestCapturedDemoSnapshotsRankTheRegistryLeakFirst(t *testing.T) {
	res, err := Rank(context.Background(), timed(captured(t)), Options{})
	require.NoError(t, err)
	logRanking(t, res)
	assertRegistryLeakFirst(t, res)
	assert.Empty(t, res.Restarts)

	byStack, err := Rank(context.Background(), timed(captured(t)), Options{By: ByStack})
	require.NoError(t, err)
	require.NotEmpty(t, byStack.Suspects)
	assert.Equal(t, registryLeakFunc, byStack.Suspects[0].Function)
	assert.Contains(t, byStack.Suspects[0].Stack, "main.(*leaker).step", "the stack goes through the pattern loop")
}
