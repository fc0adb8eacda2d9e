package snapshots

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"
)

// startLeakyApp builds and starts the demo service with a registry leak, a goroutine leak
// and churn, and returns its base URL.
func startLeakyApp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "leakyapp")
	build := exec.Command("go", "build", "-o", bin, "../../examples/leakyapp")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-registry-bytes-per-sec", "1048576",
		"-goroutines-per-sec", "20", "-churn-bytes-per-sec", "8388608", "-memprofilerate", "4096")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "first line %q", line)
	return addr
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// TestLiveDemo stores profiles fetched from the running demo while it leaks, with a high
// sampling rate so that the heap changes between snapshots, and reads every one back.
func TestLiveDemo(t *testing.T) {
	base := startLeakyApp(t)
	db, _ := openTest(t, Options{})
	var raw, stored int64
	var heaps []*profile.Profile
	var heapRaws [][]byte
	for i := range 20 {
		for _, kind := range []string{"heap", "goroutine", "allocs", "block", "mutex"} {
			body := fetch(t, base+"/debug/pprof/"+kind)
			p, err := profile.ParseData(body)
			require.NoError(t, err, kind)
			k := key("leakyapp", kind, t0.Add(time.Duration(i)*time.Minute))
			require.NoError(t, db.PutProfile(bg, k, p, int64(len(body))))
			got, err := db.Profile(bg, k)
			require.NoError(t, err, kind)
			requireEquivalent(t, p, got)
			if kind == "heap" {
				raw += int64(len(body))
				heaps, heapRaws = append(heaps, p), append(heapRaws, body)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	metas, err := db.List(bg, "leakyapp", "heap", t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, metas, 20)
	pl, meta := payloadBytes(t, db)
	stored = pl + meta + tableBytes(t, db)
	t.Logf("20 rounds of 5 live profiles: %d raw heap bytes; %d bytes stored for all kinds", raw, stored)
	require.Less(t, stored, raw, "all five kinds together store less than the raw heap bodies alone")

	heapOnly, _ := openTest(t, Options{})
	f := storeSeries(t, heapOnly, heaps, heapRaws)
	marginal := float64(f.payloadTail+f.tableTail) / float64(f.rawTail)
	t.Logf("live heap snapshots at MemProfileRate 4096: %d raw bytes each, marginal %.3f× raw", f.raw/int64(len(heaps)), marginal)
	require.LessOrEqual(t, marginal, 0.3)
}
