package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendHours appends one scrape a minute of HeapAlloc and NumGC for target over hours,
// starting at from, and returns the time after the last scrape.
func appendHours(t *testing.T, s Store, target string, from int64, hours int) int64 {
	t.Helper()
	ctx := context.Background()
	ts := from
	for range hours * 60 {
		require.NoError(t, s.Append(ctx, []Sample{
			{target, "HeapAlloc", ts, float64(ts % 1e9)},
			{target, "NumGC", ts, float64((ts - from) / 60_000)},
		}))
		ts += 60_000
	}
	return ts
}

// diskBlocks lists the block directories in dir: those holding a meta.json.
func diskBlocks(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var blocks []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); err == nil {
			blocks = append(blocks, e.Name())
		}
	}
	return blocks
}

// waitHeadCompacted waits until background compaction has written every block the head had
// ready, when the head spans at most 1.5 block durations. Retention and the size cap are
// applied as each block is written, before the head shrinks.
func waitHeadCompacted(t *testing.T, s *TSDB, block time.Duration) {
	t.Helper()
	head := s.db.Head()
	require.Eventually(t, func() bool {
		return head.MaxTime()-head.MinTime() <= block.Milliseconds()*3/2
	}, 30*time.Second, 20*time.Millisecond, "the head was not compacted")
}

func TestTSDBInfo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := OpenTSDB(dir, TSDBOptions{})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, Info{Durable: true, Path: dir}, s.Info())
}

func TestTSDBReopenKeepsDataAndDedup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenTSDB(dir, TSDBOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}, {"a", "HeapAlloc", t0 + scrapeMs, 2}}))
	require.NoError(t, s.Close())

	s, err = OpenTSDB(dir, TSDBOptions{})
	require.NoError(t, err)
	defer s.Close()
	// The scrape repeated after the restart is recognised from the replayed WAL.
	require.NoError(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0 + scrapeMs, 5}, {"a", "HeapAlloc", t0 + 2*scrapeMs, 3}}))
	assert.Equal(t, AppendStats{Appended: 1, Duplicates: 1}, s.AppendStats())
	got, err := s.Select(ctx, "a", []string{"HeapAlloc"}, t0, t0+1e6)
	require.NoError(t, err)
	assert.Equal(t, []Point{{t0, 1}, {t0 + scrapeMs, 2}, {t0 + 2*scrapeMs, 3}}, got["HeapAlloc"])
}

func TestTSDBSeparateDirectories(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, err := OpenTSDB(t.TempDir(), TSDBOptions{})
	require.NoError(t, err)
	defer a.Close()
	b, err := OpenTSDB(t.TempDir(), TSDBOptions{})
	require.NoError(t, err)
	defer b.Close()

	require.NoError(t, a.Append(ctx, []Sample{{"svc", "HeapAlloc", t0, 1}}))
	require.NoError(t, b.Append(ctx, []Sample{{"svc", "HeapAlloc", t0, 2}, {"svc", "NumGC", t0, 9}}))

	gotA, err := a.Select(ctx, "svc", []string{"HeapAlloc", "NumGC"}, t0, t0)
	require.NoError(t, err)
	gotB, err := b.Select(ctx, "svc", []string{"HeapAlloc", "NumGC"}, t0, t0)
	require.NoError(t, err)
	assert.Equal(t, map[string][]Point{"HeapAlloc": {{t0, 1}}}, gotA)
	assert.Equal(t, map[string][]Point{"HeapAlloc": {{t0, 2}}, "NumGC": {{t0, 9}}}, gotB)
}

func TestTSDBLockConflictFailsFast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := OpenTSDB(dir, TSDBOptions{})
	require.NoError(t, err)
	defer s.Close()

	done := make(chan error, 1)
	go func() {
		second, err := OpenTSDB(dir, TSDBOptions{})
		if err == nil {
			_ = second.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrLocked)
		assert.Contains(t, err.Error(), dir)
	case <-time.After(10 * time.Second):
		t.Fatal("opening a locked directory hangs")
	}
}

func TestTSDBNotWritable(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := OpenTSDB(filepath.Join(file, "sub"), TSDBOptions{})
	require.ErrorIs(t, err, ErrNotWritable)
}

func TestTSDBWritesBlocksAndRetentionDeletesThem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := OpenTSDB(dir, TSDBOptions{Retention: 3 * time.Hour, MinBlockDuration: time.Hour})
	require.NoError(t, err)
	defer s.Close()

	require.NoError(t, s.Append(context.Background(), []Sample{{"removed", "HeapAlloc", t0, 1}}))
	end := appendHours(t, s, "svc", t0, 12)
	s.appendMu.Lock()
	assert.NotContains(t, s.series, seriesKey{"removed", "HeapAlloc"}, "a series idle for the retention is forgotten")
	assert.Contains(t, s.series, seriesKey{"svc", "HeapAlloc"})
	s.appendMu.Unlock()

	// No explicit compaction: the commits themselves must get the head written to blocks,
	// and retention must then delete the blocks more than 3 h older than the newest one.
	waitHeadCompacted(t, s, time.Hour)
	require.Eventually(t, func() bool {
		blocks := s.db.Blocks()
		return len(blocks) > 0 && blocks[0].Meta().MinTime >= t0+6*time.Hour.Milliseconds()
	}, 30*time.Second, 50*time.Millisecond, "old blocks were not deleted")
	assert.NotEmpty(t, diskBlocks(t, dir), "blocks are written to disk")
	assert.LessOrEqual(t, len(diskBlocks(t, dir)), 5, "deleted blocks are removed from disk")

	ctx := context.Background()
	old, err := s.Select(ctx, "svc", []string{"HeapAlloc", "NumGC"}, t0, t0+time.Hour.Milliseconds())
	require.NoError(t, err)
	assert.Empty(t, old, "samples beyond retention are gone")
	recent, err := s.Select(ctx, "svc", []string{"HeapAlloc"}, end-4*time.Hour.Milliseconds(), end)
	require.NoError(t, err)
	assert.Len(t, recent["HeapAlloc"], 4*60, "recent samples, in blocks and head, are kept")
}

func TestTSDBSizeCapDeletesBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxBytes   int64
		keepsFirst bool
	}{
		{"no cap keeps every block", 0, true},
		{"tiny cap deletes compacted blocks", 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, err := OpenTSDB(dir, TSDBOptions{MaxBytes: tc.maxBytes, MinBlockDuration: time.Hour})
			require.NoError(t, err)
			defer s.Close()
			end := appendHours(t, s, "svc", t0, 8)

			waitHeadCompacted(t, s, time.Hour)
			ctx := context.Background()
			first, err := s.Select(ctx, "svc", []string{"HeapAlloc"}, t0, t0+time.Hour.Milliseconds())
			require.NoError(t, err)
			if tc.keepsFirst {
				assert.Len(t, first["HeapAlloc"], 61)
				assert.NotEmpty(t, diskBlocks(t, dir))
				return
			}
			assert.Empty(t, first, "the oldest block is deleted")
			require.Eventually(t, func() bool { return len(diskBlocks(t, dir)) == 0 },
				10*time.Second, 20*time.Millisecond, "every block exceeds a 1-byte cap")
			recent, err := s.Select(ctx, "svc", []string{"HeapAlloc"}, end-time.Hour.Milliseconds(), end)
			require.NoError(t, err)
			assert.Len(t, recent["HeapAlloc"], 60, "the head is never deleted")
		})
	}
}
