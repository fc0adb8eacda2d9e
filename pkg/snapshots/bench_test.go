package snapshots

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// syntheticHeap builds a heap profile shaped like a large service's: n samples over
// distinct stacks 8-40 frames deep, drawn from 4000 functions in 400 files, with the four
// heap sample types and the numeric bytes label.
func syntheticHeap(n int, seed uint64) *profile.Profile {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &profile.Mapping{ID: 1, Start: 0x400000, Limit: 0x2000000, File: "/usr/local/bin/service", HasFunctions: true,
		HasFilenames: true, HasLineNumbers: true}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"}, Period: 524288,
		TimeNanos: t0.UnixNano(), Mapping: []*profile.Mapping{m},
	}
	for i := range 4000 {
		p.Function = append(p.Function, &profile.Function{ID: uint64(i + 1),
			Name:     fmt.Sprintf("github.com/example/service/pkg%d.(*Type%d).Method%d", i%97, i%13, i),
			Filename: fmt.Sprintf("/src/github.com/example/service/pkg%d/file%d.go", i%97, i%400), StartLine: int64(i % 500)})
	}
	for i := range 20000 {
		f := p.Function[rng.IntN(len(p.Function))]
		p.Location = append(p.Location, &profile.Location{ID: uint64(i + 1), Mapping: m, Address: 0x400000 + uint64(i)*16,
			Line: []profile.Line{{Function: f, Line: f.StartLine + int64(rng.IntN(80))}}})
	}
	for range n {
		depth := 8 + rng.IntN(33)
		locs := make([]*profile.Location, depth)
		for j := range locs {
			locs[j] = p.Location[rng.IntN(len(p.Location))]
		}
		objs := int64(1 + rng.IntN(1000))
		size := int64(8 << rng.IntN(12))
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: []int64{objs * 3, objs * 3 * size, objs, objs * size},
			NumLabel: map[string][]int64{"bytes": {size}}})
	}
	return p
}

func encodeGz(tb testing.TB, p *profile.Profile) []byte {
	var buf bytes.Buffer
	require.NoError(tb, p.Write(&buf))
	return buf.Bytes()
}

// BenchmarkPutProfile100k stores a 100k-sample heap profile into a store that already
// holds one of the same target, as every Put after the first does, and reports the time as
// a ratio of serializing the same profile with profile.Write (x-write).
func BenchmarkPutProfile100k(b *testing.B) {
	p := syntheticHeap(100_000, 1)
	raw := encodeGz(b, p)
	db, _ := openTest(b, Options{})
	require.NoError(b, db.PutProfile(bg, key("svc", "heap", t0), p, int64(len(raw))))
	var baseline, measured time.Duration
	b.ResetTimer()
	for i := range b.N {
		// The baseline runs between the measured calls, so that both see the same load.
		b.StopTimer()
		start := time.Now()
		encodeGz(b, p)
		baseline += time.Since(start)
		b.StartTimer()
		start = time.Now()
		if err := db.PutProfile(bg, key("svc", "heap", t0.Add(time.Duration(i+1)*time.Minute)), p, int64(len(raw))); err != nil {
			b.Fatal(err)
		}
		measured += time.Since(start)
	}
	b.ReportMetric(float64(measured)/float64(baseline), "x-write")
	b.ReportMetric(float64(len(raw)), "raw-bytes")
}

// BenchmarkProfile100k rebuilds a stored 100k-sample heap profile and reports the time as a
// ratio of profile.ParseData on its .pb.gz (x-parse).
func BenchmarkProfile100k(b *testing.B) {
	p := syntheticHeap(100_000, 1)
	raw := encodeGz(b, p)
	db, _ := openTest(b, Options{})
	k := key("svc", "heap", t0)
	require.NoError(b, db.PutProfile(bg, k, p, int64(len(raw))))
	var baseline, measured time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		start := time.Now()
		if _, err := profile.ParseData(raw); err != nil {
			b.Fatal(err)
		}
		baseline += time.Since(start)
		b.StartTimer()
		start = time.Now()
		if _, err := db.Profile(bg, k); err != nil {
			b.Fatal(err)
		}
		measured += time.Since(start)
	}
	b.ReportMetric(float64(measured)/float64(baseline), "x-parse")
}

