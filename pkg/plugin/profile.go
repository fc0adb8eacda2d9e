package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/frames"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/profiles"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

// profileQuerier answers profile queries from stored snapshots only: like runtime queries they
// never wait on a target.
type profileQuerier struct {
	// snaps and pins are nil while the data source keeps no snapshots.
	snaps     snapshots.Reader
	pins      snapshots.Pinner
	targets   []models.Target
	intervals map[models.ProfileType]time.Duration
}

func (d *Datasource) profileQuerier() *profileQuerier {
	pq := &profileQuerier{targets: d.settings.Targets, intervals: d.settings.ProfileIntervals}
	if d.snapshots != nil {
		pq.snaps, pq.pins = d.snapshots, d.snapshots
	}
	return pq
}

// queryError is a failure with the status and error source its response carries.
type queryError struct {
	status backend.Status
	source backend.ErrorSource
	msg    string
}

func (e *queryError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &queryError{backend.StatusBadRequest, backend.ErrorSourceDownstream, fmt.Sprintf(format, args...)}
}

// badProfile marks a failure caused by what a target served, e.g. snapshots whose sample types
// changed between two builds.
func badProfile(format string, args ...any) error {
	return &queryError{backend.StatusBadGateway, backend.ErrorSourceDownstream, fmt.Sprintf(format, args...)}
}

func (r *profileQuerier) query(ctx context.Context, q *models.ParsedProfileQuery, dq backend.DataQuery) backend.DataResponse {
	fs, err := r.run(ctx, q, dq)
	if err != nil {
		var qe *queryError
		if errors.As(err, &qe) {
			return backend.ErrDataResponseWithSource(qe.status, qe.source, qe.msg)
		}
		return backend.ErrDataResponseWithSource(backend.StatusInternal, backend.ErrorSourcePlugin, err.Error())
	}
	return backend.DataResponse{Frames: fs}
}

// selectMode is how a query picks its profile from the stored snapshots.
type selectMode int

const (
	// pointMode reads the newest snapshot at or before a time.
	pointMode selectMode = iota
	// deltaMode subtracts the snapshot nearest the range start from the one nearest its end.
	deltaMode
	// mergeMode adds every snapshot of the range (CPU profiles, each already a delta).
	mergeMode
)

// selection says which stored data one side of a query reads.
type selection struct {
	target   string
	kind     models.ProfileType
	mode     selectMode
	at       time.Time
	from, to time.Time
	// orFirstInRange reads, when nothing is stored at or before at, the oldest snapshot in
	// [from, to]: the one nearest a range start that lies before the first snapshot.
	orFirstInRange bool
}

func (s selection) shifted(d time.Duration) selection {
	s.at, s.from, s.to = s.at.Add(-d), s.from.Add(-d), s.to.Add(-d)
	return s
}

// loaded is one side of a query: its profile, a description of where it came from and notices
// about it. When nothing is stored for it yet, p is nil and missing says why.
type loaded struct {
	p       *profile.Profile
	desc    string
	notices []data.Notice
	missing string
}

func (r *profileQuerier) run(ctx context.Context, q *models.ParsedProfileQuery, dq backend.DataQuery) (data.Frames, error) {
	if r.snaps == nil {
		return nil, &queryError{backend.StatusNotImplemented, backend.ErrorSourcePlugin,
			"profile snapshots are not kept by this data source instance yet, so profile queries cannot be answered"}
	}
	target, err := r.resolveTarget(q.Target, "target")
	if err != nil {
		return nil, err
	}
	sel := selection{target: target, kind: q.Info.StoredAs, from: dq.TimeRange.From, to: dq.TimeRange.To, at: dq.TimeRange.To}
	switch {
	case !q.AtTime.IsZero():
		sel.at = q.AtTime
	case q.Info.Type == models.ProfileCPU:
		sel.mode = mergeMode
	case q.Delta:
		sel.mode = deltaMode
	}
	cur, err := r.load(ctx, sel)
	if err != nil {
		return nil, err
	}
	if cur.p == nil {
		return emptyProfileFrames(q, notice(data.NoticeSeverityInfo, cur.missing)), nil
	}
	var base *loaded
	if q.Baseline != "" {
		if base, err = r.loadBaseline(ctx, q, sel); err != nil {
			return nil, err
		}
		if base.p == nil {
			return emptyProfileFrames(q, notice(data.NoticeSeverityWarning, "baseline: "+base.missing)), nil
		}
	}
	return renderProfile(q, cur, base)
}

