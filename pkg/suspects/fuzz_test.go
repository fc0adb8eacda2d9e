package suspects

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/pprof/profile"
)

// FuzzRank feeds two arbitrary profiles, decoded as the store would decode them, to a
// ranker as the snapshots of a range (a, b, a again), by function and by stack. Whatever the
// bytes, the ranker must refuse with an error or rank, never panic, and a ranking must hold
// together.
func FuzzRank(f *testing.F) {
	for _, name := range []string{"heap-00.pb.gz", "heap-12.pb.gz", "heap-24.pb.gz"} {
		raw, err := os.ReadFile(filepath.Join(capturedDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, raw)
		// Uncompressed too, which mutations do not immediately break.
		p, err := profile.ParseData(raw)
		if err != nil {
			f.Fatal(err)
		}
		var u bytes.Buffer
		if err := p.WriteUncompressed(&u); err != nil {
			f.Fatal(err)
		}
		f.Add(u.Bytes(), u.Bytes())
	}
	var a, b bytes.Buffer
	if err := heapProfile("b1", fn("main.a", 1, 10, 1, 10)).WriteUncompressed(&a); err != nil {
		f.Fatal(err)
	}
	if err := heapProfile("b2", fn("main.a", 1, 5, 0, 0), fn("main.b", 2, 20, 2, 20)).WriteUncompressed(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(a.Bytes(), b.Bytes())
	f.Fuzz(func(t *testing.T, rawA, rawB []byte) {
		pa, errA := profile.ParseData(rawA)
		pb, errB := profile.ParseData(rawB)
		if errA != nil || errB != nil {
			return
		}
		for _, by := range []By{ByFunction, ByStack} {
			r, err := NewRanker(Options{By: by, MaxPoints: 4})
			if err != nil {
				t.Fatal(err)
			}
			added := 0
			for i, p := range []*profile.Profile{pa, pb, pa} {
				if err := r.Add(at(i), p); err == nil {
					added++
				}
			}
			res := r.Result()
			if res.Snapshots != added {
				t.Fatalf("ranked %d snapshots, %d were added", res.Snapshots, added)
			}
			for i, s := range res.Suspects {
				if s.Rank != i+1 || s.Key == "" || s.Function == "" {
					t.Fatalf("suspect %d malformed: %+v", i, s)
				}
				if s.Monotonicity < 0 || s.Monotonicity > 1 {
					t.Fatalf("monotonicity %v out of [0, 1]", s.Monotonicity)
				}
				if len(s.Series) > 4 {
					t.Fatalf("%d points kept, max 4", len(s.Series))
				}
			}
		}
	})
}
