package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/frames"
	"github.com/leakwatch/pprof-datasource/pkg/goroutines"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// maxSummariesPerTarget bounds how many stored summaries of one kind a query decodes: a day
// of debug=1 summaries at 15 s is 5,760, far more points than a panel shows, so longer
// ranges are read evenly thinned (the newest always kept).
const maxSummariesPerTarget = 1500

// dumpStatusFunc reports a target's latest goroutine-dump decision; the collector provides it.
type dumpStatusFunc func(target string) (collector.DumpStatus, bool)

// goroutinesQuerier answers goroutines queries from the stored goroutine summaries and
// goroutineleak profiles only; like every query it never waits on a target.
type goroutinesQuerier struct {
	snaps      snapshots.Reader
	dumpStatus dumpStatusFunc
	targets    []models.Target
	dumpEvery  time.Duration
}

func (d *Datasource) goroutinesQuerier() *goroutinesQuerier {
	return &goroutinesQuerier{
		snaps: d.snapshots, dumpStatus: d.collector.DumpStatus, targets: d.settings.Targets,
		dumpEvery: d.settings.GoroutineDumpInterval,
	}
}

// targetGoroutines is what one target contributes to a goroutines query.
type targetGoroutines struct {
	target  models.Target
	snaps   []goroutines.Timed
	notices []data.Notice
}

func (g *goroutinesQuerier) query(ctx context.Context, q *models.ParsedGoroutinesQuery, dq backend.DataQuery) backend.DataResponse {
	if g.snaps == nil {
		return backend.ErrDataResponse(backend.StatusInternal, errNoSnapshotStore.Error())
	}
	targets, err := selectTargets(q.Targets, g.targets)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	for _, s := range q.States {
		if !slices.Contains(goroutines.Buckets, s) {
			return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
				fmt.Sprintf("state %q is not one of %v", s, goroutines.Buckets))
		}
	}
	by := goroutines.ByCreator
	if q.GroupBy == "topFrame" {
		by = goroutines.ByTopFrame
	}
	per := make([]targetGoroutines, 0, len(targets))
	for _, t := range targets {
		tg, err := g.load(ctx, t, dq.TimeRange)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusInternal, err.Error())
		}
		per = append(per, tg)
	}
	var frs data.Frames
	switch q.Output {
	case models.GoroutinesOutputStates:
		frs = frames.TimeSeriesMulti(g.stateSeries(per, q.States))
	case models.GoroutinesOutputGroups:
		frs = frames.TimeSeriesMulti(groupSeries(per, by, q.TopN))
	case models.GoroutinesOutputGroupTable:
		frs = data.Frames{tableOfTargets(per, func(tg targetGoroutines) *data.Frame {
			rows := goroutines.GroupRows(tg.snaps, by, q.StaleAfter)
			if len(rows) > q.TopN {
				rows = rows[:q.TopN]
			}
			return frames.GoroutineGroups(rows)
		})}
	case models.GoroutinesOutputVerdicts:
		frs = data.Frames{tableOfTargets(per, func(tg targetGoroutines) *data.Frame {
			return frames.GoroutineVerdicts(goroutines.Verdicts(tg.snaps, goroutines.VerdictOptions{
				By: by, StaleAfter: q.StaleAfter, N: q.GrowingSnapshots, TopN: q.TopN,
			}))
		})}
	case models.GoroutinesOutputSignals:
		series, err := g.signalSeries(ctx, per, by, q, dq.TimeRange)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusInternal, err.Error())
		}
		if q.Instant {
			frs = frames.NumericMulti(series)
		} else {
			frs = frames.TimeSeriesMulti(series)
		}
	}
	for _, tg := range per {
		for _, n := range tg.notices {
			addNotice(frs[0], n)
		}
	}
	for _, f := range frs {
		f.RefID = dq.RefID
	}
	return backend.DataResponse{Frames: frs}
}

