package goroutines

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// grp builds a dump group of n goroutines in one status, the first `waits` of them waiting
// the given minutes each.
func grp(creator, top string, n int, status string, waits ...int) SummaryGroup {
	g := SummaryGroup{Creator: creator, CreatorSite: creator + ".go:1", TopFunc: top, TopSite: top + ".go:2",
		Count: n, States: map[string]int{status: n}, Stack: []Frame{{Func: top, File: top + ".go", Line: 2}}}
	for _, m := range waits {
		if m == 0 {
			continue
		}
		if g.Waits == nil {
			g.Waits = map[string]map[int]int{status: {}}
		}
		g.Waits[status][m]++
	}
	return g
}

func dumpAt(min int, maxID int64, groups ...SummaryGroup) Timed {
	s := &Summary{Source: SourceDump, MaxID: maxID, Groups: groups}
	for _, g := range groups {
		s.Total += g.Count
	}
	return Timed{Time: t0.Add(time.Duration(min) * time.Minute), Summary: s}
}

// groupedAt builds a debug=1 snapshot: only top frames and counts.
func groupedAt(min int, groups ...SummaryGroup) Timed {
	s := &Summary{Source: SourceGrouped}
	for _, g := range groups {
		s.Groups = append(s.Groups, SummaryGroup{TopFunc: g.TopFunc, TopSite: g.TopSite, Count: g.Count, Stack: g.Stack})
		s.Total += g.Count
	}
	return Timed{Time: t0.Add(time.Duration(min) * time.Minute), Summary: s}
}

func TestStaleCount(t *testing.T) {
	s := &Summary{Source: SourceDump, Groups: []SummaryGroup{{
		Count:  10,
		States: map[string]int{"chan receive": 5, "sleep": 3, "IO wait": 2},
		Waits:  map[string]map[int]int{"chan receive": {12: 2, 3: 1}, "sleep": {30: 3}, "IO wait": {10: 1}},
	}}}
	assert.Equal(t, 3, StaleCount(s, 10*time.Minute), "sleeps are never stale")
	assert.Equal(t, 4, StaleCount(s, 90*time.Second), "90 s needs 2 printed minutes")
	assert.Equal(t, 4, StaleCount(s, 2*time.Minute))
	assert.Equal(t, 2, StaleCount(s, 11*time.Minute))
	assert.Equal(t, 7, StaleCount(s, 0), "no threshold: every eligible goroutine")
	assert.Equal(t, 0, StaleCount(s, time.Hour))
	assert.Equal(t, 0, StaleCount(&Summary{Source: SourceGrouped, Groups: s.Groups}, time.Minute), "debug=1 has no waits")
	assert.Equal(t, 0, StaleCount(nil, time.Minute))
}

func TestStaleCountOnRealDump(t *testing.T) {
	s := SummarizeDump(parseFixture(t, "go127.debug2.txt"))
	// Goroutine 8 (chan receive, leaked, 42 min), 11 (WaitGroup, 5 min), 13 (unknown reason,
	// 2 min, not eligible), 9 (chan send durable, 1 min).
	assert.Equal(t, 1, StaleCount(s, 10*time.Minute))
	assert.Equal(t, 2, StaleCount(s, 5*time.Minute))
	assert.Equal(t, 3, StaleCount(s, time.Minute))
}

func TestWaitStatsMedian(t *testing.T) {
	tests := []struct {
		waits  []int // one entry per goroutine
		median float64
		max    int
	}{
		{[]int{0, 0, 7}, 0, 7},
		{[]int{3, 0, 5, 9}, 4, 9},
		{[]int{12}, 12, 12},
		{[]int{1, 1, 2, 2}, 1.5, 2},
	}
	for _, tt := range tests {
		g := grp("c", "t", len(tt.waits), "select", tt.waits...)
		var w waitStats
		w.add(&g, 1)
		assert.Equal(t, tt.median, w.medianWait(), "%v", tt.waits)
		assert.Equal(t, tt.max, w.maxWait(), "%v", tt.waits)
	}
	var empty waitStats
	assert.Zero(t, empty.medianWait())
}