// resolveTarget returns a configured target's name; empty means the first target.
func (r *profileQuerier) resolveTarget(name, field string) (string, error) {
	if len(r.targets) == 0 {
		return "", badRequest("no targets are configured in this data source")
	}
	switch {
	case name == "":
		return r.targets[0].Name, nil
	case strings.HasPrefix(name, "$"):
		return "", badRequest("%s %q is a template variable that was not replaced; alert rules and API calls must name targets", field, name)
	}
	for _, t := range r.targets {
		if t.Name == name {
			return name, nil
		}
	}
	return "", badRequest("unknown %s %q: it is not configured in this data source", field, name)
}

func (r *profileQuerier) load(ctx context.Context, sel selection) (*loaded, error) {
	switch sel.mode {
	case deltaMode:
		return r.loadDelta(ctx, sel)
	case mergeMode:
		return r.loadMerged(ctx, sel)
	}
	meta, found, err := r.nearest(ctx, sel, sel.at)
	if err != nil {
		return nil, err
	}
	if !found && sel.orFirstInRange {
		meta, found, err = r.firstInRange(ctx, sel)
		if err != nil {
			return nil, err
		}
	}
	if !found {
		return &loaded{missing: r.missing(ctx, sel, sel.at)}, nil
	}
	p, err := r.profile(ctx, meta.Key)
	if err != nil {
		return nil, err
	}
	l := &loaded{p: p, desc: fmt.Sprintf("%s snapshot of %q at %s", sel.kind, sel.target, stamp(meta.Time))}
	if iv := r.intervals[sel.kind]; iv > 0 && sel.at.Sub(meta.Time) > staleIntervals*iv {
		l.notices = append(l.notices, notice(data.NoticeSeverityWarning, fmt.Sprintf(
			"the newest %s snapshot of %q at or before %s is from %s, %s earlier: collection may be failing",
			sel.kind, sel.target, stamp(sel.at), stamp(meta.Time), sel.at.Sub(meta.Time).Round(time.Second))))
	}
	return l, nil
}

// staleIntervals is how many collection intervals a snapshot may lag behind the time asked
// for before the answer says so.
const staleIntervals = 3

// maxMergedProfiles bounds the CPU profiles one query adds up; a longer range shows its newest.
const maxMergedProfiles = 240

// loadDelta is what accumulated between the snapshots nearest the range's start and end, with
// `go tool pprof -base` semantics.
func (r *profileQuerier) loadDelta(ctx context.Context, sel selection) (*loaded, error) {
	end, found, err := r.nearest(ctx, sel, sel.to)
	if err != nil || !found {
		return &loaded{missing: r.missing(ctx, sel, sel.to)}, err
	}
	start, found, err := r.nearest(ctx, sel, sel.from)
	if err == nil && !found {
		// The range begins before the first snapshot: the oldest one in it is the start.
		start, found, err = r.firstInRange(ctx, sel)
	}
	if err != nil {
		return nil, err
	}
	if !found {
		start = end
	}
	l := &loaded{desc: fmt.Sprintf("delta of %q's %s snapshots %s → %s", sel.target, sel.kind, stamp(start.Time), stamp(end.Time))}
	if start.Time.Equal(end.Time) {
		l.notices = append(l.notices, notice(data.NoticeSeverityInfo, fmt.Sprintf(
			"the range holds a single %s snapshot of %q (%s), so the delta is empty: widen the range", sel.kind, sel.target, stamp(end.Time))))
	}
	pEnd, err := r.profile(ctx, end.Key)
	if err != nil {
		return nil, err
	}
	pStart, err := r.profile(ctx, start.Key)
	if err != nil {
		return nil, err
	}
	if same, why := profiles.SameBinary(pStart, pEnd); !same {
		l.notices = append(l.notices, notice(data.NoticeSeverityWarning, fmt.Sprintf(
			"target %q served a different binary at the end of the range (%s): the delta spans a restart", sel.target, why)))
	}
	if l.p, err = profiles.Delta(pStart, pEnd); err != nil {
		return nil, incompatible(err, "the snapshots at the range's start and end")
	}
	return l, nil
}

