package snapshots

import (
	"crypto/rand"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetentionVictims checks the policy on its own: 8 days of snapshots every 20 minutes.
func TestRetentionVictims(t *testing.T) {
	o := Options{FullResolution: 24 * time.Hour, Retention: 7 * 24 * time.Hour}
	var cands []candidate
	for _, series := range []string{"a", "b"} {
		for m := -8 * 24 * 60; m <= 0; m += 20 {
			ms := t0.Add(time.Duration(m) * time.Minute).UnixMilli()
			pinned := series == "a" && (m == -7*24*60-40 || m == -30*60+20)
			cands = append(cands, candidate{series: series, ms: ms, pinned: pinned})
		}
	}
	victims := retentionVictims(cands, t0, o)
	gone := make(map[int]bool)
	for _, i := range victims {
		gone[i] = true
	}
	for i, c := range cands {
		age := t0.Sub(time.UnixMilli(c.ms))
		minute := time.UnixMilli(c.ms).UTC().Minute()
		switch {
		case c.pinned:
			assert.False(t, gone[i], "pinned %s", age)
		case age > o.Retention:
			assert.True(t, gone[i], "expired %s", age)
		case age > o.FullResolution:
			assert.Equal(t, minute != 0, gone[i], "thinned %s minute %d", age, minute)
		default:
			assert.False(t, gone[i], "full resolution %s", age)
		}
	}
}

func TestCapVictims(t *testing.T) {
	cands := []candidate{
		{series: "a", ms: 10, size: 100},
		{series: "a", ms: 30, size: 100},
		{series: "b", ms: 5, size: 100, pinned: true},
		{series: "b", ms: 20, size: 100},
		{series: "b", ms: 40, size: 100},
	}
	assert.Equal(t, []int{0, 3}, capVictims(cands, 150), "oldest unpinned first, across series")
	assert.Equal(t, []int{0, 3, 1, 4}, capVictims(cands, 10_000), "never the pinned one")
	assert.Empty(t, capVictims(cands, 0))
}

// TestMaintainThinsAndExpires runs retention on a store with a fake clock: profiles and
// blobs every 30 minutes for 8 days, pins in the thinned and expired ranges.
func TestMaintainThinsAndExpires(t *testing.T) {
	clock := &fakeClock{now: t0}
	db, _ := openTest(t, Options{Now: clock.Now})
	p, _ := readProfile(t, "goroutine.pb.gz")
	start := t0.Add(-8 * 24 * time.Hour)
	for at := start; !at.After(t0); at = at.Add(30 * time.Minute) {
		require.NoError(t, db.PutBlob(bg, key("app", "goroutine-dump", at), []byte(at.String())))
		if at.Before(t0.Add(-6 * 24 * time.Hour)) {
			continue // profiles only where they survive, to keep the test quick
		}
		require.NoError(t, db.PutProfile(bg, key("app", "goroutine", at), p, 1))
	}
	pinThinned := key("app", "goroutine-dump", t0.Add(-30*time.Hour+30*time.Minute))
	pinExpired := key("app", "goroutine-dump", start)
	require.NoError(t, db.Pin(bg, "thinned", pinThinned))
	require.NoError(t, db.Pin(bg, "expired", pinExpired))

	require.NoError(t, db.Maintain(bg))
	for _, kind := range []string{"goroutine-dump", "goroutine"} {
		metas, err := db.List(bg, "app", kind, start, t0)
		require.NoError(t, err)
		for _, m := range metas {
			age := t0.Sub(m.Time)
			switch {
			case len(m.Pins) > 0:
			case age > 7*24*time.Hour:
				t.Errorf("%s: expired snapshot %s kept", kind, m.Time)
			case age > 24*time.Hour:
				assert.Zero(t, m.Time.Minute(), "%s: only the first of each hour is kept past 24 h", kind)
			}
		}
		var full int
		for _, m := range metas {
			if t0.Sub(m.Time) <= 24*time.Hour {
				full++
			}
		}
		assert.Equal(t, 49, full, "%s: every snapshot of the last 24 h", kind)
	}
	for _, k := range []Key{pinThinned, pinExpired} {
		_, err := db.Blob(bg, k)
		require.NoError(t, err, "pinned %s", k)
	}
	metas, err := db.List(bg, "app", "goroutine-dump", start, t0)
	require.NoError(t, err)
	assert.Equal(t, 2+49+(7*24-24), len(metas), "pins + full resolution + one per hour in between")

	// A day later the thinned pin survives again and the profiles' tables still decode.
	clock.Set(t0.Add(24 * time.Hour))
	require.NoError(t, db.Maintain(bg))
	_, err = db.Blob(bg, pinThinned)
	require.NoError(t, err)
	metas, err = db.List(bg, "app", "goroutine", start, t0)
	require.NoError(t, err)
	for _, m := range metas {
		got, err := db.Profile(bg, m.Key)
		require.NoError(t, err)
		requireEquivalent(t, p, got)
	}

	// Unpinned, the expired pin goes at the next run.
	require.NoError(t, db.Unpin(bg, "expired"))
	require.NoError(t, db.Maintain(bg))
	_, err = db.Blob(bg, pinExpired)
	assert.ErrorIs(t, err, ErrNotFound)
}

// TestSweepDropsUnreferencedEntries expires all but the last of a target's heap snapshots
// and checks that its tables shrink to what storing that one snapshot alone creates, and
// that a target left with no profiles loses its tables.
func TestSweepDropsUnreferencedEntries(t *testing.T) {
	ps, raws := heapSeries(t)
	clock := &fakeClock{now: t0}
	db, _ := openTest(t, Options{Now: clock.Now, Retention: time.Hour, FullResolution: time.Hour})
	last := t0.Add(time.Duration(len(ps)-1) * time.Minute)
	storeSeries(t, db, ps, raws)
	g, _ := readProfile(t, "goroutine.pb.gz")
	require.NoError(t, db.PutProfile(bg, key("gone", "goroutine", t0), g, 1))
	// A heap profile of a running program lists every stack it ever sampled, so the
	// goroutine profile supplies the stacks that only expired snapshots use.
	require.NoError(t, db.PutProfile(bg, key("app", "goroutine", t0), g, 1))
	before := tableCounts(t, db, "app")

	clock.Set(last.Add(time.Hour))
	require.NoError(t, db.Maintain(bg))
	metas, err := db.List(bg, "app", "heap", t0, last)
	require.NoError(t, err)
	require.Len(t, metas, 1)
	assert.Equal(t, last, metas[0].Time)
	assert.Nil(t, tableCounts(t, db, "gone"), "a target without profiles has no tables")

	fresh, _ := openTest(t, Options{})
	require.NoError(t, fresh.PutProfile(bg, metas[0].Key, ps[len(ps)-1], 1))
	after := tableCounts(t, db, "app")
	assert.Equal(t, tableCounts(t, fresh, "app"), after)
	assert.Less(t, after["stacks"], before["stacks"])

	got, err := db.Profile(bg, metas[0].Key)
	require.NoError(t, err)
	requireEquivalent(t, ps[len(ps)-1], got)
	// Storing an older snapshot again reuses the entries left and recreates the others.
	require.NoError(t, db.PutProfile(bg, key("app", "heap", last.Add(time.Minute)), ps[0], 1))
	got, err = db.Profile(bg, key("app", "heap", last.Add(time.Minute)))
	require.NoError(t, err)
	requireEquivalent(t, ps[0], got)
}

// TestMaintainCap fills a capped store with incompressible blobs of two targets and checks
// that the oldest unpinned snapshots are the ones deleted and the pinned one stays.
func TestMaintainCap(t *testing.T) {
	const blobSize = 32 << 10
	db, _ := openTest(t, Options{Now: func() time.Time { return t0 }})
	var keys []Key
	for i := range 40 {
		k := key([]string{"a", "b"}[i%2], "dump", t0.Add(-time.Duration(40-i)*time.Minute))
		buf := make([]byte, blobSize)
		_, _ = rand.Read(buf)
		require.NoError(t, db.PutBlob(bg, k, buf))
		keys = append(keys, k)
	}
	require.NoError(t, db.Pin(bg, "oldest", keys[0]))
	used, err := db.InUseBytes()
	require.NoError(t, err)
	limit := used / 2
	db.sh.opts.Load().MaxBytes = limit

	require.NoError(t, db.Maintain(bg))
	used, err = db.InUseBytes()
	require.NoError(t, err)
	assert.LessOrEqual(t, used, limit)

	var kept []int
	for i, k := range keys {
		if _, err := db.Blob(bg, k); err == nil {
			kept = append(kept, i)
		} else {
			require.ErrorIs(t, err, ErrNotFound)
		}
	}
	require.Equal(t, 0, kept[0], "the pinned snapshot stays")
	rest := kept[1:]
	require.NotEmpty(t, rest)
	assert.Equal(t, rest[len(rest)-1], len(keys)-1, "the newest stays")
	assert.True(t, slices.IsSorted(rest) && rest[len(rest)-1]-rest[0] == len(rest)-1,
		"the kept unpinned snapshots are the newest ones, whatever their target: %v", kept)
	assert.Greater(t, len(rest), 10)
	assert.Less(t, len(rest), 30)

	// Pinning everything left and capping below it deletes nothing and says why.
	for _, i := range rest {
		require.NoError(t, db.Pin(bg, keys[i].Time.String(), keys[i]))
	}
	db.sh.opts.Load().MaxBytes = 1
	err = db.Maintain(bg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "only pinned snapshots are left")
	for _, i := range kept {
		_, err := db.Blob(bg, keys[i])
		require.NoError(t, err)
	}
}

// TestMemoryRetentionAndCap runs the same policy on the in-memory store.
func TestMemoryRetentionAndCap(t *testing.T) {
	clock := &fakeClock{now: t0}
	m := NewMemory(Options{Now: clock.Now, MaintenanceInterval: -1})
	defer m.Close()
	for i := range 60 {
		at := t0.Add(-48*time.Hour + time.Duration(i)*time.Minute)
		require.NoError(t, m.PutBlob(bg, key("app", "dump", at), make([]byte, 100)))
	}
	require.NoError(t, m.Pin(bg, "p", key("app", "dump", t0.Add(-48*time.Hour+30*time.Minute))))
	require.NoError(t, m.Maintain(bg))
	metas, err := m.List(bg, "app", "dump", t0.Add(-49*time.Hour), t0)
	require.NoError(t, err)
	require.Len(t, metas, 2, "first of the hour and the pin")
	assert.Equal(t, 0, metas[0].Time.Minute())
	assert.Equal(t, []string{"p"}, metas[1].Pins)

	for i := range 10 {
		require.NoError(t, m.PutBlob(bg, key("app", "dump", t0.Add(-time.Duration(10-i)*time.Minute)), make([]byte, 100)))
	}
	m.opts.MaxBytes = 500
	require.NoError(t, m.Maintain(bg))
	assert.LessOrEqual(t, m.InUseBytes(), int64(500))
	metas, err = m.List(bg, "app", "dump", t0.Add(-49*time.Hour), t0)
	require.NoError(t, err)
	require.Len(t, metas, 5)
	assert.Equal(t, []string{"p"}, metas[0].Pins, "the pin survives the cap")
	assert.Equal(t, t0.Add(-time.Minute), metas[4].Time)
}

// TestBackgroundMaintenance checks that Open starts the periodic Maintain and Close stops it.
func TestBackgroundMaintenance(t *testing.T) {
	clock := &fakeClock{now: t0}
	db, err := Open(t.TempDir(), Options{Now: clock.Now, MaintenanceInterval: 10 * time.Millisecond})
	require.NoError(t, err)
	old := key("app", "dump", t0.Add(-8*24*time.Hour))
	require.NoError(t, db.PutBlob(bg, old, []byte("x")))
	require.Eventually(t, func() bool {
		_, err := db.Blob(bg, old)
		return errors.Is(err, ErrNotFound)
	}, 5*time.Second, 10*time.Millisecond, "the background maintenance expires old snapshots")
	start := time.Now()
	require.NoError(t, db.Close())
	assert.Less(t, time.Since(start), time.Second)
	select {
	case <-db.sh.done:
	default:
		t.Fatal("the maintenance goroutine is still running after Close")
	}
}
