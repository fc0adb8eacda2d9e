package snapshots

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/require"
)

// storageFigures is what storing a run of heap snapshots costs, in bytes.
type storageFigures struct {
	raw, rawTail           int64 // all raw bodies; the raw bodies of the second half
	payloadTail, tableTail int64 // payload+meta bytes of the second half; table growth over it
	payload, tables        int64 // all payload+meta bytes; all table bytes
	inUse                  int64 // pages in use (file size less free pages)
}

// storeSeries stores the snapshots a minute apart and measures the bytes stored for the
// second half separately, since that is what every further snapshot costs once the tables
// hold the target's code.
func storeSeries(t testing.TB, db *DB, ps []*profile.Profile, raws [][]byte) storageFigures {
	t.Helper()
	var f storageFigures
	half := len(ps) / 2
	var payloadHalf, tablesHalf int64
	for i, p := range ps {
		if i == half {
			pl, meta := payloadBytes(t, db)
			payloadHalf, tablesHalf = pl+meta, tableBytes(t, db)
		}
		require.NoError(t, db.PutProfile(bg, key("app", "heap", t0.Add(time.Duration(i)*time.Minute)), p, int64(len(raws[i]))))
		f.raw += int64(len(raws[i]))
		if i >= half {
			f.rawTail += int64(len(raws[i]))
		}
	}
	pl, meta := payloadBytes(t, db)
	f.payload, f.tables = pl+meta, tableBytes(t, db)
	f.payloadTail, f.tableTail = f.payload-payloadHalf, f.tables-tablesHalf
	var err error
	f.inUse, err = db.InUseBytes()
	require.NoError(t, err)
	return f
}

// TestDedupeHeapSeries stores 100 consecutive real heap snapshots and checks that the
// tables hold each distinct stack, location and function once, and that a further snapshot
// costs at most 0.3 of its raw .pb.gz.
func TestDedupeHeapSeries(t *testing.T) {
	ps, raws := heapSeries(t)
	db, _ := openTest(t, Options{})
	f := storeSeries(t, db, ps, raws)

	stacks, locs, fns, samples := map[string]bool{}, map[string]bool{}, map[string]bool{}, 0
	for _, p := range ps {
		for _, s := range p.Sample {
			samples++
			var b strings.Builder
			for _, l := range s.Location {
				id := locationIdentity(l)
				locs[id] = true
				b.WriteString(id + "|")
				for _, ln := range l.Line {
					fns[ln.Function.Name+" "+ln.Function.SystemName+" "+ln.Function.Filename+fmt.Sprint(ln.Function.StartLine)] = true
				}
			}
			stacks[b.String()] = true
		}
	}
	counts := tableCounts(t, db, "app")
	require.Equal(t, len(stacks), counts["stacks"], "one table entry per distinct stack")
	require.Equal(t, len(locs), counts["locations"], "one table entry per distinct location")
	require.Equal(t, len(fns), counts["functions"], "one table entry per distinct function")
	require.Less(t, counts["stacks"]*5, samples, "stacks repeat across snapshots")

	marginal := float64(f.payloadTail+f.tableTail) / float64(f.rawTail)
	total := float64(f.payload+f.tables) / float64(f.raw)
	t.Logf("100 heap snapshots: raw %d B; payload+meta %d B, tables %d B, pages in use %d B; marginal %.3f×, total %.3f×",
		f.raw, f.payload, f.tables, f.inUse, marginal, total)
	require.LessOrEqual(t, marginal, 0.3, "bytes stored per further snapshot / raw")
	require.LessOrEqual(t, total, 0.3, "all stored bytes / all raw bytes")
}

func locationIdentity(l *profile.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%#x %v", l.Address, l.IsFolded)
	if l.Mapping != nil {
		fmt.Fprintf(&b, " %s %#x-%#x", l.Mapping.File, l.Mapping.Start, l.Mapping.Limit)
	}
	for _, ln := range l.Line {
		fmt.Fprintf(&b, " %s:%d:%d", ln.Function.Name, ln.Line, ln.Column)
	}
	return b.String()
}