// load reads a target's goroutine summaries of the range, debug=1 and debug=2 merged in time
// order, and the notices that explain missing dumps.
func (g *goroutinesQuerier) load(ctx context.Context, t models.Target, tr backend.TimeRange) (targetGoroutines, error) {
	tg := targetGoroutines{target: t}
	for _, kind := range []string{kindGoroutineDump, kindGoroutineGroups} {
		metas, err := g.snaps.List(ctx, t.Name, kind, tr.From, tr.To)
		if err != nil {
			return tg, fmt.Errorf("could not list the goroutine snapshots of target %q: %w", t.Name, err)
		}
		for _, m := range thin(metas, maxSummariesPerTarget) {
			blob, err := g.snaps.Blob(ctx, m.Key)
			if errors.Is(err, snapshots.ErrNotFound) {
				continue // removed by retention since it was listed
			}
			if err != nil {
				return tg, fmt.Errorf("could not read a goroutine snapshot of target %q: %w", t.Name, err)
			}
			s, err := goroutines.UnmarshalSummary(blob)
			if err != nil {
				return tg, fmt.Errorf("goroutine snapshot of target %q at %s is unreadable: %w", t.Name, m.Time.UTC().Format(time.RFC3339), err)
			}
			tg.snaps = append(tg.snaps, goroutines.Timed{Time: m.Time, Summary: s})
		}
	}
	sort.SliceStable(tg.snaps, func(i, j int) bool { return tg.snaps[i].Time.Before(tg.snaps[j].Time) })
	if g.dumpStatus != nil {
		if st, ok := g.dumpStatus(t.Name); ok && st.Skipping {
			tg.notices = append(tg.notices, data.Notice{Severity: data.NoticeSeverityWarning,
				Text: fmt.Sprintf("%s: goroutine dumps (debug=2) are being skipped: %s. States, waits and creators are shown as of the last dump.", t.Name, st.SkipReason)})
		}
	}
	if g.dumpEvery == 0 {
		tg.notices = append(tg.notices, data.Notice{Severity: data.NoticeSeverityInfo,
			Text: fmt.Sprintf("%s: goroutine dumps (debug=2) are switched off in the data source settings, so there are no states, waits or creators.", t.Name)})
	}
	return tg, nil
}

// thin keeps at most n of the metas, evenly spaced and always including the newest.
func thin(metas []snapshots.Meta, n int) []snapshots.Meta {
	if len(metas) <= n {
		return metas
	}
	out := make([]snapshots.Meta, 0, n)
	step := float64(len(metas)-1) / float64(n-1)
	for i := 0; i < n; i++ {
		out = append(out, metas[int(float64(i)*step+0.5)])
	}
	out[n-1] = metas[len(metas)-1]
	return out
}

func (g *goroutinesQuerier) stateSeries(per []targetGoroutines, keep []string) []frames.Series {
	var out []frames.Series
	for _, tg := range per {
		byState := goroutines.StateSeries(tg.snaps)
		for _, state := range goroutines.Buckets {
			pts := byState[state]
			if len(pts) == 0 || (len(keep) > 0 && !slices.Contains(keep, state)) || allZero(pts) {
				continue
			}
			out = append(out, frames.Series{
				Metric: "goroutines", Labels: withTargetLabels(tg.target, "state", state), Unit: "short",
				DisplayName: tg.target.Name + " " + state, Points: pts, IntervalMs: g.dumpEvery.Milliseconds(),
			})
		}
	}
	return out
}

func groupSeries(per []targetGoroutines, by goroutines.GroupBy, topN int) []frames.Series {
	var out []frames.Series
	for _, tg := range per {
		byGroup := goroutines.GroupSeries(tg.snaps, by, topN)
		keys := make([]string, 0, len(byGroup))
		for k := range byGroup {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, frames.Series{
				Metric: "goroutines", Labels: withTargetLabels(tg.target, "group", k), Unit: "short",
				DisplayName: tg.target.Name + " " + k, Points: byGroup[k],
			})
		}
	}
	return out
}

