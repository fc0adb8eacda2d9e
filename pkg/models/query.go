package models

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
)

// QueryType selects the handler a query is dispatched to (the frontend's `queryType`).
type QueryType string

// QueryTypeRuntime reads the stored runtime series (MemStats, goroutines and metrics derived
// from them) of one or more targets.
const QueryTypeRuntime QueryType = "runtime"

// QueryTypeProfile reads one stored profile snapshot (or the delta of a cumulative profile over
// the range), optionally diffed against a baseline, as a flame graph or a top table.
const QueryTypeProfile QueryType = "profile"

// QueryTypeSuspects ranks the functions (or allocation stacks) whose in-use heap grows across
// the stored heap snapshots of the range.
const QueryTypeSuspects QueryType = "suspects"

// QueryTypeGoroutines reads the stored goroutine dumps and groups: series by state or group,
// a groups table, leak verdicts and alertable leak signals.
const QueryTypeGoroutines QueryType = "goroutines"

// QueryTypeAnnotations returns events to mark on panels: process restarts, GC cycles,
// skipped goroutine dumps and pinned snapshots.
const QueryTypeAnnotations QueryType = "annotations"

// QueryTypes lists every query type, in the order the editor offers them.
var QueryTypes = []QueryType{QueryTypeRuntime, QueryTypeProfile, QueryTypeSuspects, QueryTypeGoroutines, QueryTypeAnnotations}

// DefaultMetric is what a new panel shows when the query names no metric.
const DefaultMetric = "heap_inuse"

// DefaultWindow is the window of slopes and windowed rates when the query sets none.
const DefaultWindow = time.Hour

// RuntimeQuery is the JSON model of a `runtime` query. It names configured targets only:
// there is deliberately no field that could carry a URL or host.
type RuntimeQuery struct {
	// QueryType is always "runtime".
	QueryType QueryType `json:"queryType"`
	// Targets selects targets by name. An entry written as /regex/ matches names by
	// (anchored) regular expression; "*" or an empty list selects every target.
	Targets []string `json:"targets,omitempty"`
	// Metrics are names from the metric catalog; empty means DefaultMetric.
	Metrics []string `json:"metrics,omitempty"`
	// Window is the look-back of slopes and windowed estimates, e.g. "30m"; empty means DefaultWindow.
	Window string `json:"window,omitempty"`
	// Instant returns the latest value per target and metric (numeric-multi) instead of series.
	Instant bool `json:"instant,omitempty"`
}

// ParseRuntimeQuery decodes and normalises a runtime query.
func ParseRuntimeQuery(raw json.RawMessage) (*RuntimeQuery, time.Duration, error) {
	var q RuntimeQuery
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &q); err != nil {
			return nil, 0, fmt.Errorf("could not parse query json: %w", err)
		}
	}
	if len(q.Metrics) == 0 {
		q.Metrics = []string{DefaultMetric}
	}
	window := DefaultWindow
	if w := strings.TrimSpace(q.Window); w != "" {
		d, err := gtime.ParseDuration(w)
		if err != nil || d <= 0 {
			return nil, 0, fmt.Errorf("window %q is not a positive duration such as 30m or 6h", q.Window)
		}
		window = d
	}
	return &q, window, nil
}

// Defaults of the profile, suspects and goroutines queries.
const (
	DefaultProfileType      = ProfileHeap
	DefaultMaxNodes         = 8192
	DefaultTopN             = 10
	DefaultStaleThreshold   = 10 * time.Minute
	DefaultGrowingSnapshots = 3
)