// loadMerged adds the range's profiles, each of which covers its own few seconds.
func (r *profileQuerier) loadMerged(ctx context.Context, sel selection) (*loaded, error) {
	metas, err := r.snaps.List(ctx, sel.target, string(sel.kind), sel.from, sel.to)
	if err != nil {
		return nil, fmt.Errorf("listing %s profiles of %q: %w", sel.kind, sel.target, err)
	}
	if len(metas) == 0 {
		return &loaded{missing: r.missingInRange(ctx, sel)}, nil
	}
	var notices []data.Notice
	if len(metas) > maxMergedProfiles {
		notices = append(notices, notice(data.NoticeSeverityInfo, fmt.Sprintf(
			"the range holds %d %s profiles; the newest %d are merged", len(metas), sel.kind, maxMergedProfiles)))
		metas = metas[len(metas)-maxMergedProfiles:]
	}
	ps := make([]*profile.Profile, 0, len(metas))
	for _, m := range metas {
		p, err := r.profile(ctx, m.Key)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	merged, err := profiles.Merge(ps)
	if err != nil {
		return nil, incompatible(err, "the range's profiles")
	}
	return &loaded{p: merged, notices: notices, desc: fmt.Sprintf("%d %s profiles of %q from %s to %s merged", len(metas), sel.kind, sel.target, stamp(metas[0].Time), stamp(metas[len(metas)-1].Time))}, nil
}

func (r *profileQuerier) loadBaseline(ctx context.Context, q *models.ParsedProfileQuery, sel selection) (*loaded, error) {
	switch q.Baseline {
	case models.BaselineRangeStart:
		if sel.mode != pointMode {
			return nil, badRequest("baseline %s compares two snapshots, but %s profiles of a range are merged: use offset or target", models.BaselineRangeStart, q.Info.Type)
		}
		sel.at, sel.orFirstInRange = sel.from, true
		return r.load(ctx, sel)
	case models.BaselineOffset:
		return r.load(ctx, sel.shifted(q.Offset))
	case models.BaselineTarget:
		other, err := r.resolveTarget(q.BaselineTarget, "baselineTarget")
		if err != nil {
			return nil, err
		}
		sel.target = other
		return r.load(ctx, sel)
	default:
		return r.loadPin(ctx, q.BaselinePin, sel.kind)
	}
}

func (r *profileQuerier) loadPin(ctx context.Context, name string, kind models.ProfileType) (*loaded, error) {
	pins, err := r.pins.Pins(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing pins: %w", err)
	}
	var names []string
	for _, pin := range pins {
		if pin.Name != name {
			names = append(names, pin.Name)
			continue
		}
		if pin.Kind != string(kind) {
			return nil, badRequest("baselinePin %q is a %s snapshot; this query compares %s snapshots", name, pin.Kind, kind)
		}
		p, err := r.profile(ctx, pin.Key)
		if err != nil {
			return nil, err
		}
		return &loaded{p: p, desc: fmt.Sprintf("pin %q (%s snapshot of %q at %s)", name, pin.Kind, pin.Target, stamp(pin.Time))}, nil
	}
	slices.Sort(names)
	known := "there are no pins"
	if len(names) > 0 {
		known = "pins: " + strings.Join(names, ", ")
	}
	return nil, badRequest("baselinePin %q does not name a pinned snapshot; %s", name, known)
}

func (r *profileQuerier) nearest(ctx context.Context, sel selection, at time.Time) (snapshots.Meta, bool, error) {
	m, err := r.snaps.Nearest(ctx, sel.target, string(sel.kind), at)
	switch {
	case errors.Is(err, snapshots.ErrNotFound):
		return snapshots.Meta{}, false, nil
	case err != nil:
		return snapshots.Meta{}, false, fmt.Errorf("finding the %s snapshot of %q at %s: %w", sel.kind, sel.target, stamp(at), err)
	}
	return m, true, nil
}

func (r *profileQuerier) firstInRange(ctx context.Context, sel selection) (snapshots.Meta, bool, error) {
	metas, err := r.snaps.List(ctx, sel.target, string(sel.kind), sel.from, sel.to)
	if err != nil {
		return snapshots.Meta{}, false, fmt.Errorf("listing %s snapshots of %q: %w", sel.kind, sel.target, err)
	}
	if len(metas) == 0 {
		return snapshots.Meta{}, false, nil
	}
	return metas[0], true, nil
}

func (r *profileQuerier) profile(ctx context.Context, key snapshots.Key) (*profile.Profile, error) {
	p, err := r.snaps.Profile(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("reading the %s snapshot of %q at %s: %w", key.Kind, key.Target, stamp(key.Time), err)
	}
	return p, nil
}

// endOfTime finds the newest snapshot of all.
var endOfTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// missing explains why no snapshot is at or before at: collection is off, none was taken
// yet, or the time is before the first one.
func (r *profileQuerier) missing(ctx context.Context, sel selection, at time.Time) string {
	if msg, off := r.collectionOff(sel.kind); off {
		return msg
	}
	if _, found, _ := r.nearest(ctx, sel, endOfTime); found {
		return fmt.Sprintf("no %s snapshot of target %q at or before %s: the first one was taken later", sel.kind, sel.target, stamp(at))
	}
	return fmt.Sprintf("no %s snapshot of target %q yet — the first %s profile is taken within %s", sel.kind, sel.target, sel.kind, interval(r.intervals[sel.kind]))
}

func (r *profileQuerier) missingInRange(ctx context.Context, sel selection) string {
	if msg, off := r.collectionOff(sel.kind); off {
		return msg
	}
	if _, found, _ := r.nearest(ctx, sel, endOfTime); found {
		return fmt.Sprintf("no %s profile of target %q between %s and %s", sel.kind, sel.target, stamp(sel.from), stamp(sel.to))
	}
	return fmt.Sprintf("no %s profile of target %q yet — the first is taken within %s", sel.kind, sel.target, interval(r.intervals[sel.kind]))
}

func (r *profileQuerier) collectionOff(kind models.ProfileType) (string, bool) {
	if _, on := r.intervals[kind]; on {
		return "", false
	}
	if kind == models.ProfileCPU {
		return "CPU profiles are off: set a CPU profile interval in the data source settings to collect them", true
	}
	return fmt.Sprintf("%s profiles are not collected: their interval is off in the data source settings", kind), true
}

// renderProfile filters the loaded profiles and renders the requested frame.
func renderProfile(q *models.ParsedProfileQuery, cur, base *loaded) (data.Frames, error) {
	idx, err := profiles.SampleIndex(cur.p, q.Info.Type, q.SampleType)
	if err != nil {
		return nil, badProfile("%s: %v", cur.desc, err)
	}
	unit := profiles.Unit(cur.p, idx)
	notices := cur.notices
	desc := fmt.Sprintf("%s %s: %s", q.Info.Type, q.SampleType, cur.desc)
	var baseTotal int64
	if base != nil {
		notices = append(notices, base.notices...)
		if err := profiles.Compatible(base.p, cur.p); err != nil {
			return nil, incompatible(err, "the baseline and the compared profile")
		}
		if same, why := profiles.SameBinary(base.p, cur.p); !same {
			notices = append(notices, notice(data.NoticeSeverityWarning, "the baseline comes from a different binary ("+why+"): functions may have moved or been renamed"))
		}
		desc += " against " + base.desc
		baseTotal = profiles.AbsTotal(base.p, idx)
	}
	curTotal := profiles.AbsTotal(cur.p, idx)
	for _, l := range []*loaded{cur, base} {
		if l == nil {
			continue
		}
		res, err := profiles.Filter(l.p, q.Focus, q.Ignore)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		if l == cur && !res.FocusMatched {
			notices = append(notices, notice(data.NoticeSeverityInfo, fmt.Sprintf("focus %q matches no function", q.Focus)))
		}
	}
	var frame *data.Frame
	switch {
	case q.Output == models.ProfileOutputTop && base == nil:
		rows, err := profiles.Top(cur.p, idx)
		if err != nil {
			return nil, err
		}
		profiles.RelativeTo(rows, curTotal)
		frame = frames.TopTable(q.SampleType, rows, unit)
	case q.Output == models.ProfileOutputTop:
		rows, err := profiles.TopDiff(base.p, cur.p, idx)
		if err != nil {
			return nil, err
		}
		if baseTotal == 0 {
			baseTotal = curTotal
		}
		profiles.DiffRelativeTo(rows, baseTotal)
		frame = frames.TopDiffTable(q.SampleType, rows, unit)
	default:
		var tree *profiles.Tree
		if base == nil {
			tree, err = profiles.BuildTree(cur.p, idx, q.MaxNodes)
		} else {
			tree, err = profiles.BuildDiffTree(base.p, cur.p, idx, q.MaxNodes)
		}
		if err != nil {
			return nil, err
		}
		if tree.Folded > 0 {
			notices = append(notices, notice(data.NoticeSeverityInfo, fmt.Sprintf(
				"%d call-tree nodes are folded into %q nodes to stay within maxNodes %d", tree.Folded, profiles.OtherLabel, q.MaxNodes)))
		}
		if hasNegative(tree) {
			notices = append(notices, notice(data.NoticeSeverityWarning,
				"the profile has negative values: the target probably restarted between the snapshots, and the flame graph cannot show them"))
		}
		frame = frames.FlameGraph(q.SampleType, tree)
	}
	frame.Meta.ExecutedQueryString = desc
	frame.Meta.Notices = notices
	return data.Frames{frame}, nil
}

// emptyProfileFrames is the typed frame of the requested output without rows, so panels keep
// their layout while a target has no snapshot.
func emptyProfileFrames(q *models.ParsedProfileQuery, n data.Notice) data.Frames {
	var f *data.Frame
	switch {
	case q.Output == models.ProfileOutputTop && q.Baseline != "":
		f = frames.TopDiffTable(q.SampleType, nil, "")
	case q.Output == models.ProfileOutputTop:
		f = frames.TopTable(q.SampleType, nil, "")
	default:
		f = frames.FlameGraph(q.SampleType, nil)
	}
	f.Meta.Notices = []data.Notice{n}
	return data.Frames{f}
}

func incompatible(err error, what string) error {
	if errors.Is(err, profiles.ErrIncompatible) {
		return badProfile("%s cannot be combined: %v", what, err)
	}
	return err
}

func hasNegative(t *profiles.Tree) bool {
	for _, n := range t.Nodes {
		if n.Value < 0 || n.ValueRight < 0 {
			return true
		}
	}
	return false
}

func notice(severity data.NoticeSeverity, text string) data.Notice {
	return data.Notice{Severity: severity, Text: text}
}

func stamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// interval renders a collection interval the way settings spell it.
func interval(d time.Duration) string {
	switch {
	case d <= 0:
		return "one collection interval"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0 && d >= 2*time.Minute:
		return fmt.Sprintf("%d min", d/time.Minute)
	default:
		return fmt.Sprintf("%d s", (d+time.Second/2)/time.Second)
	}
}