// signalSeries are the alertable leak signals of each target: stale goroutines, growing
// groups and (where the target serves the goroutineleak profile) leaked goroutines.
func (g *goroutinesQuerier) signalSeries(ctx context.Context, per []targetGoroutines, by goroutines.GroupBy, q *models.ParsedGoroutinesQuery, tr backend.TimeRange) ([]frames.Series, error) {
	var out []frames.Series
	for _, tg := range per {
		add := func(signal, display string, pts []store.Point) {
			if len(pts) == 0 || (len(q.Signals) > 0 && !slices.Contains(q.Signals, signal)) {
				return
			}
			out = append(out, frames.Series{
				Metric: "goroutine_leak_signal", Labels: withTargetLabels(tg.target, "signal", signal), Unit: "short",
				DisplayName: tg.target.Name + " " + display, Points: pts,
			})
		}
		add("stale", "stale goroutines", goroutines.StaleSeries(tg.snaps, q.StaleAfter))
		add("growing", "growing groups", goroutines.GrowingSeries(tg.snaps, by, q.GrowingSnapshots))
		if len(q.Signals) > 0 && !slices.Contains(q.Signals, "leaked") {
			continue // reading the goroutineleak profiles would be waste
		}
		leaked, err := g.leakedSeries(ctx, tg.target.Name, tr)
		if err != nil {
			return nil, err
		}
		add("leaked", "leaked goroutines", leaked)
	}
	return out, nil
}

// leakedSeries reads the goroutineleak profiles of the range, which exist only for targets
// that serve the profile (Go 1.26 with the experiment, Go 1.27).
func (g *goroutinesQuerier) leakedSeries(ctx context.Context, target string, tr backend.TimeRange) ([]store.Point, error) {
	metas, err := g.snaps.List(ctx, target, string(models.ProfileGoroutineLeak), tr.From, tr.To)
	if err != nil {
		return nil, fmt.Errorf("could not list the goroutineleak profiles of target %q: %w", target, err)
	}
	pts := make([]store.Point, 0, len(metas))
	for _, m := range thin(metas, maxSummariesPerTarget) {
		p, err := g.snaps.Profile(ctx, m.Key)
		if errors.Is(err, snapshots.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("could not read a goroutineleak profile of target %q: %w", target, err)
		}
		pts = append(pts, store.Point{T: m.Time.UnixMilli(), V: float64(goroutines.LeakedCount(p))})
	}
	return pts, nil
}

func allZero(pts []store.Point) bool {
	for _, p := range pts {
		if p.V != 0 {
			return false
		}
	}
	return true
}

// withTargetLabels returns the target's labels plus one more.
func withTargetLabels(t models.Target, k, v string) data.Labels {
	l := data.Labels{"target": t.Name, k: v}
	for lk, lv := range t.Labels {
		l[lk] = lv
	}
	return l
}

// tableOfTargets builds one table per target and joins them into one frame with a leading
// target column, so a dashboard table shows every target's rows together.
func tableOfTargets(per []targetGoroutines, build func(targetGoroutines) *data.Frame) *data.Frame {
	var out *data.Frame
	for _, tg := range per {
		f := build(tg)
		names := make([]string, f.Rows())
		for i := range names {
			names[i] = tg.target.Name
		}
		f.Fields = append([]*data.Field{data.NewField("target", nil, names).SetConfig(&data.FieldConfig{DisplayName: "Target"})}, f.Fields...)
		if out == nil {
			out = f
			continue
		}
		for i := 0; i < f.Rows(); i++ {
			out.AppendRow(f.RowCopy(i)...)
		}
	}
	if out == nil {
		out = build(targetGoroutines{})
		out.Fields = append([]*data.Field{data.NewField("target", nil, []string{})}, out.Fields...)
	}
	return out
}

func addNotice(f *data.Frame, n data.Notice) {
	if f.Meta == nil {
		f.Meta = &data.FrameMeta{}
	}
	f.Meta.Notices = append(f.Meta.Notices, n)
}
