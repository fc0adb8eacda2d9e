package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistrySharesAndRefcounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first, err := Open(dir, TSDBOptions{})
	require.NoError(t, err)
	// Another spelling of the same directory, as a settings change may produce.
	second, err := Open(filepath.Join(dir, ".", "x", ".."), TSDBOptions{})
	require.NoError(t, err)
	assert.Same(t, first.(*handle).shared.db, second.(*handle).shared.db, "one TSDB per directory")
	assert.Equal(t, Info{Durable: true, Path: first.Info().Path}, second.Info())

	require.NoError(t, first.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}}))
	got, err := second.Select(ctx, "a", []string{"HeapAlloc"}, t0, t0)
	require.NoError(t, err)
	assert.Equal(t, []Point{{t0, 1}}, got["HeapAlloc"])

	require.NoError(t, first.Close())
	require.NoError(t, first.Close(), "Close is idempotent and releases one reference only")
	assert.ErrorIs(t, first.Append(ctx, []Sample{{"a", "HeapAlloc", t0 + 1, 2}}), ErrClosed)
	require.NoError(t, second.Append(ctx, []Sample{{"a", "HeapAlloc", t0 + 1, 2}}), "the other handle still works")
	p, ok, err := second.Last(ctx, "a", "HeapAlloc", t0+10)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Point{t0 + 1, 2}, p)

	require.NoError(t, second.Close())
	// The last Close released the lock: the directory opens again, even without the registry.
	s, err := OpenTSDB(dir, TSDBOptions{})
	require.NoError(t, err)
	defer s.Close()
	got, err = s.Select(ctx, "a", []string{"HeapAlloc"}, t0, t0+1)
	require.NoError(t, err)
	assert.Equal(t, []Point{{t0, 1}, {t0 + 1, 2}}, got["HeapAlloc"])
}

func TestRegistrySymlinkedDirectoryIsShared(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Mkdir(real, 0o755))
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("cannot create a symlink here: %v", err)
	}
	a, err := Open(real, TSDBOptions{})
	require.NoError(t, err)
	defer a.Close()
	b, err := Open(link, TSDBOptions{})
	require.NoError(t, err, "a symlink to an open directory must not fail on its lock")
	defer b.Close()
	assert.Same(t, a.(*handle).shared.db, b.(*handle).shared.db)
}

func TestRegistryNewestRetentionWins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old, err := Open(dir, TSDBOptions{Retention: 100 * time.Hour, MinBlockDuration: time.Hour})
	require.NoError(t, err)
	defer old.Close()
	end := appendHours(t, old, "svc", t0, 10)
	db := old.(*handle).shared.db
	require.Eventually(t, func() bool { return len(db.db.Blocks()) >= 7 }, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, t0, db.db.Blocks()[0].Meta().MinTime, "100 h retention keeps the first block")

	// The settings change: a new instance opens the same directory with a shorter retention.
	newer, err := Open(dir, TSDBOptions{Retention: 3 * time.Hour, MinBlockDuration: 5 * time.Hour})
	require.NoError(t, err)
	defer newer.Close()
	assert.Equal(t, (3 * time.Hour).Milliseconds(), db.retentionMs.Load())
	require.NoError(t, old.Close())

	// The next compaction applies it.
	appendHours(t, newer, "svc", end, 2)
	require.Eventually(t, func() bool {
		blocks := db.db.Blocks()
		return len(blocks) > 0 && blocks[0].Meta().MinTime > t0+5*time.Hour.Milliseconds()
	}, 30*time.Second, 50*time.Millisecond, "the newer retention was not applied")
	for _, b := range db.db.Blocks() {
		assert.LessOrEqual(t, b.Meta().MaxTime-b.Meta().MinTime, time.Hour.Milliseconds(),
			"the block duration of the first Open stays")
	}
}

func TestOpenOrMemory(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	locked := filepath.Join(tmp, "locked")
	holder, err := OpenTSDB(locked, TSDBOptions{})
	require.NoError(t, err)
	defer holder.Close()

	tests := []struct {
		name        string
		dir         string
		wantDurable bool
		wantReason  string
	}{
		{"writable", filepath.Join(tmp, "ok"), true, ""},
		{"no path", "", false, "no storage path is configured; keeping history in memory only"},
		{
			// A path below a file: tests may run as root, for whom permissions block nothing.
			"not writable", filepath.Join(file, "sub"), false,
			fmt.Sprintf("storage path %q is not writable: ", filepath.Join(file, "sub")),
		},
		{"held by another process", locked, false, fmt.Sprintf("storage path %q is in use by another process", locked)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := OpenOrMemory(tc.dir, TSDBOptions{Retention: time.Hour})
			defer s.Close()
			info := s.Info()
			assert.Equal(t, tc.wantDurable, info.Durable)
			if tc.wantDurable {
				assert.Empty(t, info.Reason)
				return
			}
			assert.IsType(t, &Memory{}, s)
			assert.Contains(t, info.Reason, tc.wantReason)
			assert.Contains(t, info.Reason, "; keeping history in memory only")
			// The fallback is a working store.
			ctx := context.Background()
			require.NoError(t, s.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}}))
			got, err := s.Select(ctx, "a", []string{"HeapAlloc"}, t0, t0)
			require.NoError(t, err)
			assert.Len(t, got["HeapAlloc"], 1)
		})
	}
}
