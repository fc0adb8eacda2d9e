package goroutines

import (
	"slices"
	"time"
)

// GroupBy chooses what makes goroutines one group in the analysis.
type GroupBy string

// Groupings; their values match the query model's groupBy.
const (
	// ByCreator groups by creation site: the created-by function and the go statement's
	// file:line. Only debug=2 summaries have creators.
	ByCreator GroupBy = "creator"
	// ByTopFrame groups by top user frame (see TopFrame); debug=1 and debug=2 summaries
	// both have it, so both take part.
	ByTopFrame GroupBy = "topFrame"
)

// noCreatorPrefix starts the creator key of goroutines the runtime started itself
// (goroutine 1), which are told apart by their top frame.
const noCreatorPrefix = "(no creator) "

// ident is a group's identity under a grouping: the fields its key is made of, compared
// without building the key string for every group of every snapshot.
type ident struct{ creator, creatorSite, top, topSite string }

func (g *SummaryGroup) ident(by GroupBy) ident {
	if by == ByTopFrame {
		return ident{top: g.TopFunc, topSite: g.TopSite}
	}
	if g.Creator != "" {
		return ident{creator: g.Creator, creatorSite: g.CreatorSite}
	}
	return ident{top: g.TopFunc, topSite: g.TopSite, creatorSite: "\x00"} // apart from ByTopFrame's
}

func (g *SummaryGroup) key(by GroupBy) string {
	if by == ByTopFrame {
		return g.TopKey()
	}
	if k := g.CreatorKey(); k != "" {
		return k
	}
	return noCreatorPrefix + g.TopKey()
}

// Timed is a summary and the time its snapshot was taken.
type Timed struct {
	Time    time.Time
	Summary *Summary
	// Restarted is set by a caller that knows the target restarted since the previous
	// snapshot, e.g. because a MemStats counter went down. Restarts that show in the dumps'
	// goroutine ids are found without it, but a busy process can create more goroutines
	// between two dumps than its predecessor did in its lifetime.
	Restarted bool
}

// timeline is the count of every group at every snapshot the analysis uses.
type timeline struct {
	snaps  []Timed
	keys   []string
	index  map[ident]int
	counts [][]int // counts[key][snapshot]
	// info is, per key, the largest contributing group of the newest snapshot holding it,
	// preferring debug=2 snapshots, which name the creator.
	info     []*SummaryGroup
	infoDump []bool
}

// usable returns the snapshots an analysis by `by` looks at: those after the target's last
// restart, and for ByCreator only debug=2 ones.
//
// A restart is a snapshot marked Restarted, or a dump whose highest goroutine id is below
// the previous dump's (ids grow within a process). debug=1 snapshots between those two dumps
// cannot be placed on either side, so the range then starts at the later dump.
func usable(snaps []Timed, by GroupBy) []Timed {
	start := 0
	var prev *Summary
	for i, t := range snaps {
		if t.Restarted {
			start, prev = i, nil
		}
		if t.Summary == nil || t.Summary.Source != SourceDump {
			continue
		}
		if prev != nil && t.Summary.MaxID < prev.MaxID {
			start = i
		}
		prev = t.Summary
	}
	return withGroups(snaps[start:], by)
}

// withGroups returns the snapshots that have groups of kind `by`: for ByCreator, the
// debug=2 ones.
func withGroups(snaps []Timed, by GroupBy) []Timed {
	var out []Timed
	for _, t := range snaps {
		if t.Summary == nil || (by == ByCreator && t.Summary.Source != SourceDump) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func buildTimeline(snaps []Timed, by GroupBy) *timeline { return timelineOf(usable(snaps, by), by) }

func timelineOf(snaps []Timed, by GroupBy) *timeline {
	tl := &timeline{snaps: snaps, index: map[ident]int{}}
	for si, t := range tl.snaps {
		for gi := range t.Summary.Groups {
			g := &t.Summary.Groups[gi]
			id := g.ident(by)
			ki, ok := tl.index[id]
			if !ok {
				ki = len(tl.keys)
				tl.index[id] = ki
				tl.keys = append(tl.keys, g.key(by))
				tl.counts = append(tl.counts, make([]int, len(tl.snaps)))
				tl.info = append(tl.info, g)
				tl.infoDump = append(tl.infoDump, false)
			}
			dump := t.Summary.Source == SourceDump
			if (dump || !tl.infoDump[ki]) && (tl.counts[ki][si] == 0 || g.Count > tl.info[ki].Count) {
				tl.info[ki], tl.infoDump[ki] = g, dump
			}
			tl.counts[ki][si] += g.Count
		}
	}
	return tl
}

// firstSeen returns the first snapshot index at which key ki has goroutines.
func (tl *timeline) firstSeen(ki int) int {
	return slices.IndexFunc(tl.counts[ki], func(n int) bool { return n > 0 })
}

// latestDump returns the newest debug=2 summary of the timeline, or nil.
func (tl *timeline) latestDump() *Summary {
	for i := len(tl.snaps) - 1; i >= 0; i-- {
		if tl.snaps[i].Summary.Source == SourceDump {
			return tl.snaps[i].Summary
		}
	}
	return nil
}
