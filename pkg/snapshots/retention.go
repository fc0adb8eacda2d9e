package snapshots

import (
	"cmp"
	"slices"
	"time"
)

// candidate is one stored snapshot as retention sees it: both stores list their snapshots
// as candidates and delete what the planning functions below pick, so the policy is the
// same whatever the engine.
type candidate struct {
	// series tells the (target, kind) pairs apart; candidates of one series are adjacent
	// and in time order.
	series string
	ms     int64
	size   int64
	pinned bool
}

// retentionVictims returns the indices of the candidates that age-based retention deletes:
// everything older than Retention, and of what is older than FullResolution all but the
// first snapshot of each clock hour (UTC) per series. Pinned snapshots are never picked, and
// do not count as their hour's first: the hour keeps its first unpinned snapshot too, so
// unpinning later leaves the hour as thinning would have left it.
func retentionVictims(cands []candidate, now time.Time, o Options) []int {
	expire := now.Add(-o.Retention).UnixMilli()
	thin := now.Add(-o.FullResolution).UnixMilli()
	const hourMs = int64(time.Hour / time.Millisecond)
	var victims []int
	var series string
	lastHour, haveHour := int64(0), false
	for i, c := range cands {
		if i == 0 || c.series != series {
			series, haveHour = c.series, false
		}
		if c.pinned || c.ms >= thin {
			continue
		}
		if c.ms < expire {
			victims = append(victims, i)
			continue
		}
		hour := floorDiv(c.ms, hourMs)
		if haveHour && hour == lastHour {
			victims = append(victims, i)
			continue
		}
		lastHour, haveHour = hour, true
	}
	return victims
}

// capVictims returns the indices of the oldest unpinned candidates, across all series,
// whose sizes add up to at least excess bytes.
func capVictims(cands []candidate, excess int64) []int {
	order := make([]int, 0, len(cands))
	for i, c := range cands {
		if !c.pinned {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cands[a].ms, cands[b].ms) })
	var freed int64
	for n, i := range order {
		if freed >= excess {
			return order[:n]
		}
		freed += max(cands[i].size, 1)
	}
	return order
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
