package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/profiles"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

// loadCapture decodes a profile captured from examples/leakyapp.
func loadCapture(t *testing.T, name string) *profile.Profile {
	t.Helper()
	b, err := os.ReadFile("testdata/profile_" + name + ".pb.gz")
	require.NoError(t, err)
	p, err := profiles.Decode(bytes.NewReader(b), models.DefaultMaxProfileBytes)
	require.NoError(t, err)
	return p
}

var profileTargets = []models.Target{
	{Name: "api", URL: "http://api:6060"},
	{Name: "canary", URL: "http://canary:6060"},
	{Name: "fresh", URL: "http://fresh:6060"},
}

// profileDatasource stores for api: heap-1 at t0 and heap-2 at t0+1m (pinned as "before"),
// the goroutine and empty block profiles at t0, and two CPU profiles; canary has heap-2 built
// by another binary. fresh has nothing yet.
func profileDatasource(t *testing.T) *Datasource {
	t.Helper()
	st := snapshots.NewMemory(snapshots.Options{MaintenanceInterval: -1})
	t.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	put := func(target string, kind models.ProfileType, at time.Time, p *profile.Profile) {
		require.NoError(t, st.PutProfile(ctx, snapshots.Key{Target: target, Kind: string(kind), Time: at}, p, 0))
	}
	put("api", models.ProfileHeap, t0, loadCapture(t, "heap-1"))
	put("api", models.ProfileHeap, t0.Add(time.Minute), loadCapture(t, "heap-2"))
	put("api", models.ProfileGoroutine, t0, loadCapture(t, "goroutine"))
	put("api", models.ProfileBlock, t0, loadCapture(t, "block"))
	put("api", models.ProfileCPU, t0.Add(10*time.Second), loadCapture(t, "cpu-1"))
	put("api", models.ProfileCPU, t0.Add(50*time.Second), loadCapture(t, "cpu-2"))
	other := loadCapture(t, "heap-2")
	other.Mapping[0].BuildID = "0000000000000000000000000000000000000000"
	put("canary", models.ProfileHeap, t0.Add(time.Minute), other)
	require.NoError(t, st.Pin(ctx, "before", snapshots.Key{Target: "api", Kind: "heap", Time: t0}))
	d := &Datasource{
		settings: &models.PluginSettings{Targets: profileTargets, ProfileIntervals: map[models.ProfileType]time.Duration{
			models.ProfileHeap: time.Minute, models.ProfileGoroutine: 5 * time.Minute, models.ProfileBlock: 5 * time.Minute,
		}},
		snapshots: st,
	}
	d.mux = d.newQueryMux()
	return d
}

// runProfile sends one profile query over the data source's query mux; the range is
// [t0-30s, t0+90s], so it holds both heap snapshots.
func runProfile(t *testing.T, d *Datasource, q map[string]any) backend.DataResponse {
	t.Helper()
	q["queryType"] = "profile"
	j, err := json.Marshal(q)
	require.NoError(t, err)
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", QueryType: string(models.QueryTypeProfile), JSON: j,
		TimeRange: backend.TimeRange{From: t0.Add(-30 * time.Second), To: t0.Add(90 * time.Second)},
	}}})
	require.NoError(t, err)
	return resp.Responses["A"]
}

func TestProfileFlameGraphGolden(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"maxNodes": 40})
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "profile_flamegraph", &dr, *update)
	f := dr.Frames[0]
	assert.Equal(t, data.VisTypeFlameGraph, string(f.Meta.PreferredVisualization))
	assert.LessOrEqual(t, f.Rows(), 40)
	want := profiles.Total(loadCapture(t, "heap-2"), 3)
	assert.Equal(t, want, f.Fields[1].At(0), "the root is the newest snapshot's inuse_space total")
}

func TestProfileTopGolden(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"output": "top", "sampleType": "inuse_objects"})
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "profile_top", &dr, *update)
	rows, err := profiles.Top(loadCapture(t, "heap-2"), 2)
	require.NoError(t, err)
	f := dr.Frames[0]
	require.Equal(t, len(rows), f.Rows())
	for i, r := range rows {
		assert.Equal(t, r.Function, f.Fields[0].At(i))
		assert.Equal(t, r.Flat, f.Fields[1].At(i))
		assert.Equal(t, r.Cum, f.Fields[3].At(i))
	}
}

func TestProfileDiffFlameGraphGolden(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"baseline": "rangeStart", "maxNodes": 30, "focus": `^main\.`})
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "profile_diff_flamegraph", &dr, *update)
	f := dr.Frames[0]
	require.Len(t, f.Fields, 6)
	assert.Contains(t, f.Meta.ExecutedQueryString, "against heap snapshot of \"api\" at 2026-11-01T12:00:00Z")
}

