package snapshots

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// t0 is the fake "now" of the retention tests, on an hour boundary.
var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// readProfile returns a testdata profile and its raw size.
func readProfile(t testing.TB, name string) (*profile.Profile, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	p, err := profile.ParseData(raw)
	require.NoError(t, err, name)
	return p, raw
}

// heapSeries returns the committed series of consecutive heap profiles, raw and parsed.
func heapSeries(t testing.TB) ([]*profile.Profile, [][]byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "heapseries", "*.pb.gz"))
	require.NoError(t, err)
	require.Len(t, files, 100)
	slices.Sort(files)
	var ps []*profile.Profile
	var raws [][]byte
	for _, f := range files {
		p, raw := readProfile(t, strings.TrimPrefix(f, "testdata"+string(filepath.Separator)))
		ps = append(ps, p)
		raws = append(raws, raw)
	}
	return ps, raws
}

// openTest opens a DB in a fresh directory with background maintenance off.
func openTest(t testing.TB, opts Options) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	if opts.MaintenanceInterval == 0 {
		opts.MaintenanceInterval = -1
	}
	db, err := Open(dir, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db, dir
}

// canonicalSamples describes each sample by its frames (function, file, line), values and
// labels, sorted, so that two profiles with the same samples in any order and with any ids
// compare equal.
func canonicalSamples(p *profile.Profile) []string {
	out := make([]string, 0, len(p.Sample))
	for _, s := range p.Sample {
		var b strings.Builder
		for _, l := range s.Location {
			fmt.Fprintf(&b, "%#x", l.Address)
			if l.Mapping != nil {
				fmt.Fprintf(&b, "[%s]", l.Mapping.File)
			}
			for _, ln := range l.Line {
				fmt.Fprintf(&b, " %s %s:%d:%d;", ln.Function.Name, ln.Function.Filename, ln.Line, ln.Column)
			}
			b.WriteString(" | ")
		}
		fmt.Fprintf(&b, "values=%v", s.Value)
		for _, k := range sortedKeys(s.Label) {
			fmt.Fprintf(&b, " %s=%q", k, s.Label[k])
		}
		for _, k := range sortedKeys(s.NumLabel) {
			fmt.Fprintf(&b, " %s=%v%v", k, s.NumLabel[k], s.NumUnit[k])
		}
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out
}

// requireEquivalent checks that got carries the same samples and header fields as want.
func requireEquivalent(t testing.TB, want, got *profile.Profile) {
	t.Helper()
	require.NoError(t, got.CheckValid())
	require.Equal(t, canonicalSamples(want), canonicalSamples(got))
	require.Equal(t, valueTypes(want.SampleType...), valueTypes(got.SampleType...))
	if want.PeriodType != nil || got.PeriodType != nil {
		require.NotNil(t, got.PeriodType)
		require.NotNil(t, want.PeriodType)
		require.Equal(t, valueTypes(want.PeriodType), valueTypes(got.PeriodType))
	}
	require.Equal(t, want.Period, got.Period)
	require.Equal(t, want.TimeNanos, got.TimeNanos)
	require.Equal(t, want.DurationNanos, got.DurationNanos)
	require.Equal(t, want.DefaultSampleType, got.DefaultSampleType)
	require.Equal(t, want.Comments, got.Comments)
	require.Equal(t, want.DropFrames, got.DropFrames)
	require.Equal(t, want.KeepFrames, got.KeepFrames)
	require.Equal(t, len(want.Mapping), len(got.Mapping))
	if len(want.Mapping) > 0 {
		require.Equal(t, want.Mapping[0].File, got.Mapping[0].File, "the main binary stays first")
	}
}

// tableCounts returns the number of entries in each table of target, nil when the target
// has no tables.
func tableCounts(t testing.TB, db *DB, target string) map[string]int {
	t.Helper()
	var out map[string]int
	require.NoError(t, db.sh.bolt.View(func(tx *bolt.Tx) error {
		bt, err := openTables(tx, target, false)
		if err != nil || bt == nil {
			return err
		}
		out = make(map[string]int)
		for i := range numTables {
			out[table(i).String()] = bt.data[i].Stats().KeyN
			out[table(i).String()+" index"] = bt.index[i].Stats().KeyN
		}
		return nil
	}))
	return out
}

// payloadBytes returns the summed size of the stored payloads and metadata values.
func payloadBytes(t testing.TB, db *DB) (payload, meta int64) {
	t.Helper()
	require.NoError(t, db.sh.bolt.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketData).ForEach(func(k, v []byte) error {
			payload += int64(len(k) + len(v))
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).ForEach(func(k, v []byte) error {
			meta += int64(len(k) + len(v))
			return nil
		})
	}))
	return payload, meta
}

// tableBytes returns the summed size of the keys and values of all table buckets.
func tableBytes(t testing.TB, db *DB) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.sh.bolt.View(func(tx *bolt.Tx) error {
		var walk func(b *bolt.Bucket) error
		walk = func(b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					return walk(b.Bucket(k))
				}
				n += int64(len(k) + len(v))
				return nil
			})
		}
		return walk(tx.Bucket(bucketTables))
	}))
	return n
}

func key(target, kind string, t time.Time) Key {
	return Key{Target: target, Kind: kind, Time: t}
}

var bg = context.Background()

func valueTypes(vts ...*profile.ValueType) []string {
	out := make([]string, len(vts))
	for i, v := range vts {
		out[i] = v.Type + "/" + v.Unit
	}
	return out
}