// dayOfSnapshots opens a store holding 24 h of 1-minute snapshots of three kinds for two
// targets: metadata only matters to List and Nearest, so the payloads are small blobs.
func dayOfSnapshots(b *testing.B) *DB {
	db, _ := openTest(b, Options{})
	require.NoError(b, db.update(bg, func(tx *bolt.Tx) error {
		for _, target := range []string{"svc-a", "svc-b"} {
			for _, kind := range []string{"goroutine", "heap", "mutex"} {
				for i := range 1440 {
					k := encodeKey(key(target, kind, t0.Add(time.Duration(i)*time.Minute)))
					if err := putEntry(tx, k, compress([]byte("payload")), kindBlob, 40_000); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}))
	return db
}

// benchProfileBaseline is the time of one Profile() of the captured heap profile, the
// baseline of the List and Nearest benchmarks (x-profile): what a query reads anyway.
func benchProfileBaseline(b *testing.B) time.Duration {
	p, raw := readProfile(b, "heap.pb.gz")
	db, _ := openTest(b, Options{})
	require.NoError(b, db.PutProfile(bg, key("app", "heap", t0), p, int64(len(raw))))
	start := time.Now()
	const runs = 50
	for range runs {
		_, err := db.Profile(bg, key("app", "heap", t0))
		require.NoError(b, err)
	}
	return time.Since(start) / runs
}

// BenchmarkList1440 lists one target's heap snapshots over 24 h.
func BenchmarkList1440(b *testing.B) {
	baseline := benchProfileBaseline(b)
	db := dayOfSnapshots(b)
	b.ResetTimer()
	for b.Loop() {
		metas, err := db.List(bg, "svc-a", "heap", t0, t0.Add(24*time.Hour))
		if err != nil || len(metas) != 1440 {
			b.Fatal(len(metas), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(baseline), "x-profile")
}

// BenchmarkNearest1440 finds the snapshot nearest a time within 24 h of 1-minute snapshots.
func BenchmarkNearest1440(b *testing.B) {
	baseline := benchProfileBaseline(b)
	db := dayOfSnapshots(b)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		at := t0.Add(time.Duration(i%1440)*time.Minute + 30*time.Second)
		if _, err := db.Nearest(bg, "svc-a", "heap", at); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(baseline), "x-profile")
}

// BenchmarkStorageHeapSeries stores the 100 consecutive heap snapshots captured from the
// demo and reports stored bytes as ratios of the raw .pb.gz bytes the target sent:
//
//   - marginal-x-raw: payload and metadata bytes of the second 50 snapshots plus what the
//     tables grew by while storing them, over their raw bytes: the cost of one more
//     snapshot once the target's code is in the tables.
//   - total-x-raw: all payload, metadata and table bytes over all raw bytes.
//   - inuse-x-raw: bbolt pages in use (file size less free pages, what MaxBytes caps) over
//     all raw bytes; this adds page headers, element headers and half-empty pages, which
//     weigh most on a store this small.
//   - compacted-x-raw: the file size after bbolt.Compact into a fresh file, over all raw.
//     Compact fills pages to bbolt's default of one half, so this is above inuse-x-raw.
//   - inuse-x-raw-1440: pages in use over raw bytes for a day of 1-minute snapshots, the
//     100 captured bodies stored 14.4 times over at later times: the page overhead of a
//     store of the size retention keeps, where fixed costs no longer dominate.
//
// Payload, metadata and table bytes are the summed lengths of keys and values.
func BenchmarkStorageHeapSeries(b *testing.B) {
	ps, raws := heapSeries(b)
	var day []*profile.Profile
	var dayRaws [][]byte
	for i := range 1440 {
		day, dayRaws = append(day, ps[i%len(ps)]), append(dayRaws, raws[i%len(ps)])
	}
	var f, fDay storageFigures
	var compacted int64
	for b.Loop() {
		db, _ := openTest(b, Options{})
		f = storeSeries(b, db, ps, raws)
		compacted = compactedSize(b, db)
		require.NoError(b, db.Close())
		db, _ = openTest(b, Options{})
		fDay = storeSeries(b, db, day, dayRaws)
		require.NoError(b, db.Close())
	}
	b.ReportMetric(float64(fDay.inUse)/float64(fDay.raw), "inuse-x-raw-1440")
	raw := float64(f.raw)
	b.ReportMetric(float64(f.payloadTail+f.tableTail)/float64(f.rawTail), "marginal-x-raw")
	b.ReportMetric(float64(f.payload+f.tables)/raw, "total-x-raw")
	b.ReportMetric(float64(f.inUse)/raw, "inuse-x-raw")
	b.ReportMetric(float64(compacted)/raw, "compacted-x-raw")
	b.ReportMetric(raw/float64(len(ps)), "raw-bytes/snapshot")
	b.ReportMetric(float64(f.payloadTail)/float64(len(ps)-len(ps)/2), "payload-bytes/snapshot")
}

func compactedSize(b *testing.B, db *DB) int64 {
	path := filepath.Join(b.TempDir(), "compacted.db")
	dst, err := bolt.Open(path, 0o600, nil)
	require.NoError(b, err)
	require.NoError(b, bolt.Compact(dst, db.sh.bolt, 0))
	require.NoError(b, dst.Close())
	st, err := os.Stat(path)
	require.NoError(b, err)
	return st.Size()
}
