package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryInfo(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Info{}, NewMemory(time.Hour).Info())
	reason := `storage path "/x" is not writable: permission denied; keeping history in memory only`
	assert.Equal(t, Info{Durable: false, Reason: reason}, NewMemoryWithReason(time.Hour, reason).Info())
}

func TestMemoryRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory(time.Hour)
	require.NoError(t, m.Append(ctx, []Sample{{"gone", "HeapAlloc", t0, 1}}))
	end := appendHours(t, m, "svc", t0, 3) - 60_000
	cutoff := end - time.Hour.Milliseconds()

	got, err := m.Select(ctx, "svc", []string{"HeapAlloc", "NumGC"}, 0, end)
	require.NoError(t, err)
	require.Len(t, got["HeapAlloc"], 61, "one hour of minute scrapes, both ends included")
	assert.Equal(t, cutoff, got["HeapAlloc"][0].T)

	// A series no longer appended to is trimmed by the sweep and then forgotten.
	gone, err := m.Select(ctx, "gone", []string{"HeapAlloc"}, 0, end)
	require.NoError(t, err)
	assert.Empty(t, gone)
	m.mu.RLock()
	assert.NotContains(t, m.series, seriesKey{"gone", "HeapAlloc"})
	m.mu.RUnlock()

	_, ok, err := m.Last(ctx, "gone", "HeapAlloc", end)
	require.NoError(t, err)
	assert.False(t, ok)

	// A new series' sample older than the retention is dropped as too old.
	require.NoError(t, m.Append(ctx, []Sample{{"late", "HeapAlloc", cutoff - 1, 1}, {"late", "NumGC", cutoff, 1}}))
	assert.Equal(t, uint64(1), m.AppendStats().TooOld)
	late, err := m.Select(ctx, "late", []string{"HeapAlloc", "NumGC"}, 0, end)
	require.NoError(t, err)
	assert.Equal(t, map[string][]Point{"NumGC": {{cutoff, 1}}}, late)
}

func TestMemorySelectReturnsCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory(0)
	require.NoError(t, m.Append(ctx, []Sample{{"a", "HeapAlloc", t0, 1}, {"a", "HeapAlloc", t0 + 1, 2}}))
	got, err := m.Select(ctx, "a", []string{"HeapAlloc"}, t0, t0+1)
	require.NoError(t, err)
	got["HeapAlloc"][0].V = 100
	_ = append(got["HeapAlloc"][:1], Point{T: 7, V: 7})
	again, err := m.Select(ctx, "a", []string{"HeapAlloc"}, t0, t0+1)
	require.NoError(t, err)
	assert.Equal(t, []Point{{t0, 1}, {t0 + 1, 2}}, again["HeapAlloc"])
}
