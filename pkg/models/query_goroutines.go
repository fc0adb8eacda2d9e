package models

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
)

// The outputs of a goroutines query.
const (
	GoroutinesOutputStates     = "states"
	GoroutinesOutputGroups     = "groups"
	GoroutinesOutputGroupTable = "groupTable"
	GoroutinesOutputVerdicts   = "verdicts"
	GoroutinesOutputSignals    = "signals"
)

// GoroutineSignals lists the signals of the "signals" output, in the order they are emitted.
var GoroutineSignals = []string{"stale", "growing", "leaked"}

// ParsedGoroutinesQuery is a goroutines query with its defaults applied and its durations parsed.
type ParsedGoroutinesQuery struct {
	GoroutinesQuery
	StaleAfter time.Duration
}

// ParseGoroutinesQuery decodes, defaults and validates a goroutines query.
func ParseGoroutinesQuery(raw json.RawMessage) (*ParsedGoroutinesQuery, error) {
	var q ParsedGoroutinesQuery
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &q.GoroutinesQuery); err != nil {
			return nil, fmt.Errorf("could not parse query json: %w", err)
		}
	}
	switch q.Output {
	case "":
		q.Output = GoroutinesOutputStates
	case GoroutinesOutputStates, GoroutinesOutputGroups, GoroutinesOutputGroupTable, GoroutinesOutputVerdicts, GoroutinesOutputSignals:
	default:
		return nil, fmt.Errorf("output %q is not one of states, groups, groupTable, verdicts, signals", q.Output)
	}
	switch q.GroupBy {
	case "":
		q.GroupBy = "creator"
	case "creator", "topFrame":
	default:
		return nil, fmt.Errorf("groupBy %q is not one of creator, topFrame", q.GroupBy)
	}
	q.StaleAfter = DefaultStaleThreshold
	if s := strings.TrimSpace(q.StaleThreshold); s != "" {
		d, err := gtime.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("staleThreshold %q is not a positive duration such as 10m", q.StaleThreshold)
		}
		q.StaleAfter = d
	}
	switch {
	case q.GrowingSnapshots == 0:
		q.GrowingSnapshots = DefaultGrowingSnapshots
	case q.GrowingSnapshots < 2:
		return nil, fmt.Errorf("growingSnapshots %d is too small: a group needs at least 2 rising snapshots to be growing", q.GrowingSnapshots)
	}
	for _, sig := range q.Signals {
		if !slices.Contains(GoroutineSignals, sig) {
			return nil, fmt.Errorf("signal %q is not one of %s", sig, strings.Join(GoroutineSignals, ", "))
		}
	}
	switch {
	case q.TopN == 0:
		q.TopN = DefaultTopN
	case q.TopN < 0:
		return nil, fmt.Errorf("topN %d must be positive", q.TopN)
	}
	return &q, nil
}