func TestGroupRows(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 100, grp("a", "ta", 10, "chan receive"), grp("b", "tb", 5, "sleep"), grp("gone", "tg", 7, "select")),
		dumpAt(5, 140, grp("a", "ta", 20, "chan receive", 1, 1), grp("b", "tb", 5, "sleep"), grp("gone", "tg", 3, "select")),
		dumpAt(10, 180, grp("a", "ta", 30, "chan receive", 11, 11, 10, 6, 1), grp("b", "tb", 5, "sleep", 12, 12, 12, 12, 12)),
	}
	rows := GroupRows(snaps, ByCreator, 10*time.Minute)
	require.Len(t, rows, 2, "a group absent from the newest snapshot has no row")
	a, b := rows[0], rows[1]
	assert.Equal(t, "a a.go:1", a.Key)
	assert.Equal(t, "a", a.Creator)
	assert.Equal(t, "a.go:1", a.CreatorSite)
	assert.Equal(t, "ta", a.TopFunc)
	assert.Equal(t, 30, a.Count)
	assert.Equal(t, 20, a.Growth)
	assert.InDelta(t, 120, a.GrowthPerHour, 1e-9, "10 per 5 min")
	assert.Equal(t, t0, a.FirstSeen)
	assert.Equal(t, "chan receive", a.DominantState)
	assert.Equal(t, BucketChanReceive, a.DominantBucket)
	assert.Equal(t, 11, a.MaxWaitMinutes)
	assert.Equal(t, 0.0, a.MedianWaitMinutes, "25 of 30 waited under a minute")
	assert.Equal(t, 3, a.StaleCount)
	assert.Equal(t, "ta\n\tta.go:2", a.ExampleStack)

	assert.Equal(t, 5, b.Count)
	assert.Zero(t, b.Growth)
	assert.Zero(t, b.GrowthPerHour)
	assert.Equal(t, 12.0, b.MedianWaitMinutes)
	assert.Zero(t, b.StaleCount, "sleeping is not stale")

	assert.Nil(t, GroupRows(nil, ByCreator, time.Minute))
}

func TestGroupRowsByTopFrameMergesCreators(t *testing.T) {
	snaps := []Timed{dumpAt(0, 10, grp("a", "shared", 4, "select", 20), grp("b", "shared", 6, "chan send", 30, 30))}
	rows := GroupRows(snaps, ByTopFrame, 10*time.Minute)
	require.Len(t, rows, 1)
	r := rows[0]
	assert.Equal(t, "shared shared.go:2", r.Key)
	assert.Equal(t, 10, r.Count)
	assert.Equal(t, "b", r.Creator, "the largest contributing group names the creator")
	assert.Equal(t, map[string]int{"select": 4, "chan send": 6}, r.States)
	assert.Equal(t, "chan send", r.DominantState)
	assert.Equal(t, 3, r.StaleCount)
	assert.Equal(t, 30, r.MaxWaitMinutes)
}

func TestGroupRowsNoCreator(t *testing.T) {
	main := grp("", "main.main", 1, "select")
	main.CreatorSite = ""
	rows := GroupRows([]Timed{dumpAt(0, 1, main)}, ByCreator, time.Minute)
	require.Len(t, rows, 1)
	assert.Equal(t, "(no creator) main.main main.main.go:2", rows[0].Key)
}

func TestGroupRowsRestartResetsCounts(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 5000, grp("a", "ta", 400, "chan receive")),
		dumpAt(5, 5200, grp("a", "ta", 500, "chan receive")),
		groupedAt(7, grp("a", "ta", 520, "")), // ambiguous: before or after the restart
		dumpAt(10, 40, grp("a", "ta", 10, "chan receive")),
		dumpAt(15, 80, grp("a", "ta", 20, "chan receive")),
	}
	for _, by := range []GroupBy{ByCreator, ByTopFrame} {
		rows := GroupRows(snaps, by, time.Minute)
		require.Len(t, rows, 1, by)
		assert.Equal(t, t0.Add(10*time.Minute), rows[0].FirstSeen, by)
		assert.Equal(t, 10, rows[0].Growth, by)
		assert.InDelta(t, 120, rows[0].GrowthPerHour, 1e-9, by)
	}
	assert.Empty(t, Growing(snaps, ByCreator, 3), "only two snapshots since the restart")
	assert.Len(t, Growing(snaps, ByCreator, 2), 1)
}

