package frames

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/goroutines"
)

// Frame names of the goroutines query's tables.
const (
	GoroutineGroupsFrameName   = "goroutine_groups"
	GoroutineVerdictsFrameName = "goroutine_verdicts"
)

// column is one field of a table frame with its display name and unit.
func column(name, display, unit string, values any) *data.Field {
	f := data.NewField(name, nil, values)
	f.Config = &data.FieldConfig{DisplayNameFromDS: display, Unit: unit}
	return f
}

// tableMeta marks a frame for the table panel and carries the wait-time caveat, which every
// table with wait columns must show.
func tableMeta() *data.FrameMeta {
	return &data.FrameMeta{
		PreferredVisualization: data.VisTypeTable,
		Notices:                []data.Notice{{Severity: data.NoticeSeverityInfo, Text: goroutines.WaitNote}},
	}
}

// GoroutineGroups renders the groups table: one row per group, largest first as given.
// Wait and stale columns are null for groups known only from debug=1 profiles, which carry
// no states. With no rows it returns the typed frame without rows.
func GoroutineGroups(rows []goroutines.GroupRow) *data.Frame {
	n := len(rows)
	var (
		group, creator, creatorSite = make([]string, n), make([]string, n), make([]string, n)
		top, topSite, state, bucket = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		count, growth               = make([]int64, n), make([]int64, n)
		perHour                     = make([]float64, n)
		maxWait, medianWait, stale  = make([]*float64, n), make([]*float64, n), make([]*int64, n)
		firstSeen                   = make([]time.Time, n)
		stack                       = make([]string, n)
	)
	for i, r := range rows {
		group[i], creator[i], creatorSite[i], top[i], topSite[i] = r.Key, r.Creator, r.CreatorSite, r.TopFunc, r.TopSite
		state[i], bucket[i] = r.DominantState, r.DominantBucket
		count[i], growth[i], perHour[i] = int64(r.Count), int64(r.Growth), r.GrowthPerHour
		if r.States != nil {
			mw, md, st := float64(r.MaxWaitMinutes), r.MedianWaitMinutes, int64(r.StaleCount)
			maxWait[i], medianWait[i], stale[i] = &mw, &md, &st
		}
		firstSeen[i] = r.FirstSeen.UTC()
		stack[i] = r.ExampleStack
	}
	f := data.NewFrame(GoroutineGroupsFrameName,
		column("group", "Group", "", group),
		column("creator", "Created by", "", creator),
		column("creator_site", "Creation site", "", creatorSite),
		column("top_frame", "Top frame", "", top),
		column("top_site", "Top frame site", "", topSite),
		column("state", "State", "", state),
		column("bucket", "State bucket", "", bucket),
		column("count", "Goroutines", "short", count),
		column("max_wait", "Max wait", "m", maxWait),
		column("median_wait", "Median wait", "m", medianWait),
		column("stale", "Stale", "short", stale),
		column("growth", "Growth", "short", growth),
		column("growth_per_hour", "Growth rate", "suffix:/h", perHour),
		column("first_seen", "First seen", "", firstSeen),
		column("example_stack", "Example stack", "", stack),
	)
	return f.SetMeta(tableMeta())
}

// GoroutineVerdicts renders the verdicts table, ranked as given (rank 1 first).
func GoroutineVerdicts(vs []goroutines.Verdict) *data.Frame {
	n := len(vs)
	var (
		rank, count, stale                = make([]int64, n), make([]int64, n), make([]int64, n)
		kind, group, creator, creatorSite = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		top, topSite, state, evidence     = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		score, perHour, maxWait           = make([]float64, n), make([]float64, n), make([]float64, n)
	)
	for i, v := range vs {
		rank[i], kind[i], score[i] = int64(i+1), string(v.Kind), v.Score
		group[i], creator[i], creatorSite[i], top[i], topSite[i] = v.Key, v.Creator, v.CreatorSite, v.TopFunc, v.TopSite
		state[i], count[i], perHour[i] = v.State, int64(v.Count), v.GrowthPerHour
		stale[i], maxWait[i], evidence[i] = int64(v.StaleCount), float64(v.MaxWaitMinutes), v.Evidence
	}
	f := data.NewFrame(GoroutineVerdictsFrameName,
		column("rank", "Rank", "", rank),
		column("kind", "Verdict", "", kind),
		column("score", "Score", "short", score),
		column("group", "Group", "", group),
		column("creator", "Created by", "", creator),
		column("creator_site", "Creation site", "", creatorSite),
		column("top_frame", "Top frame", "", top),
		column("top_site", "Top frame site", "", topSite),
		column("state", "State", "", state),
		column("count", "Goroutines", "short", count),
		column("growth_per_hour", "Growth rate", "suffix:/h", perHour),
		column("stale", "Stale", "short", stale),
		column("max_wait", "Max wait", "m", maxWait),
		column("evidence", "Evidence", "", evidence),
	)
	return f.SetMeta(tableMeta())
}
