package snapshots

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	rpprof "runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"
)

var realProfiles = []string{"heap.pb.gz", "allocs.pb.gz", "goroutine.pb.gz", "block.pb.gz", "mutex.pb.gz", "threadcreate.pb.gz"}

// TestRoundTripRealProfiles stores each captured profile type and checks that Profile
// rebuilds the same samples and header, and that the rebuilt profile serializes to a body
// profile.Parse reads back unchanged.
func TestRoundTripRealProfiles(t *testing.T) {
	for _, store := range []string{"bbolt", "memory"} {
		t.Run(store, func(t *testing.T) {
			var s Store
			if store == "bbolt" {
				s, _ = openTest(t, Options{})
			} else {
				m := NewMemory(Options{MaintenanceInterval: -1})
				t.Cleanup(func() { _ = m.Close() })
				s = m
			}
			for i, name := range realProfiles {
				p, raw := readProfile(t, name)
				k := key("app", name, t0.Add(time.Duration(i)*time.Minute))
				require.NoError(t, s.PutProfile(bg, k, p, int64(len(raw))))
				got, err := s.Profile(bg, k)
				require.NoError(t, err, name)
				requireEquivalent(t, p, got)

				var buf bytes.Buffer
				require.NoError(t, got.Write(&buf))
				again, err := profile.Parse(&buf)
				require.NoError(t, err)
				requireEquivalent(t, p, again)

				m, err := s.Nearest(bg, "app", name, k.Time)
				require.NoError(t, err)
				require.Equal(t, int64(len(raw)), m.RawBytes)
			}
		})
	}
}

// TestRoundTripLabels stores a real goroutine profile whose goroutines carry string labels
// and a heap profile with numeric labels and units set, and checks the labels survive.
func TestRoundTripLabels(t *testing.T) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i, v := range []string{"alpha", "beta", "beta"} {
		wg.Add(1)
		labels := rpprof.Labels("worker", v, "slot", string(rune('a'+i)))
		go rpprof.Do(context.Background(), labels, func(context.Context) {
			defer wg.Done()
			<-release
		})
	}
	time.Sleep(50 * time.Millisecond)
	var buf bytes.Buffer
	require.NoError(t, rpprof.Lookup("goroutine").WriteTo(&buf, 0))
	close(release)
	wg.Wait()
	gp, err := profile.Parse(&buf)
	require.NoError(t, err)
	labelled := 0
	for _, s := range gp.Sample {
		if len(s.Label["worker"]) > 0 {
			labelled++
		}
	}
	require.Positive(t, labelled, "the goroutine profile carries labels")

	hp, _ := readProfile(t, "heap.pb.gz")
	hp.Sample[0].NumUnit = map[string][]string{"bytes": {"bytes"}}

	db, _ := openTest(t, Options{})
	for i, p := range []*profile.Profile{gp, hp} {
		k := key("app", "labels", t0.Add(time.Duration(i)*time.Second))
		require.NoError(t, db.PutProfile(bg, k, p, 1))
		got, err := db.Profile(bg, k)
		require.NoError(t, err)
		requireEquivalent(t, p, got)
	}
}

// TestRoundTripPprofTop compares `go tool pprof -top` of the captured bodies with that of
// the rebuilt profiles, for every sample type of a heap and a goroutine profile.
func TestRoundTripPprofTop(t *testing.T) {
	db, _ := openTest(t, Options{})
	dir := t.TempDir()
	cases := map[string][]string{
		"heap.pb.gz":      {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"},
		"goroutine.pb.gz": {"goroutine"},
		"allocs.pb.gz":    {"alloc_space"},
	}
	i := 0
	for name, indexes := range cases {
		p, _ := readProfile(t, name)
		k := key("app", name, t0.Add(time.Duration(i)*time.Minute))
		i++
		require.NoError(t, db.PutProfile(bg, k, p, 1))
		got, err := db.Profile(bg, k)
		require.NoError(t, err)
		rebuilt := filepath.Join(dir, "rebuilt-"+name)
		f, err := os.Create(rebuilt)
		require.NoError(t, err)
		require.NoError(t, got.Write(f))
		require.NoError(t, f.Close())
		for _, idx := range indexes {
			want := pprofTop(t, filepath.Join("testdata", name), idx)
			have := pprofTop(t, rebuilt, idx)
			require.Equal(t, want, have, "%s -sample_index=%s", name, idx)
			require.Contains(t, want, "flat%")
		}
	}
}

func pprofTop(t *testing.T, path, sampleIndex string) string {
	t.Helper()
	cmd := exec.Command("go", "tool", "pprof", "-top", "-nodecount=1000", "-sample_index="+sampleIndex, path)
	cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir(), "PPROF_BINARY_PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}
