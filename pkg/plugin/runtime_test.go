package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

var testTargets = []models.Target{
	{Name: "api", URL: "http://api:6060", Labels: map[string]string{"env": "prod"}},
	{Name: "db", URL: "http://db:6060"},
	{Name: "idle", URL: "http://idle:6060"},
}

// seededQuerier stores 10 one-second scrapes for api and db; idle has no samples and its
// latest scrape failed.
func seededQuerier(t *testing.T) *runtimeQuerier {
	t.Helper()
	st := store.NewMemory(time.Hour)
	var samples []store.Sample
	for i := 0; i < 10; i++ {
		ts := t0.Add(time.Duration(i) * time.Second).UnixMilli()
		for j, target := range []string{"api", "db"} {
			f := float64(j + 1)
			add := func(series string, v float64) {
				samples = append(samples, store.Sample{Target: target, Series: series, T: ts, V: v})
			}
			add(metrics.RawHeapInuse, f*float64(1<<20)+float64(i)*4096)
			add(metrics.RawHeapSys, f*float64(4<<20))
			add(metrics.RawTotalAlloc, f*float64(i)*float64(1<<20))
			add(metrics.RawProcessStart, 1000)
			add(metrics.RawGoroutines, 10+f*float64(i))
		}
	}
	require.NoError(t, st.Append(context.Background(), samples))
	return &runtimeQuerier{
		store: st, targets: testTargets, interval: time.Second,
		now: func() time.Time { return t0.Add(20 * time.Second) },
		status: func(target string) (collector.Status, bool) {
			if target == "idle" {
				return collector.Status{LastAttempt: t0, LastError: errors.New(`target "idle": GET /debug/vars: connection refused`)}, true
			}
			return collector.Status{LastAttempt: t0, LastSuccess: t0}, true
		},
	}
}

func dataQuery(q map[string]any) backend.DataQuery {
	j, _ := json.Marshal(q)
	return backend.DataQuery{
		RefID: "A", QueryType: "runtime", JSON: j, MaxDataPoints: 100, Interval: time.Second,
		TimeRange: backend.TimeRange{From: t0, To: t0.Add(9 * time.Second)},
	}
}

func runQuery(t *testing.T, r *runtimeQuerier, q map[string]any) backend.DataResponse {
	t.Helper()
	dq := dataQuery(q)
	parsed, window, err := models.ParseRuntimeQuery(dq.JSON)
	require.NoError(t, err)
	return r.query(context.Background(), parsed, window, dq)
}

func TestRuntimeSeriesGolden(t *testing.T) {
	dr := runQuery(t, seededQuerier(t), map[string]any{"queryType": "runtime", "metrics": []string{"heap_inuse", "alloc_rate"}})
	experimental.CheckGoldenJSONResponse(t, "testdata", "runtime_series", &dr, *update)
}

func TestRuntimeInstantGolden(t *testing.T) {
	dr := runQuery(t, seededQuerier(t), map[string]any{"queryType": "runtime", "targets": []string{"/a.*|d.*/"}, "metrics": []string{"heap_inuse_ratio"}, "instant": true})
	experimental.CheckGoldenJSONResponse(t, "testdata", "runtime_instant", &dr, *update)
}

func TestRuntimeFramesAreAlertable(t *testing.T) {
	r := seededQuerier(t)
	dr := runQuery(t, r, map[string]any{"queryType": "runtime", "metrics": []string{"heap_inuse", "goroutines", "alloc_rate"}})
	require.NoError(t, dr.Error)
	rd, err := timeseries.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	c, err := rd.GetCollection(true)
	require.NoError(t, err, "every series must be uniquely identified by its labels")
	assert.Len(t, c.Refs, 6, "2 targets with data × 3 metrics")

	dr = runQuery(t, r, map[string]any{"queryType": "runtime", "metrics": []string{"heap_inuse", "goroutines"}, "instant": true})
	require.NoError(t, dr.Error)
	nr, err := numeric.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	nc, err := nr.GetCollection(false)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, ref := range nc.Refs {
		key := ref.GetLabels().String()
		assert.False(t, seen[key], "duplicate instance %s", key)
		seen[key] = true
	}
	assert.Len(t, seen, 4)
}

