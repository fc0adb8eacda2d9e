// Package frames builds Grafana data frames from computed series, following the dataplane
// contracts (timeseries-multi and numeric-multi, version 0.1) that Grafana Alerting reads.
// Its functions are pure: no I/O, so they are covered by golden tests.
package frames

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// Series is one computed series: a metric of one target with its labels.
type Series struct {
	// Metric is the catalog name; it becomes the value field's name.
	Metric string
	Labels data.Labels
	Unit   string
	// DisplayName, when set, overrides the legend text.
	DisplayName string
	Points      []store.Point
	// Notices are per-series warnings, e.g. the target's last scrape failed.
	Notices []data.Notice
	// IntervalMs is the expected spacing of points; Grafana inserts gaps beyond it.
	IntervalMs int64
}

// TimeSeriesMulti renders the series as one dataplane timeseries-multi frame each. With no
// series it returns a single typed frame without fields, which Grafana reads as "no data"
// rather than as an error.
func TimeSeriesMulti(series []Series) data.Frames {
	if len(series) == 0 {
		return data.Frames{data.NewFrame("").SetMeta(timeSeriesMultiMeta())}
	}
	return TimeSeriesFrames(series)
}

// TimeSeriesFrames renders the series as one dataplane timeseries-multi frame each, like
// TimeSeriesMulti, but returns no frame for no series: callers rendering the parts of one
// response concurrently join the parts and add the "no data" frame only to the whole.
func TimeSeriesFrames(series []Series) data.Frames {
	out := make(data.Frames, 0, len(series))
	// data.NewField copies the values it is given, so one pair of buffers sized to the longest
	// series serves every series instead of a short-lived pair per series. Series of one
	// response mostly share their bucket times, so a time already converted at the same
	// index by an earlier series is kept; ms holds the milliseconds of the first converted.
	n := 0
	for _, s := range series {
		n = max(n, len(s.Points))
	}
	times := make([]time.Time, n)
	vals := make([]float64, n)
	ms := make([]int64, n)
	converted := 0
	for _, s := range series {
		times, vals := times[:len(s.Points)], vals[:len(s.Points)]
		for i, p := range s.Points {
			if i >= converted || ms[i] != p.T {
				times[i] = time.UnixMilli(p.T).UTC()
				ms[i] = p.T
			}
			vals[i] = p.V
		}
		converted = max(converted, len(s.Points))
		tf := data.NewField(data.TimeSeriesTimeFieldName, nil, times)
		if s.IntervalMs > 0 {
			tf.Config = &data.FieldConfig{Interval: float64(s.IntervalMs)}
		}
		vf := data.NewField(s.Metric, s.Labels, vals)
		vf.Config = valueConfig(s)
		f := data.NewFrame(s.Metric, tf, vf).SetMeta(timeSeriesMultiMeta())
		f.Meta.Notices = s.Notices
		out = append(out, f)
	}
	return out
}

func timeSeriesMultiMeta() *data.FrameMeta {
	return &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
}

// NumericMulti renders the newest point of each series as one dataplane numeric-multi frame
// each (one row, one numeric field carrying the labels). Series without points are left out.
func NumericMulti(series []Series) data.Frames {
	meta := func() *data.FrameMeta {
		return &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	}
	out := make(data.Frames, 0, len(series))
	var notices []data.Notice
	for _, s := range series {
		if len(s.Points) == 0 {
			notices = append(notices, s.Notices...)
			continue
		}
		vf := data.NewField(s.Metric, s.Labels, []float64{s.Points[len(s.Points)-1].V})
		vf.Config = valueConfig(s)
		f := data.NewFrame(s.Metric, vf).SetMeta(meta())
		f.Meta.Notices = s.Notices
		out = append(out, f)
	}
	if len(out) == 0 {
		f := data.NewFrame("").SetMeta(meta())
		f.Meta.Notices = notices
		return data.Frames{f}
	}
	return out
}

func valueConfig(s Series) *data.FieldConfig {
	cfg := &data.FieldConfig{Unit: s.Unit}
	if s.DisplayName != "" {
		cfg.DisplayNameFromDS = s.DisplayName
	}
	return cfg
}
