package goroutines

import (
	"cmp"
	"slices"
	"strings"
)

// Source says which endpoint a Summary was made from; analysis needs it because debug=1
// profiles carry neither creators nor states nor wait times.
type Source string

// Sources of a Summary.
const (
	SourceDump    Source = "debug=2"
	SourceGrouped Source = "debug=1"
)

// MaxExampleFrames caps the example stack kept per group of a debug=2 summary.
const MaxExampleFrames = 32

// MaxGroupedExampleFrames caps it in debug=1 summaries, which are stored every 15 s rather
// than every 5 min: stacks are most of a summary's size (about 7 compressed bytes a frame),
// and the analysis prefers the example of the newest debug=2 summary anyway.
const MaxGroupedExampleFrames = 8

// Summary is the storable reduction of one goroutine snapshot: goroutines grouped by
// creation site and top user frame, with enough per-group detail (counts per raw status and
// wait-time histograms) that any stale threshold can be applied when it is read.
type Summary struct {
	Source Source `json:"src"`
	// Total is the number of goroutines in the snapshot.
	Total int `json:"n"`
	// MaxID is the highest goroutine id of a dump. Ids only grow within a process, so a
	// smaller MaxID in a later dump means the target restarted.
	MaxID int64 `json:"maxId,omitempty"`
	// Truncated is copied from the dump: counts may be short.
	Truncated bool `json:"trunc,omitempty"`
	// Groups are ordered by count, largest first.
	Groups []SummaryGroup `json:"g"`
}

// SummaryGroup counts the goroutines that share a creation site and a top user frame.
type SummaryGroup struct {
	// Creator is the function containing the go statement; empty for goroutine 1 and in
	// debug=1 summaries.
	Creator string `json:"c,omitempty"`
	// CreatorSite is the go statement's file:line.
	CreatorSite string `json:"cs,omitempty"`
	// TopFunc and TopSite are the top user frame: see TopFrame.
	TopFunc string `json:"t,omitempty"`
	TopSite string `json:"ts,omitempty"`
	Count   int    `json:"n"`
	// States counts goroutines per raw status (Goroutine.StatusKey); nil for debug=1.
	States map[string]int `json:"s,omitempty"`
	// Waits holds, per raw status, how many goroutines showed each wait in minutes. Waits of
	// 0 minutes (not printed by the runtime) are left out: they are States minus the rest.
	Waits map[string]map[int]int `json:"w,omitempty"`
	// Stack is the first goroutine's stack, at most MaxExampleFrames frames
	// (MaxGroupedExampleFrames for debug=1).
	Stack []Frame `json:"st,omitempty"`
}

// CreatorKey identifies the group's creation site: "<creator> <file:line>", or "" when the
// runtime started the goroutine or the summary comes from debug=1.
func (g *SummaryGroup) CreatorKey() string {
	if g.Creator == "" {
		return ""
	}
	return g.Creator + " " + g.CreatorSite
}

// TopKey identifies the group's top user frame: "<func> <file:line>".
func (g *SummaryGroup) TopKey() string {
	if g.TopFunc == "" {
		return ""
	}
	return g.TopFunc + " " + g.TopSite
}

// TopFrame returns the frame a goroutine is said to be "in": the first Go frame outside the
// standard library, so that goroutines blocked in sync, net or time calls are told apart by
// the user code that called them. Stacks made only of standard library frames fall back to
// the first frame outside package runtime, then to the first frame.
func TopFrame(frames []Frame) (Frame, bool) {
	for _, f := range frames {
		if isUserFunc(f.Func) {
			return f, true
		}
	}
	for _, f := range frames {
		if !strings.HasPrefix(f.Func, "runtime.") && !strings.HasPrefix(f.Func, "internal/runtime/") {
			return f, true
		}
	}
	if len(frames) > 0 {
		return frames[0], true
	}
	return Frame{}, false
}

// stdlibRoots are the first elements of the standard library's import paths (Go 1.19 to
// 1.27). Telling the standard library by the missing dot in the first element would take
// modules named without a domain ("module myapp") for it.
var stdlibRoots = map[string]bool{
	"archive": true, "bufio": true, "bytes": true, "cmp": true, "compress": true, "container": true,
	"context": true, "crypto": true, "database": true, "debug": true, "embed": true, "encoding": true,
	"errors": true, "expvar": true, "flag": true, "fmt": true, "go": true, "hash": true, "html": true,
	"image": true, "index": true, "internal": true, "io": true, "iter": true, "log": true, "maps": true,
	"math": true, "mime": true, "net": true, "os": true, "path": true, "plugin": true, "reflect": true,
	"regexp": true, "runtime": true, "slices": true, "sort": true, "strconv": true, "strings": true,
	"structs": true, "sync": true, "syscall": true, "testing": true, "text": true, "time": true,
	"unicode": true, "unique": true, "unsafe": true, "vendor": true, "weak": true,
}

