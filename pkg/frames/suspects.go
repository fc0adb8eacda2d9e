package frames

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/suspects"
)

// Units of the suspects table. Grafana has no bytes-per-hour unit; "si:" units scale by
// powers of 1000 and keep the suffix, e.g. 4.2 MB/h.
const (
	unitBytesPerHour   = "si:B/h"
	unitObjectsPerHour = "si:objects/h"
	unitBytes          = "bytes"
	unitRatio          = "percentunit"
	unitCount          = "short"
)

// SuspectsTable renders a ranking as one table frame, strongest suspect first. A ranking by
// stack has a Stack column (function names root first, joined by ";"). With no suspects the
// frame keeps its typed columns and has no rows.
func SuspectsTable(res *suspects.Result) *data.Frame {
	n := len(res.Suspects)
	var (
		rank      = make([]int64, n)
		function  = make([]string, n)
		stack     = make([]string, n)
		score     = make([]float64, n)
		slope     = make([]float64, n)
		objSlope  = make([]float64, n)
		mono      = make([]float64, n)
		growth    = make([]int64, n)
		share     = make([]float64, n)
		retention = make([]float64, n)
		firstSeen = make([]time.Time, n)
		inuse     = make([]int64, n)
		objects   = make([]int64, n)
	)
	for i, s := range res.Suspects {
		rank[i], function[i], stack[i] = int64(s.Rank), s.Function, s.Key
		score[i], slope[i], objSlope[i], mono[i] = s.Score, s.SpaceSlope, s.ObjectsSlope, s.Monotonicity
		growth[i], share[i], retention[i] = s.Growth, s.GrowthShare, s.Retention
		firstSeen[i], inuse[i], objects[i] = s.FirstSeen.UTC(), s.InuseSpace, s.InuseObjects
	}
	fields := []*data.Field{
		named(data.NewField("rank", nil, rank), "Rank"),
		named(data.NewField("function", nil, function), "Function"),
	}
	if res.By == suspects.ByStack {
		fields = append(fields, named(data.NewField("stack", nil, stack), "Stack"))
	}
	fields = append(fields,
		withUnit(data.NewField("score", nil, score), "Score", unitBytesPerHour,
			"space slope × net direction of the steps, max(2·monotonicity − 1, 0)"),
		withUnit(data.NewField("space_slope", nil, slope), "Space slope", unitBytesPerHour, "Theil–Sen slope of inuse_space"),
		withUnit(data.NewField("objects_slope", nil, objSlope), "Objects slope", unitObjectsPerHour, "Theil–Sen slope of inuse_objects"),
		withUnit(data.NewField("monotonicity", nil, mono), "Monotonicity", unitRatio, "share of the changing snapshot-to-snapshot steps that grew"),
		withUnit(data.NewField("growth", nil, growth), "Growth", unitBytes, "inuse_space gained over the range"),
		withUnit(data.NewField("growth_share", nil, share), "Growth share", unitRatio, "share of the growth of every site that grew"),
		withUnit(data.NewField("retention", nil, retention), "Retention", unitRatio, "inuse_space / alloc_space in the latest snapshot"),
		withUnit(data.NewField("first_seen", nil, firstSeen), "First seen", "", "first snapshot in which the site held memory"),
		withUnit(data.NewField("in_use_space", nil, inuse), "In-use space", unitBytes, "latest inuse_space"),
		withUnit(data.NewField("in_use_objects", nil, objects), "In-use objects", unitCount, "latest inuse_objects"),
	)
	return data.NewFrame("suspects", fields...).SetMeta(&data.FrameMeta{PreferredVisualization: data.VisTypeTable})
}

// withUnit gives a column its display name, unit and description; the field names stay
// snake_case like the other tables', so transformations and alert expressions can rely on them.
func withUnit(f *data.Field, display, unit, description string) *data.Field {
	f.Config = &data.FieldConfig{DisplayName: display, Unit: unit, Description: description}
	return f
}

// named gives a column its display name.
func named(f *data.Field, display string) *data.Field {
	f.Config = &data.FieldConfig{DisplayName: display}
	return f
}

// SuspectsSeries renders the inuse_space series of the ranked suspects as timeseries-multi
// frames labelled {target, function}, plus stack when ranked by stack, since several stacks
// share a leaf function and alerting needs every label set to be unique. With no suspects it
// returns the typed "no data" frame.
func SuspectsSeries(target string, res *suspects.Result) data.Frames {
	series := make([]Series, 0, len(res.Suspects))
	for _, s := range res.Suspects {
		labels := data.Labels{"target": target, "function": s.Function}
		display := s.Function
		if res.By == suspects.ByStack {
			labels["stack"] = s.Key
			display = s.Key
		}
		series = append(series, Series{
			Metric: "inuse_space", Labels: labels, Unit: unitBytes, DisplayName: display, Points: s.Series,
		})
	}
	return TimeSeriesMulti(series)
}
