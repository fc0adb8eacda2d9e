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

// QueryTypes lists every query type, in the order the editor offers them.
var QueryTypes = []QueryType{QueryTypeRuntime}

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