func TestProfileDiffTopGolden(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"baseline": "pin", "baselinePin": "before", "output": "top", "focus": `^main\.`})
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "profile_diff_top", &dr, *update)
	want, err := profiles.TopDiff(loadCapture(t, "heap-1"), loadCapture(t, "heap-2"), 3)
	require.NoError(t, err)
	f := dr.Frames[0]
	got := map[string]int64{}
	for i := range f.Rows() {
		got[f.Fields[0].At(i).(string)] = f.Fields[3].At(i).(int64)
	}
	for _, r := range want {
		if d, ok := got[r.Function]; ok {
			assert.Equal(t, r.Delta, d, r.Function)
		}
	}
	assert.Contains(t, got, "main.leakIntoRegistry")
}

func TestProfileAllocsDeltaReadsHeapSnapshots(t *testing.T) {
	d := profileDatasource(t)
	dr := runProfile(t, d, map[string]any{"profileType": "allocs", "delta": true, "output": "top"})
	require.NoError(t, dr.Error)
	delta, err := profiles.Delta(loadCapture(t, "heap-1"), loadCapture(t, "heap-2"))
	require.NoError(t, err)
	want, err := profiles.Top(delta, 1)
	require.NoError(t, err)
	f := dr.Frames[0]
	require.Equal(t, len(want), f.Rows())
	for i, r := range want {
		assert.Equal(t, r.Function, f.Fields[0].At(i))
		assert.Equal(t, r.Flat, f.Fields[1].At(i), "alloc_space delta of %s", r.Function)
	}
	assert.Contains(t, f.Meta.ExecutedQueryString, "allocs alloc_space: delta of \"api\"'s heap snapshots 2026-11-01T12:00:00Z → 2026-11-01T12:01:00Z")
}

func TestProfileCPUMergesTheRange(t *testing.T) {
	d := profileDatasource(t)
	d.settings.ProfileIntervals[models.ProfileCPU] = time.Minute
	dr := runProfile(t, d, map[string]any{"profileType": "cpu"})
	require.NoError(t, dr.Error)
	f := dr.Frames[0]
	want := profiles.Total(loadCapture(t, "cpu-1"), 1) + profiles.Total(loadCapture(t, "cpu-2"), 1)
	assert.Equal(t, want, f.Fields[1].At(0))
	assert.Equal(t, "ns", f.Fields[1].Config.Unit)
	assert.Contains(t, f.Meta.ExecutedQueryString, "2 cpu profiles of \"api\"")
}

func TestProfileNoticesAndEmptyFrames(t *testing.T) {
	d := profileDatasource(t)
	cases := []struct {
		name   string
		query  map[string]any
		notice string
	}{
		{"no snapshot yet", map[string]any{"target": "fresh"}, `no heap snapshot of target "fresh" yet — the first heap profile is taken within 60 s`},
		{"before the first snapshot", map[string]any{"at": "2026-11-01T11:00:00Z"}, `no heap snapshot of target "api" at or before 2026-11-01T11:00:00Z: the first one was taken later`},
		{"collection off", map[string]any{"profileType": "mutex"}, "mutex profiles are not collected"},
		{"cpu off", map[string]any{"profileType": "cpu", "target": "fresh"}, "CPU profiles are off"},
		{"missing baseline", map[string]any{"baseline": "offset", "baselineOffset": "1h", "output": "top"}, `baseline: no heap snapshot of target "api" at or before 2026-11-01T11:01:30Z`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dr := runProfile(t, d, c.query)
			require.NoError(t, dr.Error)
			require.Len(t, dr.Frames, 1)
			f := dr.Frames[0]
			assert.Zero(t, f.Rows())
			require.Len(t, f.Meta.Notices, 1)
			assert.Contains(t, f.Meta.Notices[0].Text, c.notice)
		})
	}
	dr := runProfile(t, d, map[string]any{"target": "fresh"})
	experimental.CheckGoldenJSONResponse(t, "testdata", "profile_empty", &dr, *update)
}

func TestProfileWarnsAboutAStaleSnapshot(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"at": "2026-11-01T13:00:00Z"})
	require.NoError(t, dr.Error)
	f := dr.Frames[0]
	assert.Positive(t, f.Rows())
	require.Len(t, f.Meta.Notices, 1)
	assert.Equal(t, `the newest heap snapshot of "api" at or before 2026-11-01T13:00:00Z is from 2026-11-01T12:01:00Z, 59m0s earlier: collection may be failing`, f.Meta.Notices[0].Text)
}

func TestProfileWarnsAboutADifferentBinary(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"baseline": "target", "baselineTarget": "canary"})
	require.NoError(t, dr.Error)
	f := dr.Frames[0]
	require.NotEmpty(t, f.Meta.Notices)
	assert.Contains(t, f.Meta.Notices[0].Text, "the baseline comes from a different binary (build ID 811ab305e7a6211ad0e724a02c34800da21f6554 differs from 0000000000000000000000000000000000000000)")
	assert.Equal(t, f.Fields[1].At(0), f.Fields[4].At(0), "the same snapshot on both sides")
}

