package profiles

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startLeakyapp builds and starts the demo service with its heap and goroutine leaks running
// and returns its base URL; the process is stopped when the test ends.
func startLeakyapp(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "leakyapp")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/leakwatch/pprof-datasource/examples/leakyapp")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building leakyapp: %s", out)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-memprofilerate", "4096",
		"-registry-bytes-per-sec", "2097152", "-subslice-bytes-per-sec", "1048576",
		"-churn-bytes-per-sec", "8388608", "-goroutines-per-sec", "20")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "unexpected first line %q", line)
	return addr
}

func fetchProfile(t *testing.T, url, path string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, body, 0o644))
}

// TestOracleOnFreshProfilesFromTheDemoService fetches profiles from a running leakyapp and
// compares Top, TopDiff and the flame graph totals with go tool pprof on the same files.
func TestOracleOnFreshProfilesFromTheDemoService(t *testing.T) {
	base := startLeakyapp(t) + "/debug/pprof/"
	dir := t.TempDir()
	time.Sleep(2 * time.Second)
	for _, name := range []string{"heap", "allocs", "goroutine"} {
		fetchProfile(t, base+name, filepath.Join(dir, name+"-1.pb.gz"))
	}
	time.Sleep(3 * time.Second)
	fetchProfile(t, base+"heap", filepath.Join(dir, "heap-2.pb.gz"))
	fetchProfile(t, base+"goroutine", filepath.Join(dir, "goroutine-2.pb.gz"))
	for _, name := range []string{"heap-1", "heap-2", "allocs-1", "goroutine-1"} {
		checkTopAgainstPprof(t, filepath.Join(dir, name+".pb.gz"))
	}
	for _, kind := range []string{"heap", "goroutine"} {
		t.Run(fmt.Sprintf("diff %s", kind), func(t *testing.T) {
			checkDiffAgainstPprof(t, filepath.Join(dir, kind+"-1.pb.gz"), filepath.Join(dir, kind+"-2.pb.gz"))
		})
	}
	// The registry leak is the largest in-use growth, as the demo is built to show.
	rows, err := TopDiff(readProfile(t, filepath.Join(dir, "heap-1.pb.gz")), readProfile(t, filepath.Join(dir, "heap-2.pb.gz")), 3)
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	require.Equal(t, "main.leakIntoRegistry", rows[0].Function)
}