func TestGroupRowsRestartMarkedByCaller(t *testing.T) {
	snaps := []Timed{
		groupedAt(0, grp("a", "ta", 400, "")),
		groupedAt(1, grp("a", "ta", 500, "")),
		groupedAt(2, grp("a", "ta", 3, "")),
		dumpAt(3, 90000, grp("a", "ta", 6, "chan receive")), // ids already past the old process's
		groupedAt(4, grp("a", "ta", 9, "")),
	}
	snaps[2].Restarted = true
	rows := GroupRows(snaps, ByTopFrame, time.Minute)
	require.Len(t, rows, 1)
	assert.Equal(t, t0.Add(2*time.Minute), rows[0].FirstSeen)
	assert.Equal(t, 6, rows[0].Growth)
	assert.Len(t, Growing(snaps, ByTopFrame, 3), 1)

	snaps[2].Restarted = false
	rows = GroupRows(snaps, ByTopFrame, time.Minute)
	require.Len(t, rows, 1)
	assert.Equal(t, t0, rows[0].FirstSeen, "unmarked, the restart is not seen")
	assert.Equal(t, 9-400, rows[0].Growth)
}

func TestGroupRowsMixedSources(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 100, grp("a", "ta", 10, "chan receive", 15)),
		groupedAt(1, grp("a", "ta", 12, "")),
		groupedAt(2, grp("a", "ta", 14, "")),
	}
	byTop := GroupRows(snaps, ByTopFrame, 10*time.Minute)
	require.Len(t, byTop, 1)
	assert.Equal(t, 14, byTop[0].Count, "debug=1 snapshots give the newest count")
	assert.Equal(t, 4, byTop[0].Growth)
	assert.Equal(t, "chan receive", byTop[0].DominantState, "states come from the newest dump")
	assert.Equal(t, 1, byTop[0].StaleCount)
	assert.Equal(t, "a", byTop[0].Creator)

	byCreator := GroupRows(snaps, ByCreator, 10*time.Minute)
	require.Len(t, byCreator, 1)
	assert.Equal(t, 10, byCreator[0].Count, "creators exist only in dumps")
	assert.Zero(t, byCreator[0].Growth)

	assert.Len(t, Growing(snaps, ByTopFrame, 3), 1)
	assert.Empty(t, Growing(snaps, ByCreator, 3))
	assert.Empty(t, GroupRows([]Timed{groupedAt(0, grp("a", "ta", 1, ""))}, ByCreator, time.Minute))
}

func TestGrowing(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 10, grp("flat", "t", 5, "select"), grp("late", "t2", 9, "select"), grp("up", "t3", 1, "select")),
		dumpAt(5, 20, grp("flat", "t", 5, "select"), grp("late", "t2", 9, "select"), grp("up", "t3", 2, "select")),
		dumpAt(10, 30, grp("flat", "t", 5, "select"), grp("late", "t2", 10, "select"), grp("up", "t3", 4, "select"), grp("new", "t4", 3, "select")),
		dumpAt(15, 40, grp("flat", "t", 5, "select"), grp("late", "t2", 11, "select"), grp("up", "t3", 8, "select"), grp("new", "t4", 6, "select")),
	}
	g := Growing(snaps, ByCreator, 3)
	keys := []string{}
	for _, x := range g {
		keys = append(keys, x.Creator)
	}
	// "new" was absent (0) at minute 5, then 3, then 6.
	assert.ElementsMatch(t, []string{"up", "late", "new"}, keys)
	byCreator := map[string]Growth{}
	for _, x := range g {
		byCreator[x.Creator] = x
	}
	assert.Equal(t, []int{2, 4, 8}, byCreator["up"].Counts)
	assert.Equal(t, []int{0, 3, 6}, byCreator["new"].Counts)
	assert.Equal(t, 10*time.Minute, byCreator["up"].Span)
	assert.InDelta(t, 36, byCreator["new"].PerHour, 1e-9, "3 per 5 min since first seen")
	// Pairwise slopes of 9 9 10 11 are 0, 6, 8, 12, 12, 12 per hour: the median is 10.
	assert.InDelta(t, 10, byCreator["late"].PerHour, 1e-9)
	// up: 1 2 4 8 has the median pairwise slope 26/h; new: 36/h.
	assert.InDelta(t, 26, byCreator["up"].PerHour, 1e-9)
	assert.Equal(t, []string{"new", "up", "late"}, keys, "steepest first")

	assert.Len(t, Growing(snaps, ByCreator, 4), 1, "only up rose 4 snapshots in a row")
	assert.Len(t, Growing(snaps, ByCreator, 0), 3, "0 means the default of 3")
	assert.Empty(t, Growing(snaps[:2], ByCreator, 3), "fewer snapshots than n")

	drop := append(snaps[:4:4], dumpAt(20, 50, grp("up", "t3", 8, "select")))
	assert.Empty(t, Growing(drop, ByCreator, 3), "an equal count ends the rise; the others disappeared")
}

