package frames

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/goroutines"
)

var gt0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func leakGroup(n int, waits map[int]int) goroutines.SummaryGroup {
	return goroutines.SummaryGroup{
		Creator: "main.leakBlockedReceiver", CreatorSite: "/src/app/patterns.go:268",
		TopFunc: "main.blockedReceiver", TopSite: "/src/app/patterns.go:274", Count: n,
		States: map[string]int{"chan receive": n}, Waits: map[string]map[int]int{"chan receive": waits},
		Stack: []goroutines.Frame{{Func: "main.blockedReceiver", File: "/src/app/patterns.go", Line: 274}},
	}
}

func stuckGroup() goroutines.SummaryGroup {
	return goroutines.SummaryGroup{
		Creator: "main.startCache", CreatorSite: "/src/app/cache.go:20",
		TopFunc: "main.(*cache).get", TopSite: "/src/app/cache.go:31", Count: 4,
		States: map[string]int{"sync.Mutex.Lock": 3, "running": 1},
		Waits:  map[string]map[int]int{"sync.Mutex.Lock": {25: 2, 40: 1}},
		Stack: []goroutines.Frame{
			{Func: "sync.(*Mutex).Lock", File: "/usr/local/go/src/sync/mutex.go", Line: 90},
			{Func: "main.(*cache).get", File: "/src/app/cache.go", Line: 31},
		},
	}
}

func goroutineSnaps() []goroutines.Timed {
	dump := func(min int, maxID int64, gs ...goroutines.SummaryGroup) goroutines.Timed {
		s := &goroutines.Summary{Source: goroutines.SourceDump, MaxID: maxID, Groups: gs}
		for _, g := range gs {
			s.Total += g.Count
		}
		return goroutines.Timed{Time: gt0.Add(time.Duration(min) * time.Minute), Summary: s}
	}
	return []goroutines.Timed{
		dump(0, 100, leakGroup(10, nil), stuckGroup()),
		dump(5, 200, leakGroup(40, map[int]int{2: 10}), stuckGroup()),
		dump(10, 300, leakGroup(70, map[int]int{7: 10, 2: 30}), stuckGroup()),
	}
}

func TestGoroutineGroupsGolden(t *testing.T) {
	rows := goroutines.GroupRows(goroutineSnaps(), goroutines.ByCreator, 5*time.Minute)
	require.Len(t, rows, 2)
	f := GoroutineGroups(rows)
	experimental.CheckGoldenJSONFrame(t, "testdata", "goroutines_groups", f, *update)

	assert.Equal(t, 2, f.Rows())
	assert.Equal(t, data.VisTypeTable, string(f.Meta.PreferredVisualization))
	require.Len(t, f.Meta.Notices, 1)
	assert.Equal(t, goroutines.WaitNote, f.Meta.Notices[0].Text)
	idx := fieldIndex(t, f)
	assert.Equal(t, int64(70), f.Fields[idx["count"]].At(0))
	assert.Equal(t, "m", f.Fields[idx["max_wait"]].Config.Unit)
	assert.Equal(t, 7.0, *(f.Fields[idx["max_wait"]].At(0).(*float64)))
	assert.Equal(t, int64(10), *(f.Fields[idx["stale"]].At(0).(*int64)), "10 waited 7 min, past 5")
	assert.InDelta(t, 360, f.Fields[idx["growth_per_hour"]].At(0), 1e-9)
	assert.Equal(t, "Created by", f.Fields[idx["creator"]].Config.DisplayNameFromDS)
}

// TestGoroutineGroupsWithoutStates: groups known from debug=1 only have null wait columns,
// not zeros that would read as "no wait".
func TestGoroutineGroupsWithoutStates(t *testing.T) {
	rows := []goroutines.GroupRow{{Key: "main.f /a.go:1", TopFunc: "main.f", TopSite: "/a.go:1", Count: 3, FirstSeen: gt0}}
	f := GoroutineGroups(rows)
	idx := fieldIndex(t, f)
	for _, name := range []string{"max_wait", "median_wait", "stale"} {
		v, ok := f.Fields[idx[name]].ConcreteAt(0)
		assert.False(t, ok, "%s = %v", name, v)
	}
}

func TestGoroutineGroupsEmpty(t *testing.T) {
	f := GoroutineGroups(nil)
	experimental.CheckGoldenJSONFrame(t, "testdata", "goroutines_groups_empty", f, *update)
	assert.Equal(t, 0, f.Rows())
	assert.Len(t, f.Fields, 15, "typed columns even without rows")
}

func TestGoroutineVerdictsGolden(t *testing.T) {
	vs := goroutines.Verdicts(goroutineSnaps(), goroutines.VerdictOptions{StaleAfter: 20 * time.Minute})
	require.Len(t, vs, 2)
	f := GoroutineVerdicts(vs)
	experimental.CheckGoldenJSONFrame(t, "testdata", "goroutines_verdicts", f, *update)

	idx := fieldIndex(t, f)
	assert.Equal(t, "growing", f.Fields[idx["kind"]].At(0))
	assert.Equal(t, int64(1), f.Fields[idx["rank"]].At(0))
	assert.Equal(t, "stale", f.Fields[idx["kind"]].At(1))
	assert.Equal(t, int64(3), f.Fields[idx["stale"]].At(1))
	assert.Equal(t, "main.startCache", f.Fields[idx["creator"]].At(1))
	assert.Equal(t, 0, GoroutineVerdicts(nil).Rows())
}

func fieldIndex(t *testing.T, f *data.Frame) map[string]int {
	t.Helper()
	idx := map[string]int{}
	for i, fl := range f.Fields {
		require.NotContains(t, idx, fl.Name)
		idx[fl.Name] = i
	}
	return idx
}