// isUserFunc reports whether fn is a Go function ("import/path.Func") outside the standard
// library. C functions of cgo tracebacks have no package and are not.
func isUserFunc(fn string) bool {
	end := strings.IndexAny(fn, "/.")
	return end > 0 && strings.IndexByte(fn, '.') > 0 && !stdlibRoots[fn[:end]]
}

type groupKey struct{ creator, creatorSite, top, topSite string }

// SummarizeDump reduces a debug=2 dump.
func SummarizeDump(d *Dump) *Summary {
	s := &Summary{Source: SourceDump, Total: len(d.Goroutines), Truncated: d.Truncated}
	idx := map[groupKey]int{}
	for i := range d.Goroutines {
		g := &d.Goroutines[i]
		s.MaxID = max(s.MaxID, g.ID)
		var k groupKey
		if g.CreatedBy != nil {
			k.creator, k.creatorSite = g.CreatedBy.Func, g.CreatedBy.Site()
		}
		if top, ok := TopFrame(g.Frames); ok {
			k.top, k.topSite = top.Func, top.Site()
		}
		j, ok := idx[k]
		if !ok {
			j = len(s.Groups)
			idx[k] = j
			s.Groups = append(s.Groups, SummaryGroup{
				Creator: k.creator, CreatorSite: k.creatorSite, TopFunc: k.top, TopSite: k.topSite,
				States: map[string]int{}, Stack: exampleStack(g.Frames, MaxExampleFrames),
			})
		}
		grp := &s.Groups[j]
		grp.Count++
		st := g.StatusKey()
		grp.States[st]++
		if g.WaitMinutes > 0 {
			if grp.Waits == nil {
				grp.Waits = map[string]map[int]int{}
			}
			if grp.Waits[st] == nil {
				grp.Waits[st] = map[int]int{}
			}
			grp.Waits[st][g.WaitMinutes]++
		}
	}
	sortGroups(s.Groups)
	return s
}

// SummarizeGrouped reduces a debug=1 profile. Its stacks have no creator, so groups are keyed
// by top user frame only, and carry no states or waits.
func SummarizeGrouped(gr *Grouped) *Summary {
	s := &Summary{Source: SourceGrouped, Total: gr.Total}
	idx := map[groupKey]int{}
	for _, st := range gr.Stacks {
		var k groupKey
		if top, ok := TopFrame(st.Frames); ok {
			k.top, k.topSite = top.Func, top.Site()
		}
		j, ok := idx[k]
		if !ok {
			j = len(s.Groups)
			idx[k] = j
			s.Groups = append(s.Groups, SummaryGroup{TopFunc: k.top, TopSite: k.topSite, Stack: exampleStack(st.Frames, MaxGroupedExampleFrames)})
		}
		s.Groups[j].Count += st.Count
	}
	sortGroups(s.Groups)
	return s
}

func exampleStack(frames []Frame, n int) []Frame {
	return slices.Clone(frames[:min(len(frames), n)])
}

func sortGroups(gs []SummaryGroup) {
	slices.SortStableFunc(gs, func(a, b SummaryGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.CreatorKey(), b.CreatorKey()), cmp.Compare(a.TopKey(), b.TopKey()))
	})
}

// BucketCounts returns the goroutines of a dump summary per state bucket (every bucket of
// Buckets present, zeros included), the input of the per-state series; nil for debug=1
// summaries, which have no states.
func (s *Summary) BucketCounts() map[string]int {
	if s.Source != SourceDump {
		return nil
	}
	out := make(map[string]int, len(Buckets))
	for _, b := range Buckets {
		out[b] = 0
	}
	for _, g := range s.Groups {
		for st, n := range g.States {
			out[Bucket(st)] += n
		}
	}
	return out
}

// GroupCounts returns the goroutines per group key (see GroupBy), the input of the per-group
// series. Grouping a debug=1 summary by creator yields nil: it has no creators.
func (s *Summary) GroupCounts(by GroupBy) map[string]int {
	if by == ByCreator && s.Source != SourceDump {
		return nil
	}
	out := map[string]int{}
	for i := range s.Groups {
		out[s.Groups[i].key(by)] += s.Groups[i].Count
	}
	return out
}