func TestRuntimeDefaultQueryShowsHeapInuseOfAllTargets(t *testing.T) {
	dr := runQuery(t, seededQuerier(t), map[string]any{})
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 2)
	for _, f := range dr.Frames {
		assert.Equal(t, "heap_inuse", f.Fields[1].Name)
		assert.Equal(t, "bytes", f.Fields[1].Config.Unit)
		_, hasMetric := f.Fields[1].Labels["metric"]
		assert.False(t, hasMetric, "a single-metric query keeps the plain {target, labels} set")
	}
	assert.Equal(t, data.Labels{"target": "api", "env": "prod"}, dr.Frames[0].Fields[1].Labels)
}

func TestRuntimeFailingTargetGetsNotice(t *testing.T) {
	dr := runQuery(t, seededQuerier(t), map[string]any{"metrics": []string{"goroutines"}})
	require.NoError(t, dr.Error)
	require.NotEmpty(t, dr.Frames)
	require.Len(t, dr.Frames[0].Meta.Notices, 1)
	assert.Contains(t, dr.Frames[0].Meta.Notices[0].Text, `target "idle"`)
	assert.Contains(t, dr.Frames[0].Meta.Notices[0].Text, "connection refused")
	assert.Contains(t, dr.Frames[0].Meta.Notices[0].Text, "never succeeded")
}

func TestRuntimeBadInputFailsOnlyThatQuery(t *testing.T) {
	r := seededQuerier(t)
	for name, tc := range map[string]struct {
		q    map[string]any
		want string
	}{
		"unknown metric":          {map[string]any{"metrics": []string{"heap_nope"}}, `unknown metric "heap_nope"`},
		"unknown target":          {map[string]any{"targets": []string{"payments"}}, `unknown target "payments"`},
		"unreplaced variable":     {map[string]any{"targets": []string{"$target"}}, "template variable"},
		"bad regex":               {map[string]any{"targets": []string{"/(/"}}, "not a valid regular expression"},
		"url instead of a target": {map[string]any{"targets": []string{"http://evil:80"}}, "unknown target"},
	} {
		t.Run(name, func(t *testing.T) {
			dr := runQuery(t, r, tc.q)
			require.Error(t, dr.Error)
			assert.Contains(t, dr.Error.Error(), tc.want)
			assert.Equal(t, backend.ErrorSourceDownstream, dr.ErrorSource)
		})
	}
}

func TestHandleRuntimeRejectsMalformedJSONPerQuery(t *testing.T) {
	r := seededQuerier(t)
	d := &Datasource{
		settings:  &models.PluginSettings{Targets: testTargets, ScrapeInterval: time.Second},
		store:     r.store.(store.Store),
		collector: collector.New(nil, r.store.(store.Store), collector.Config{Interval: time.Second}),
	}
	good := dataQuery(map[string]any{"metrics": []string{"heap_inuse"}})
	bad := good
	bad.RefID, bad.JSON = "B", json.RawMessage(`{"window": "soon"}`)
	worse := good
	worse.RefID, worse.JSON = "C", json.RawMessage(`{"targets": 5`)
	resp, err := d.handleRuntime(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{good, bad, worse}})
	require.NoError(t, err, "bad queries fail alone, not the request")
	assert.NoError(t, resp.Responses["A"].Error)
	assert.Len(t, resp.Responses["A"].Frames, 2)
	require.Error(t, resp.Responses["B"].Error)
	assert.Contains(t, resp.Responses["B"].Error.Error(), `window "soon"`)
	require.Error(t, resp.Responses["C"].Error)
	assert.Contains(t, resp.Responses["C"].Error.Error(), "could not parse query json")
}

func TestSelectTargets(t *testing.T) {
	names := func(ts []models.Target) []string {
		out := []string{}
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return out
	}
	for _, tc := range []struct {
		sel  []string
		want []string
	}{
		{nil, []string{"api", "db", "idle"}},
		{[]string{"*"}, []string{"api", "db", "idle"}},
		{[]string{""}, []string{"api", "db", "idle"}},
		{[]string{"db", "api"}, []string{"api", "db"}},
		{[]string{"/d.*/"}, []string{"db"}},
		{[]string{"/i/"}, []string{}},
		{[]string{"idle", "/a../"}, []string{"api", "idle"}},
	} {
		got, err := selectTargets(tc.sel, testTargets)
		require.NoError(t, err, tc.sel)
		assert.Equal(t, tc.want, names(got), tc.sel)
	}
}

