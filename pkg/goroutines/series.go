package goroutines

import (
	"cmp"
	"slices"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// The functions below turn summaries into the points of frames.Series: one point per
// snapshot, oldest first, at the snapshot's time in milliseconds. They plot the whole range,
// restarts included; the growth analysis is what starts after the last restart.

func point(t time.Time, v float64) store.Point { return store.Point{T: t.UnixMilli(), V: v} }

// StateSeries returns, per state bucket (every bucket of Buckets), the goroutines in it at
// each debug=2 snapshot; debug=1 snapshots have no states and add no points.
func StateSeries(snaps []Timed) map[string][]store.Point {
	out := make(map[string][]store.Point, len(Buckets))
	for _, t := range snaps {
		if t.Summary == nil {
			continue
		}
		for b, n := range t.Summary.BucketCounts() {
			out[b] = append(out[b], point(t.Time, float64(n)))
		}
	}
	return out
}

// GroupSeries returns the count of the topN largest groups (by their count in the newest
// snapshot; topN ≤ 0 keeps all) at each snapshot that has groups of kind `by`, 0 where a
// group is absent. Keys are as in GroupRow.Key.
func GroupSeries(snaps []Timed, by GroupBy, topN int) map[string][]store.Point {
	tl := timelineOf(withGroups(snaps, by), by)
	if len(tl.snaps) == 0 {
		return map[string][]store.Point{}
	}
	last := len(tl.snaps) - 1
	order := make([]int, len(tl.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(tl.counts[b][last], tl.counts[a][last]), cmp.Compare(tl.keys[a], tl.keys[b]))
	})
	if topN > 0 && len(order) > topN {
		order = order[:topN]
	}
	out := make(map[string][]store.Point, len(order))
	for _, ki := range order {
		pts := make([]store.Point, len(tl.snaps))
		for si, t := range tl.snaps {
			pts[si] = point(t.Time, float64(tl.counts[ki][si]))
		}
		out[tl.keys[ki]] = pts
	}
	return out
}

// StaleSeries returns StaleCount at each debug=2 snapshot: the alertable stale-goroutines
// signal.
func StaleSeries(snaps []Timed, staleAfter time.Duration) []store.Point {
	var out []store.Point
	for _, t := range snaps {
		if t.Summary != nil && t.Summary.Source == SourceDump {
			out = append(out, point(t.Time, float64(StaleCount(t.Summary, staleAfter))))
		}
	}
	return out
}

// GrowingSeries returns GrowingCounts as points: the alertable growing-groups signal.
func GrowingSeries(snaps []Timed, by GroupBy, n int) []store.Point {
	times, counts := GrowingCounts(snaps, by, n)
	out := make([]store.Point, len(times))
	for i := range times {
		out[i] = point(times[i], float64(counts[i]))
	}
	return out
}