func TestGrowingCounts(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 10, grp("a", "t", 1, "select"), grp("b", "t2", 5, "select")),
		dumpAt(5, 20, grp("a", "t", 2, "select"), grp("b", "t2", 6, "select")),
		dumpAt(10, 30, grp("a", "t", 3, "select"), grp("b", "t2", 7, "select")),
		dumpAt(15, 40, grp("a", "t", 4, "select"), grp("b", "t2", 7, "select")),
	}
	times, n := GrowingCounts(snaps, ByCreator, 3)
	assert.Equal(t, []int{0, 0, 2, 1}, n)
	require.Len(t, times, 4)
	assert.Equal(t, t0.Add(15*time.Minute), times[3])
	// The last point agrees with Growing on the same snapshots.
	assert.Len(t, Growing(snaps, ByCreator, 3), n[3])
}

func TestVerdicts(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 10, grp("leak", "tl", 10, "chan receive"), grp("stuck", "ts", 50, "sync.Mutex.Lock")),
		dumpAt(60, 20, grp("leak", "tl", 40, "chan receive"), grp("stuck", "ts", 50, "sync.Mutex.Lock", 70, 70, 70)),
		dumpAt(120, 30, grp("leak", "tl", 70, "chan receive", 61, 61), grp("stuck", "ts", 50, "sync.Mutex.Lock", 130, 130, 130, 130)),
	}
	v := Verdicts(snaps, VerdictOptions{})
	require.Len(t, v, 3)
	assert.Equal(t, VerdictGrowing, v[0].Kind)
	assert.Equal(t, "leak", v[0].Creator)
	assert.InDelta(t, 30, v[0].GrowthPerHour, 1e-9)
	assert.Equal(t, 30.0, v[0].Score)
	assert.Equal(t, "chan receive", v[0].State)
	assert.Equal(t, 2, v[0].StaleCount)
	assert.Equal(t, "count rose across the last 3 snapshots (10 → 40 → 70) over 2h0m0s, +30.0 goroutines/h", v[0].Evidence)

	assert.Equal(t, VerdictStale, v[1].Kind)
	assert.Equal(t, "stuck", v[1].Creator)
	assert.Equal(t, 4, v[1].StaleCount)
	assert.Equal(t, 130, v[1].MaxWaitMinutes)
	assert.Equal(t, "4 of 50 goroutines blocked for at least 10m0s (mostly sync.Mutex.Lock), the longest 130 min", v[1].Evidence)

	assert.Equal(t, VerdictStale, v[2].Kind)
	assert.Equal(t, "leak", v[2].Creator)
	assert.Equal(t, 2.0, v[2].Score)

	top := Verdicts(snaps, VerdictOptions{TopN: 1})
	require.Len(t, top, 1)
	assert.Equal(t, v[0], top[0])
	assert.Len(t, Verdicts(snaps, VerdictOptions{StaleAfter: 3 * time.Hour}), 1, "nothing waited 3 h")
	assert.Empty(t, Verdicts(snaps[:1], VerdictOptions{}))
	assert.Empty(t, Verdicts(nil, VerdictOptions{}))
}