func TestPauseRateFallsBackToThePauseRingWithoutExpvar(t *testing.T) {
	r := seededQuerier(t)
	var samples []store.Sample
	for i := 0; i < 10; i++ {
		ts := t0.Add(time.Duration(i) * time.Second).UnixMilli()
		samples = append(samples,
			store.Sample{Target: "db", Series: metrics.RawUp, T: ts, V: 1},
			store.Sample{Target: "db", Series: metrics.RawGCPause, T: ts - 500, V: 2e6}, // 2 ms per second
			store.Sample{Target: "api", Series: metrics.RawPauseTotalNs, T: ts, V: float64(i) * 1e6})
	}
	require.NoError(t, r.store.(store.Store).Append(context.Background(), samples))
	dr := runQuery(t, r, map[string]any{"metrics": []string{"gc_pause_rate"}, "instant": true})
	require.NoError(t, dr.Error)
	got := map[string]float64{}
	for _, f := range dr.Frames {
		v, _ := f.Fields[0].ConcreteAt(0)
		got[f.Fields[0].Labels["target"]] = v.(float64)
	}
	assert.InDelta(t, 0.001, got["api"], 1e-9, "from PauseTotalNs")
	assert.InDelta(t, 0.002, got["db"], 1e-9, "from the per-cycle pauses")
}

func TestWholeMinuteStepsReadTheMinuteTier(t *testing.T) {
	st := store.NewMemory(24 * time.Hour)
	var samples []store.Sample
	for i := 0; i < 240; i++ { // one hour at 15 s, a counter growing 1 MiB/s
		ts := t0.Add(time.Duration(i) * 15 * time.Second).UnixMilli()
		for _, s := range []store.Sample{
			{Series: metrics.RawTotalAlloc, V: float64(i) * 15 * (1 << 20)},
			{Series: metrics.RawProcessStart, V: 1000},
		} {
			s.Target, s.T = "api", ts
			samples = append(samples, s)
			if i%4 == 0 {
				s.Series = metrics.TierName(s.Series)
				samples = append(samples, s)
			}
		}
	}
	require.NoError(t, st.Append(context.Background(), samples))
	r := &runtimeQuerier{store: st, targets: testTargets[:1], interval: 15 * time.Second, now: time.Now,
		status: func(string) (collector.Status, bool) { return collector.Status{}, false }}
	run := func(maxPoints int64) []float64 {
		dq := dataQuery(map[string]any{"metrics": []string{"alloc_rate"}})
		dq.MaxDataPoints, dq.Interval = maxPoints, 15*time.Second
		dq.TimeRange = backend.TimeRange{From: t0, To: t0.Add(time.Hour)}
		q, w, err := models.ParseRuntimeQuery(dq.JSON)
		require.NoError(t, err)
		dr := r.query(context.Background(), q, w, dq)
		require.NoError(t, dr.Error)
		require.Len(t, dr.Frames, 1)
		var out []float64
		for i := 0; i < dr.Frames[0].Rows(); i++ {
			out = append(out, dr.Frames[0].Fields[1].At(i).(float64))
		}
		return out
	}
	raw := run(1000) // 15 s step: raw samples
	tier := run(30)  // 120 s step: the minute tier
	require.Len(t, raw, 239)
	require.Len(t, tier, 30)
	for _, v := range append(raw, tier...) {
		assert.InDelta(t, float64(1<<20), v, 1e-6)
	}

	// Proof that the tier, not the raw series, answered: remove the raw counter.
	only := store.NewMemory(24 * time.Hour)
	var tierOnly []store.Sample
	for _, s := range samples {
		if s.Series != metrics.RawTotalAlloc && s.Series != metrics.RawProcessStart {
			tierOnly = append(tierOnly, s)
		}
	}
	require.NoError(t, only.Append(context.Background(), tierOnly))
	r.store = only
	assert.Len(t, run(30), 30)
}
