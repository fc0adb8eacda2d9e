package goroutines

import (
	"cmp"
	"slices"
	"time"
)

// DefaultGrowingSnapshots is how many consecutive snapshots must show a rising count.
const DefaultGrowingSnapshots = 3

// Growth is a group whose count is rising.
type Growth struct {
	Key         string
	Creator     string
	CreatorSite string
	TopFunc     string
	TopSite     string
	// Count is the group's goroutines in the newest snapshot.
	Count int
	// Counts are the group's counts in the last n snapshots, oldest first.
	Counts []int
	// Span is the time between the first and the last of those snapshots.
	Span time.Duration
	// PerHour is the Theil–Sen slope of the count since the group was first seen, per hour;
	// when that is not positive (a long flat history before the rise), the rise over Span.
	PerHour float64
}

// growingN applies the default to n and keeps at least two snapshots, the fewest that can
// show a rise.
func growingN(n int) int {
	if n <= 0 {
		n = DefaultGrowingSnapshots
	}
	return max(n, 2)
}

// rising reports whether counts ends in n strictly increasing values: c[k−n+1] < … < c[k],
// that is n−1 rises in a row. A snapshot without the group counts 0.
func rising(counts []int, n int) bool {
	if len(counts) < n {
		return false
	}
	tail := counts[len(counts)-n:]
	for i := 1; i < len(tail); i++ {
		if tail[i] <= tail[i-1] {
			return false
		}
	}
	return true
}

// Growing returns the groups whose count rose across the last n usable snapshots (n ≤ 0
// means DefaultGrowingSnapshots): each of those snapshots has strictly more goroutines in
// the group than the one before. Steepest first.
func Growing(snaps []Timed, by GroupBy, n int) []Growth {
	n = growingN(n)
	tl := buildTimeline(snaps, by)
	var out []Growth
	for ki, k := range tl.keys {
		c := tl.counts[ki]
		if !rising(c, n) {
			continue
		}
		info := tl.info[ki]
		last := len(c) - 1
		span := tl.snaps[last].Time.Sub(tl.snaps[last-n+1].Time)
		g := Growth{
			Key: k, Creator: info.Creator, CreatorSite: info.CreatorSite, TopFunc: info.TopFunc, TopSite: info.TopSite,
			Count: c[last], Counts: slices.Clone(c[last-n+1:]), Span: span,
			PerHour: tl.slopePerHour(ki, tl.firstSeen(ki)),
		}
		if g.PerHour <= 0 && span > 0 {
			g.PerHour = float64(c[last]-c[last-n+1]) / span.Hours()
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Growth) int { return cmp.Or(cmp.Compare(b.PerHour, a.PerHour), cmp.Compare(a.Key, b.Key)) })
	return out
}

// GrowingCounts returns, for every usable snapshot (oldest first, with its time), how many
// groups were growing by the rule of Growing as of that snapshot: the alertable "growing
// groups" series. One pass over the counts, without slopes.
func GrowingCounts(snaps []Timed, by GroupBy, n int) ([]time.Time, []int) {
	n = growingN(n)
	tl := buildTimeline(snaps, by)
	times := make([]time.Time, len(tl.snaps))
	out := make([]int, len(tl.snaps))
	streak := make([]int, len(tl.keys)) // strictly rising snapshots ending at the current one
	for si, t := range tl.snaps {
		times[si] = t.Time
		for ki := range tl.keys {
			if si > 0 && tl.counts[ki][si] > tl.counts[ki][si-1] {
				streak[ki]++
			} else {
				streak[ki] = 1
			}
			if streak[ki] >= n {
				out[si]++
			}
		}
	}
	return times, out
}
