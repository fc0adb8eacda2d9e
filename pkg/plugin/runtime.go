package plugin

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/frames"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// statusFunc reports a target's latest scrape outcome; the collector provides it.
type statusFunc func(target string) (collector.Status, bool)

// runtimeQuerier answers runtime queries from stored samples only: a query never waits on a
// scrape, so a slow or dead target cannot slow a dashboard down.
type runtimeQuerier struct {
	store    store.Querier
	status   statusFunc
	targets  []models.Target
	interval time.Duration
	now      func() time.Time
}

func (d *Datasource) runtimeQuerier() *runtimeQuerier {
	return &runtimeQuerier{
		store: d.store, status: d.collector.Status, targets: d.settings.Targets,
		interval: d.settings.ScrapeInterval, now: time.Now,
	}
}

func (r *runtimeQuerier) query(ctx context.Context, q *models.RuntimeQuery, window time.Duration, dq backend.DataQuery) backend.DataResponse {
	targets, err := selectTargets(q.Targets, r.targets)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	ms := make([]*metrics.Metric, 0, len(q.Metrics))
	for _, name := range q.Metrics {
		m, err := metrics.Lookup(name)
		if err != nil {
			return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
		}
		ms = append(ms, m)
	}
	p := r.params(dq, window, q.Instant)
	results := make([]targetResult, len(targets))
	// Decoding stored chunks dominates a query over many targets; spread targets over the
	// available cores. Each worker also renders its targets' frames: converting hundreds of
	// thousands of points is too much to leave to one core after the others are done. Results
	// keep configuration order.
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(targets)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The points of a range query's series are copied into its frames before the
			// worker moves on, so one buffer serves all of them. An instant query's series
			// outlive the worker (their newest points are rendered last) and get their own.
			var buf []store.Point
			for i := range next {
				if q.Instant {
					buf = nil
				}
				results[i], buf = r.evaluateTarget(ctx, targets[i], ms, p, q.Instant, buf[:0])
			}
		}()
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	var series []frames.Series
	var orphans []data.Notice
	fs := make(data.Frames, 0, len(targets)*len(ms))
	for i, t := range targets {
		res := results[i]
		if res.err != nil {
			return backend.ErrorResponseWithErrorSource(backend.PluginError(fmt.Errorf("reading stored samples of target %q: %w", t.Name, res.err)))
		}
		series = append(series, res.series...)
		fs = append(fs, res.frames...)
		orphans = append(orphans, res.orphans...)
	}
	if q.Instant {
		return backend.DataResponse{Frames: frames.NumericMulti(series)}
	}
	if len(fs) == 0 {
		fs = frames.TimeSeriesMulti(nil)
	}
	return backend.DataResponse{Frames: moveNotices(fs, orphans)}
}

// targetResult is one target's part of a response.
type targetResult struct {
	// series are kept for instant queries only, which render all newest points at the end.
	series []frames.Series
	// frames and orphans are those of range queries: one frame per series with points, and the
	// notices of series without any, which would otherwise have no frame to travel in.
	frames  data.Frames
	orphans []data.Notice
	err     error
}

// evaluateTarget evaluates the metrics of one target, the points appended to buf, and renders
// them as a range query's frames unless instant. It returns buf, grown, for the next target.
func (r *runtimeQuerier) evaluateTarget(ctx context.Context, t models.Target, ms []*metrics.Metric, p metrics.Params, instant bool, buf []store.Point) (targetResult, []store.Point) {
	series, buf, err := r.targetSeries(ctx, t, ms, p, len(ms) > 1, buf)
	if err != nil {
		return targetResult{err: err}, buf
	}
	if instant {
		return targetResult{series: series}, buf
	}
	res := targetResult{frames: frames.TimeSeriesFrames(nonEmpty(series))}
	for _, s := range series {
		if len(s.Points) == 0 {
			res.orphans = append(res.orphans, s.Notices...)
		}
	}
	return res, buf
}

// params chooses the evaluation grid: never finer than the scrape interval (finer steps would
// only add empty buckets), coarse enough to respect the panel's MaxDataPoints.
func (r *runtimeQuerier) params(dq backend.DataQuery, window time.Duration, instant bool) metrics.Params {
	from, to := dq.TimeRange.From.UnixMilli(), dq.TimeRange.To.UnixMilli()
	step := r.interval.Milliseconds()
	if iv := dq.Interval.Milliseconds(); iv > step {
		step = iv
	}
	if dq.MaxDataPoints > 0 {
		if s := (to - from) / dq.MaxDataPoints; s > step {
			step = s
		}
	}
	if instant {
		// The newest value: evaluate just enough history for rates and windowed estimates.
		step = r.interval.Milliseconds()
		from = to - 3*step
	} else if step >= metrics.MinuteTierMs {
		// Whole minutes let the minute tier answer with the same buckets as the raw data.
		step = (step + metrics.MinuteTierMs - 1) / metrics.MinuteTierMs * metrics.MinuteTierMs
	}
	return metrics.Params{FromMs: from, ToMs: to, StepMs: step, WindowMs: window.Milliseconds()}
}

