package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperDirEnv tells the re-executed test binary to act as the writer of TestSurvivesSIGKILL.
const helperDirEnv = "STORE_SIGKILL_HELPER_DIR"

const (
	helperTargets  = 3
	helperAppended = 50
)

// helperBatch is the scrape i of the helper process: every target's HeapAlloc and NumGC.
func helperBatch(i int) []Sample {
	ts := t0 + int64(i)*scrapeMs
	var b []Sample
	for tg := range helperTargets {
		target := fmt.Sprintf("svc-%d", tg)
		b = append(b,
			Sample{target, "HeapAlloc", ts, float64(tg*1e9 + i*4096)},
			Sample{target, "NumGC", ts, float64(i)},
		)
	}
	return b
}

// TestHelperProcess is not a test: TestSurvivesSIGKILL runs the test binary again with
// helperDirEnv set, and this function then appends to the TSDB in that directory until killed.
// It prints "appended" once the first helperAppended batches are committed and "committed N"
// after every commit, so the parent knows what must have survived.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("run by TestSurvivesSIGKILL only")
	}
	s, err := OpenTSDB(dir, TSDBOptions{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		if err := s.Append(ctx, helperBatch(i)); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("committed", i)
		if i+1 == helperAppended {
			fmt.Println("appended")
		}
		if i+1 >= helperAppended {
			// Keep appending, slowly, so that the kill lands between or during commits.
			time.Sleep(time.Millisecond)
		}
	}
}

func TestSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())

	lines := bufio.NewScanner(stdout)
	committed := -1
	killed := false
	deadline := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for lines.Scan() {
		line := lines.Text()
		switch {
		case strings.HasPrefix(line, "committed "):
			committed, err = strconv.Atoi(strings.TrimPrefix(line, "committed "))
			require.NoError(t, err)
		case line == "appended" && !killed:
			// Let it commit a few more batches, so the kill likely lands inside one.
			time.Sleep(20 * time.Millisecond)
			// SIGKILL: no deferred Close, no flush, no lock file removal.
			require.NoError(t, cmd.Process.Kill())
			killed = true
		case strings.HasPrefix(line, "error"):
			t.Fatalf("helper: %s", line)
		}
	}
	// Lines already in the pipe are still read after the kill, so committed is the last
	// batch the helper saw committed.
	_ = cmd.Wait()
	require.True(t, killed, "the helper never reported its appends")
	require.GreaterOrEqual(t, committed, helperAppended-1)

	s, err := OpenTSDB(dir, TSDBOptions{})
	require.NoError(t, err, "reopen after SIGKILL replays the WAL")
	defer s.Close()
	ctx := context.Background()
	lengths := map[int]bool{}
	for tg := range helperTargets {
		got, err := s.Select(ctx, fmt.Sprintf("svc-%d", tg), []string{"HeapAlloc", "NumGC"}, t0, t0+1e9)
		require.NoError(t, err)
		heap, gcs := got["HeapAlloc"], got["NumGC"]
		// Every reported commit survived; a batch in flight at the kill is there whole or not at all.
		require.GreaterOrEqual(t, len(heap), committed+1, "target %d lost committed samples", tg)
		require.LessOrEqual(t, len(heap), committed+2)
		require.Len(t, gcs, len(heap))
		for i, p := range heap {
			require.Equal(t, Point{T: t0 + int64(i)*scrapeMs, V: float64(tg*1e9 + i*4096)}, p)
			require.Equal(t, Point{T: t0 + int64(i)*scrapeMs, V: float64(i)}, gcs[i])
		}
		lengths[len(heap)] = true
	}
	assert.Len(t, lengths, 1, "one commit holds the scrape of every target: all or none of it survives")
	t.Logf("helper reported %d commits before it was killed; surviving samples per series: %v", committed+1, lengths)
}
