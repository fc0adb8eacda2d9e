package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// annotationsQuerier answers annotations queries from the stored runtime series (restarts,
// GC cycles, skipped dumps) and the snapshot store's pins.
type annotationsQuerier struct {
	store   store.Querier
	pins    snapshots.Pinner
	targets []models.Target
	ceiling int
}

func (d *Datasource) annotationsQuerier() *annotationsQuerier {
	a := &annotationsQuerier{store: d.store, targets: d.settings.Targets, ceiling: d.settings.GoroutineDumpCeiling}
	if d.snapshots != nil {
		a.pins = d.snapshots
	}
	return a
}

// event is one annotation.
type event struct {
	at    time.Time
	title string
	text  string
	tags  []string
}

func (a *annotationsQuerier) query(ctx context.Context, q *models.AnnotationsQuery, dq backend.DataQuery) backend.DataResponse {
	targets, err := selectTargets(q.Targets, a.targets)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	from, to := dq.TimeRange.From, dq.TimeRange.To
	want := func(kind string) bool { return slices.Contains(q.Events, kind) }
	var events []event
	for _, t := range targets {
		var raw []string
		if want(models.EventRestarts) {
			raw = append(raw, metrics.RawProcessStart)
		}
		if want(models.EventGCCycles) {
			raw = append(raw, metrics.RawGCPause)
		}
		if want(models.EventSkippedDumps) {
			raw = append(raw, metrics.RawDumpSkipped)
		}
		if len(raw) == 0 {
			continue
		}
		series, err := a.store.Select(ctx, t.Name, raw, from.UnixMilli(), to.UnixMilli())
		if err != nil {
			return backend.ErrDataResponse(backend.StatusInternal, fmt.Sprintf("could not read the history of target %q: %v", t.Name, err))
		}
		events = append(events, restartEvents(t.Name, series[metrics.RawProcessStart], from, to)...)
		for _, p := range series[metrics.RawGCPause] {
			events = append(events, event{at: time.UnixMilli(p.T), title: t.Name + ": GC cycle",
				text: fmt.Sprintf("%s: GC cycle, stop-the-world pause %s", t.Name, time.Duration(p.V).Round(time.Microsecond)), tags: []string{"gc", t.Name}})
		}
		for _, p := range series[metrics.RawDumpSkipped] {
			events = append(events, event{at: time.UnixMilli(p.T), title: t.Name + ": goroutine dump skipped",
				text: fmt.Sprintf("%s: goroutine dump skipped: %d goroutines is above the dump ceiling of %d", t.Name, int(p.V), a.ceiling),
				tags: []string{"goroutine-dump", t.Name}})
		}
	}
	if want(models.EventPins) && a.pins != nil {
		pins, err := a.pins.Pins(ctx)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusInternal, fmt.Sprintf("could not list pins: %v", err))
		}
		for _, p := range pins {
			if !slices.ContainsFunc(targets, func(t models.Target) bool { return t.Name == p.Target }) || p.Time.Before(from) || p.Time.After(to) {
				continue
			}
			events = append(events, event{at: p.Time, title: fmt.Sprintf("%s: pinned %q", p.Target, p.Name),
				text: fmt.Sprintf("%s: %s snapshot pinned as %q", p.Target, p.Kind, p.Name), tags: []string{"pin", p.Target}})
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	f := annotationsFrame(events)
	f.RefID = dq.RefID
	return backend.DataResponse{Frames: data.Frames{f}}
}

// restartEvents finds the process starts within the range: the collector records every
// scrape with the start time of the process it saw, so each new value is a new process.
func restartEvents(target string, pts []store.Point, from, to time.Time) []event {
	var out []event
	prev := -1.0
	for _, p := range pts {
		if p.V == prev {
			continue
		}
		prev = p.V
		start := time.UnixMilli(int64(p.V * 1000))
		if start.Before(from) || start.After(to) {
			continue
		}
		out = append(out, event{at: start, title: target + ": process started",
			text: fmt.Sprintf("%s: a new process started (a restart, or the first one seen)", target), tags: []string{"restart", target}})
	}
	return out
}

// annotationsFrame renders events with the field names Grafana's annotation support maps:
// time, title, text and tags.
func annotationsFrame(events []event) *data.Frame {
	times := make([]time.Time, len(events))
	titles := make([]string, len(events))
	texts := make([]string, len(events))
	tags := make([]json.RawMessage, len(events))
	for i, e := range events {
		times[i], titles[i], texts[i] = e.at, e.title, e.text
		tags[i], _ = json.Marshal(e.tags)
	}
	return data.NewFrame("annotations",
		data.NewField("time", nil, times),
		data.NewField("title", nil, titles),
		data.NewField("text", nil, texts),
		data.NewField("tags", nil, tags),
	)
}