func TestProfileSingleSnapshotDeltaIsEmptyWithANotice(t *testing.T) {
	dr := runProfile(t, profileDatasource(t), map[string]any{"profileType": "block", "delta": true})
	require.NoError(t, dr.Error)
	f := dr.Frames[0]
	assert.Equal(t, int64(0), f.Fields[1].At(0))
	require.NotEmpty(t, f.Meta.Notices)
	assert.Contains(t, f.Meta.Notices[0].Text, "the range holds a single block snapshot")
}

func TestProfileErrors(t *testing.T) {
	d := profileDatasource(t)
	cases := []struct {
		name   string
		query  map[string]any
		status backend.Status
		source backend.ErrorSource
		msg    string
	}{
		{"unknown target", map[string]any{"target": "nope"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, `unknown target "nope"`},
		{"unknown baseline target", map[string]any{"baseline": "target", "baselineTarget": "nope"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, `unknown baselineTarget "nope"`},
		{"template variable", map[string]any{"target": "$target"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, "template variable"},
		{"bad query", map[string]any{"sampleType": "delay"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, `sampleType "delay"`},
		{"unknown pin", map[string]any{"baseline": "pin", "baselinePin": "later"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, `baselinePin "later" does not name a pinned snapshot; pins: before`},
		{"pin of another kind", map[string]any{"profileType": "goroutine", "baseline": "pin", "baselinePin": "before"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, `baselinePin "before" is a heap snapshot`},
		{"cpu range start", map[string]any{"profileType": "cpu", "baseline": "rangeStart"}, backend.StatusBadRequest, backend.ErrorSourceDownstream, "cpu profiles of a range are merged"},
	}
	d.settings.ProfileIntervals[models.ProfileCPU] = time.Minute
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dr := runProfile(t, d, c.query)
			require.Error(t, dr.Error)
			assert.Equal(t, c.status, dr.Status)
			assert.Equal(t, c.source, dr.ErrorSource)
			assert.Contains(t, dr.Error.Error(), c.msg)
		})
	}
}

func TestProfileIncompatibleSnapshotsAreADownstreamError(t *testing.T) {
	d := profileDatasource(t)
	// A target whose goroutine snapshot is stored where its heap snapshots are expected: the
	// sample types differ between the two snapshots of the diff.
	st := d.snapshots
	require.NoError(t, st.PutProfile(context.Background(), snapshots.Key{Target: "fresh", Kind: "heap", Time: t0}, loadCapture(t, "goroutine"), 0))
	require.NoError(t, st.PutProfile(context.Background(), snapshots.Key{Target: "fresh", Kind: "heap", Time: t0.Add(time.Minute)}, loadCapture(t, "heap-2"), 0))
	dr := runProfile(t, d, map[string]any{"target": "fresh", "baseline": "rangeStart"})
	require.Error(t, dr.Error)
	assert.Equal(t, backend.StatusBadGateway, dr.Status)
	assert.Equal(t, backend.ErrorSourceDownstream, dr.ErrorSource)
	assert.Contains(t, dr.Error.Error(), "sample types [goroutine/count] and [alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes] differ")
}

func TestProfileWithoutSnapshotStoreIsAClearError(t *testing.T) {
	d := &Datasource{settings: &models.PluginSettings{Targets: profileTargets}}
	d.mux = d.newQueryMux()
	dr := runProfile(t, d, map[string]any{})
	require.Error(t, dr.Error)
	assert.Equal(t, backend.StatusNotImplemented, dr.Status)
	assert.Contains(t, dr.Error.Error(), "profile snapshots are not kept by this data source instance")
}

func TestProfileCPUMergeIsBounded(t *testing.T) {
	d := profileDatasource(t)
	d.settings.ProfileIntervals[models.ProfileCPU] = time.Minute
	st := d.snapshots
	cpu := loadCapture(t, "cpu-1")
	for i := range maxMergedProfiles + 5 {
		key := snapshots.Key{Target: "fresh", Kind: "cpu", Time: t0.Add(-29*time.Second + time.Duration(i)*100*time.Millisecond)}
		require.NoError(t, st.PutProfile(context.Background(), key, cpu, 0))
	}
	dr := runProfile(t, d, map[string]any{"profileType": "cpu", "target": "fresh", "output": "top"})
	require.NoError(t, dr.Error)
	f := dr.Frames[0]
	require.Len(t, f.Meta.Notices, 1)
	assert.Equal(t, "the range holds 245 cpu profiles; the newest 240 are merged", f.Meta.Notices[0].Text)
	rows, err := profiles.Top(cpu, 1)
	require.NoError(t, err)
	assert.Equal(t, rows[0].Flat*maxMergedProfiles, f.Fields[1].At(0))
}
