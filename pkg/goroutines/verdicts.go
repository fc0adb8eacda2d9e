package goroutines

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// VerdictKind says which leak signature a verdict reports.
type VerdictKind string

// Verdict kinds.
const (
	VerdictGrowing VerdictKind = "growing"
	VerdictStale   VerdictKind = "stale"
)

// DefaultTopN bounds the verdicts returned when VerdictOptions.TopN is 0.
const DefaultTopN = 10

// VerdictOptions parameterise Verdicts; zero values mean the defaults.
type VerdictOptions struct {
	By         GroupBy       // default ByCreator
	StaleAfter time.Duration // default DefaultStaleAfter; negative counts every eligible wait
	N          int           // default DefaultGrowingSnapshots
	TopN       int           // default DefaultTopN; negative returns all
}

// Verdict is one suspected leak with its evidence.
type Verdict struct {
	Kind        VerdictKind
	Key         string
	Creator     string
	CreatorSite string
	TopFunc     string
	TopSite     string
	// State is the group's dominant raw status in the newest debug=2 snapshot.
	State          string
	Count          int
	GrowthPerHour  float64
	StaleCount     int
	MaxWaitMinutes int
	// Evidence is one sentence a person can check against the numbers above.
	Evidence string
	// Score ranks verdicts, in goroutines: for a growing group the goroutines it adds per
	// hour (GrowthPerHour), for a stale group the goroutines stuck past the threshold
	// (StaleCount). Both estimate goroutines that will not come back, so one ranking serves.
	Score float64
}

// Verdicts ranks the growing groups (see Growing) and the groups with stale goroutines (see
// GroupRows) by Score, highest first; a group can have one verdict of each kind.
func Verdicts(snaps []Timed, o VerdictOptions) []Verdict {
	if o.By == "" {
		o.By = ByCreator
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	n := growingN(o.N)
	if o.TopN == 0 {
		o.TopN = DefaultTopN
	}
	rows := GroupRows(snaps, o.By, o.StaleAfter)
	byKey := map[string]*GroupRow{}
	for i := range rows {
		byKey[rows[i].Key] = &rows[i]
	}
	var out []Verdict
	for _, g := range Growing(snaps, o.By, n) {
		v := Verdict{
			Kind: VerdictGrowing, Key: g.Key, Creator: g.Creator, CreatorSite: g.CreatorSite,
			TopFunc: g.TopFunc, TopSite: g.TopSite, Count: g.Count, GrowthPerHour: g.PerHour, Score: g.PerHour,
		}
		if r := byKey[g.Key]; r != nil {
			v.State, v.StaleCount, v.MaxWaitMinutes = r.DominantState, r.StaleCount, r.MaxWaitMinutes
		}
		v.Evidence = fmt.Sprintf("count rose across the last %d snapshots (%s) over %s, %+.1f goroutines/h",
			n, joinInts(g.Counts), g.Span.Round(time.Second), g.PerHour)
		out = append(out, v)
	}
	for _, r := range rows {
		if r.StaleCount == 0 {
			continue
		}
		out = append(out, Verdict{
			Kind: VerdictStale, Key: r.Key, Creator: r.Creator, CreatorSite: r.CreatorSite,
			TopFunc: r.TopFunc, TopSite: r.TopSite, State: r.DominantState, Count: r.Count,
			GrowthPerHour: r.GrowthPerHour, StaleCount: r.StaleCount, MaxWaitMinutes: r.MaxWaitMinutes,
			Score: float64(r.StaleCount),
			Evidence: fmt.Sprintf("%d of %d goroutines blocked for at least %s (mostly %s), the longest %d min",
				r.StaleCount, r.Count, o.StaleAfter, r.DominantState, r.MaxWaitMinutes),
		})
	}
	slices.SortFunc(out, func(a, b Verdict) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	if o.TopN > 0 && len(out) > o.TopN {
		out = out[:o.TopN]
	}
	return out
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " → ")
}