// readRaw reads the named raw series over [from, to], from the minute tier where the step
// allows it, keyed by raw name either way.
func (r *runtimeQuerier) readRaw(ctx context.Context, target string, raw []string, from, to, step int64) (map[string][]store.Point, error) {
	// Scrapes a minute or more apart have no tier (see collector): read them raw.
	tier := step >= metrics.MinuteTierMs && step%metrics.MinuteTierMs == 0 && r.interval < metrics.MinuteTierMs*time.Millisecond
	names := make([]string, len(raw))
	rename := make(map[string]string, len(raw))
	for i, n := range raw {
		names[i] = n
		if tier && metrics.HasTier(n) {
			names[i] = metrics.TierName(n)
		}
		rename[names[i]] = n
	}
	got, err := r.store.Select(ctx, target, names, from, to)
	if err != nil || !tier {
		return got, err
	}
	out := make(map[string][]store.Point, len(got))
	for k, v := range got {
		out[rename[k]] = v
	}
	return out, nil
}

// targetSeries evaluates the metrics of one target, appending their points to buf, and returns
// the series and buf grown.
func (r *runtimeQuerier) targetSeries(ctx context.Context, t models.Target, ms []*metrics.Metric, p metrics.Params, labelMetric bool, buf []store.Point) ([]frames.Series, []store.Point, error) {
	need := map[string]bool{}
	var raw []string
	for _, m := range ms {
		for _, s := range m.Raw {
			if !need[s] {
				need[s] = true
				raw = append(raw, s)
			}
		}
	}
	from := p.FromMs - p.LookbackMs()
	points, err := r.readRaw(ctx, t.Name, raw, from, p.ToMs, p.StepMs)
	if err != nil {
		return nil, buf, err
	}
	var fallback []string
	for _, m := range ms {
		if len(m.Fallback) > 0 && len(points[m.Raw[0]]) == 0 {
			fallback = append(fallback, m.Fallback...)
		}
	}
	if len(fallback) > 0 {
		more, err := r.readRaw(ctx, t.Name, fallback, from, p.ToMs, p.StepMs)
		if err != nil {
			return nil, buf, err
		}
		if points == nil {
			points = map[string][]store.Point{}
		}
		for k, v := range more {
			points[k] = v
		}
	}
	notices := r.notices(t.Name)
	out := make([]frames.Series, 0, len(ms))
	for _, m := range ms {
		labels := data.Labels{"target": t.Name}
		for k, v := range t.Labels {
			labels[k] = v
		}
		if labelMetric {
			// Several metrics in one query would otherwise share a label set, which alerting
			// rejects; the metric label keeps every series uniquely identified.
			labels["metric"] = m.Name
		}
		start := len(buf)
		buf = m.AppendPoints(buf, points, p)
		out = append(out, frames.Series{
			Metric: m.Name, Labels: labels, Unit: m.Unit, Points: buf[start:len(buf):len(buf)],
			Notices: notices, IntervalMs: p.StepMs,
		})
	}
	return out, buf, nil
}

// notices explains a failing target next to its (gapped) series.
func (r *runtimeQuerier) notices(target string) []data.Notice {
	st, ok := r.status(target)
	if !ok || st.LastError == nil {
		return nil
	}
	since := "never succeeded since the plugin started"
	if !st.LastSuccess.IsZero() {
		since = fmt.Sprintf("last success %s ago", r.now().Sub(st.LastSuccess).Round(time.Second))
	}
	msg := st.LastError.Error()
	if !strings.Contains(msg, strconv.Quote(target)) {
		msg = fmt.Sprintf("target %q: %s", target, msg)
	}
	return []data.Notice{{
		Severity: data.NoticeSeverityWarning,
		Text:     fmt.Sprintf("latest scrape failed (%s): %s", since, msg),
	}}
}

func nonEmpty(series []frames.Series) []frames.Series {
	out := make([]frames.Series, 0, len(series))
	for _, s := range series {
		if len(s.Points) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// moveNotices keeps orphans, the notices of series that had no points (and so no frame), by
// attaching them to the first frame, de-duplicated.
func moveNotices(fs data.Frames, orphans []data.Notice) data.Frames {
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				seen[n.Text] = true
			}
		}
	}
	for _, n := range orphans {
		if !seen[n.Text] {
			seen[n.Text] = true
			fs[0].Meta.Notices = append(fs[0].Meta.Notices, n)
		}
	}
	return fs
}