// ProfileQuery is the JSON model of a `profile` query. Like every query it names a configured
// target; it cannot carry a URL.
type ProfileQuery struct {
	// QueryType is always "profile".
	QueryType QueryType `json:"queryType"`
	// Target is a configured target's name; empty means the first target.
	Target string `json:"target,omitempty"`
	// ProfileType is one of ProfileTypeInfos; empty means heap.
	ProfileType string `json:"profileType,omitempty"`
	// SampleType is one of the profile type's sample types; empty means its default.
	SampleType string `json:"sampleType,omitempty"`
	// At picks the snapshot nearest this time (RFC 3339 or Unix milliseconds); empty means
	// the snapshot nearest the end of the panel's range.
	At string `json:"at,omitempty"`
	// Delta shows, for a cumulative type, what accumulated between the snapshots nearest the
	// start and the end of the range (the semantics of `go tool pprof -base`).
	Delta bool `json:"delta,omitempty"`
	// Focus keeps only samples with a frame whose function matches this regular expression.
	Focus string `json:"focus,omitempty"`
	// Ignore drops samples with a frame whose function matches this regular expression.
	Ignore string `json:"ignore,omitempty"`
	// MaxNodes caps the flame graph's nodes; the rest is folded into "other" nodes. 0 means DefaultMaxNodes.
	MaxNodes int `json:"maxNodes,omitempty"`
	// Output is "flamegraph" (default) or "top".
	Output string `json:"output,omitempty" tsunion:"flamegraph,top"`
	// Baseline turns the query into a diff against: the snapshot nearest the range start
	// ("rangeStart"), the snapshot BaselineOffset before the compared one ("offset"), a pinned
	// snapshot ("pin") or the same snapshot time of another target ("target"). Empty: no diff.
	Baseline string `json:"baseline,omitempty" tsunion:",rangeStart,offset,pin,target"`
	// BaselineOffset is a duration such as "1h", for Baseline "offset".
	BaselineOffset string `json:"baselineOffset,omitempty"`
	// BaselinePin names a pinned snapshot, for Baseline "pin".
	BaselinePin string `json:"baselinePin,omitempty"`
	// BaselineTarget names another configured target, for Baseline "target".
	BaselineTarget string `json:"baselineTarget,omitempty"`
}

// SuspectsQuery is the JSON model of a `suspects` query.
type SuspectsQuery struct {
	// QueryType is always "suspects".
	QueryType QueryType `json:"queryType"`
	// Target is a configured target's name; empty means the first target.
	Target string `json:"target,omitempty"`
	// By ranks per "function" (default; the allocating leaf function) or per full allocation "stack".
	By string `json:"by,omitempty" tsunion:"function,stack"`
	// Output is the ranked "table" (default) or "series" of inuse_space for the top TopN suspects.
	Output string `json:"output,omitempty" tsunion:"table,series"`
	// TopN limits the rows or series; 0 means DefaultTopN.
	TopN int `json:"topN,omitempty"`
}

// GoroutinesQuery is the JSON model of a `goroutines` query.
type GoroutinesQuery struct {
	// QueryType is always "goroutines".
	QueryType QueryType `json:"queryType"`
	// Targets selects targets as in RuntimeQuery.
	Targets []string `json:"targets,omitempty"`
	// Output is "states" (default: count per state bucket), "groups" (count per top-N group),
	// "groupTable", "verdicts" (stale and growing groups with evidence) or "signals" (the
	// alertable stale, growing and leaked counts per target).
	Output string `json:"output,omitempty" tsunion:"states,groups,groupTable,verdicts,signals"`
	// GroupBy groups goroutines by "creator" (default: created-by function and file:line) or "topFrame".
	GroupBy string `json:"groupBy,omitempty" tsunion:"creator,topFrame"`
	// States keeps only these state buckets; empty keeps all.
	States []string `json:"states,omitempty"`
	// StaleThreshold is the wait after which a blocked goroutine counts as stale, e.g. "10m".
	StaleThreshold string `json:"staleThreshold,omitempty"`
	// GrowingSnapshots is how many consecutive rising snapshots make a group "growing"; 0 means DefaultGrowingSnapshots.
	GrowingSnapshots int `json:"growingSnapshots,omitempty"`
	// TopN limits groups (series and table rows); 0 means DefaultTopN.
	TopN int `json:"topN,omitempty"`
	// Signals keeps only these signals of the "signals" output (stale, growing, leaked);
	// empty keeps all. Alert rules need it: server-side expressions cannot filter by label,
	// so a rule on stale goroutines must not also receive the growing and leaked instances.
	Signals []string `json:"signals,omitempty"`
	// Instant returns the latest signal per target (numeric-multi) instead of series.
	Instant bool `json:"instant,omitempty"`
}

// AnnotationsQuery is the JSON model of an `annotations` query, the data source's annotation
// support.
type AnnotationsQuery struct {
	// QueryType is always "annotations".
	QueryType QueryType `json:"queryType"`
	// Targets selects targets as in RuntimeQuery.
	Targets []string `json:"targets,omitempty"`
	// Events are the kinds of event to return: "restarts", "gcCycles" (dense: one per GC
	// cycle), "skippedDumps" and "pins"; empty means restarts, skippedDumps and pins.
	Events []string `json:"events,omitempty"`
}
