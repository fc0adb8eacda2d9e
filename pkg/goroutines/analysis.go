package goroutines

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// GroupRow is one row of the groups table: a group as of the newest snapshot, with its
// history over the range.
type GroupRow struct {
	Key         string
	Creator     string
	CreatorSite string
	TopFunc     string
	TopSite     string
	// Count is the group's goroutines in the newest snapshot.
	Count int
	// DominantState is the raw status most of the group's goroutines are in, and
	// DominantBucket its bucket. States, waits and stale counts come from the newest debug=2
	// snapshot, which is older than Count's when debug=1 snapshots follow it; they are empty
	// when the range has no debug=2 snapshot.
	DominantState     string
	DominantBucket    string
	States            map[string]int
	MaxWaitMinutes    int
	MedianWaitMinutes float64
	StaleCount        int
	// FirstSeen is the first snapshot of the range (after the last restart) with the group.
	FirstSeen time.Time
	// Growth is Count minus the count at FirstSeen.
	Growth int
	// GrowthPerHour is the Theil–Sen slope of the group's count from FirstSeen on (absent
	// snapshots count 0), per hour; 0 with fewer than two snapshots.
	GrowthPerHour float64
	// ExampleStack is one goroutine's stack, a "func\n\tfile:line" pair per frame.
	ExampleStack string
}

// GroupRows returns a row per group present in the newest usable snapshot, largest first;
// staleAfter applies as in StaleCount. Groups that disappeared before it are left out. Snapshots from before the target's last
// restart are ignored, and ByCreator reads debug=2 snapshots only (see usable).
func GroupRows(snaps []Timed, by GroupBy, staleAfter time.Duration) []GroupRow {
	tl := buildTimeline(snaps, by)
	if len(tl.snaps) == 0 {
		return nil
	}
	last := len(tl.snaps) - 1
	stats := latestStats(tl, by, staleMinutes(staleAfter))
	var rows []GroupRow
	for ki, k := range tl.keys {
		n := tl.counts[ki][last]
		if n == 0 {
			continue
		}
		info := tl.info[ki]
		first := tl.firstSeen(ki)
		row := GroupRow{
			Key: k, Creator: info.Creator, CreatorSite: info.CreatorSite, TopFunc: info.TopFunc, TopSite: info.TopSite,
			Count: n, FirstSeen: tl.snaps[first].Time, Growth: n - tl.counts[ki][first],
			GrowthPerHour: tl.slopePerHour(ki, first), ExampleStack: FormatStack(info.Stack),
		}
		if w, ok := stats[k]; ok {
			row.States = w.states
			row.DominantState = w.dominant()
			row.DominantBucket = Bucket(row.DominantState)
			row.MaxWaitMinutes = w.maxWait()
			row.MedianWaitMinutes = w.medianWait()
			row.StaleCount = w.stale
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b GroupRow) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
	return rows
}

// latestStats aggregates the states and waits of the newest debug=2 snapshot per key.
func latestStats(tl *timeline, by GroupBy, staleMin int) map[string]*waitStats {
	s := tl.latestDump()
	if s == nil {
		return nil
	}
	out := map[string]*waitStats{}
	for i := range s.Groups {
		g := &s.Groups[i]
		w := out[g.key(by)]
		if w == nil {
			w = &waitStats{}
			out[g.key(by)] = w
		}
		w.add(g, staleMin)
	}
	return out
}

// slopePerHour is the Theil–Sen slope of key ki's counts from snapshot `from` on, per hour.
func (tl *timeline) slopePerHour(ki, from int) float64 {
	pts := make([]store.Point, 0, len(tl.snaps)-from)
	for si := from; si < len(tl.snaps); si++ {
		pts = append(pts, store.Point{T: tl.snaps[si].Time.UnixMilli(), V: float64(tl.counts[ki][si])})
	}
	s, ok := metrics.TheilSen(pts)
	if !ok {
		return 0
	}
	return s * 3600
}

// FormatStack renders frames the way the runtime prints them, without arguments.
func FormatStack(frames []Frame) string {
	var b strings.Builder
	for i, f := range frames {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Func)
		b.WriteString("\n\t")
		b.WriteString(f.Site())
	}
	return b.String()
}
