package plugin

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

// goroutinesTestQuerier stores goroutine bodies through the real ingest path into a real
// in-memory snapshot store and queries them.
type goroutinesTestQuerier struct {
	*goroutinesQuerier
	in *ingest
}

func newGoroutinesTestQuerier(t *testing.T, targets ...string) *goroutinesTestQuerier {
	t.Helper()
	st := snapshots.NewMemory(snapshots.Options{MaintenanceInterval: -1})
	t.Cleanup(func() { _ = st.Close() })
	var ts []models.Target
	for _, n := range targets {
		ts = append(ts, models.Target{Name: n, URL: "http://127.0.0.1:1"})
	}
	return &goroutinesTestQuerier{
		goroutinesQuerier: &goroutinesQuerier{snaps: st, targets: ts, dumpEvery: time.Minute},
		in:                newIngest(st, models.DefaultMaxProfileBytes, log.DefaultLogger),
	}
}

func (g *goroutinesTestQuerier) store(t *testing.T, target string, debug int, at time.Time, body []byte) {
	t.Helper()
	require.NoError(t, g.in.StoreGoroutines(context.Background(), target, debug, at, body))
}

func (g *goroutinesTestQuerier) run(t *testing.T, q map[string]any, from, to time.Time) backend.DataResponse {
	t.Helper()
	q["queryType"] = "goroutines"
	raw, err := json.Marshal(q)
	require.NoError(t, err)
	parsed, err := models.ParseGoroutinesQuery(raw)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	return g.query(context.Background(), parsed, backend.DataQuery{RefID: "A", JSON: raw, TimeRange: backend.TimeRange{From: from, To: to}})
}

//go:noinline
func parkedRequestWorker(block <-chan struct{}) { <-block }

// leakRequestWorkers starts n goroutines that wait forever, as a leaking handler would.
//
//go:noinline
func leakRequestWorkers(n int, block <-chan struct{}) {
	for range n {
		go parkedRequestWorker(block)
	}
}

// TestGoroutinesQueryNamesALiveLeak leaks goroutines in this process at a known pace, stores
// real goroutine?debug=2 dumps and debug=1 profiles from net/http/pprof through the ingest
// path, and checks every output of the query against what really leaked.
func TestGoroutinesQueryNamesALiveLeak(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(pprof.Index))
	defer srv.Close()
	fetch := func(debug string) []byte {
		resp, err := http.Get(srv.URL + "/debug/pprof/goroutine?debug=" + debug)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return b
	}
	block := make(chan struct{})
	defer close(block)

	g := newGoroutinesTestQuerier(t, "api")
	start := time.Now().Truncate(time.Minute).Add(-time.Hour)
	for i := range 5 {
		leakRequestWorkers(40, block)
		time.Sleep(20 * time.Millisecond) // let them park
		at := start.Add(time.Duration(i) * time.Minute)
		g.store(t, "api", 2, at, fetch("2"))
		g.store(t, "api", 1, at.Add(30*time.Second), fetch("1"))
	}
	from, to := start.Add(-time.Minute), start.Add(10*time.Minute)

	dr := g.run(t, map[string]any{"output": "verdicts"}, from, to)
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1)
	v := dr.Frames[0]
	require.Positive(t, v.Rows())
	field := func(name string) any {
		f, _ := v.FieldByName(name)
		require.NotNil(t, f, "verdicts table has a %s column", name)
		return f.At(0)
	}
	assert.Equal(t, "api", field("target"))
	assert.Equal(t, "growing", field("kind"))
	assert.Contains(t, field("creator"), "leakRequestWorkers", "the verdict names the creation site")
	assert.Contains(t, field("creator_site"), "goroutines_test.go:")
	perHour, _ := field("growth_per_hour").(float64)
	assert.InDelta(t, 40*60, perHour, 40*60*0.25, "40 goroutines per (stored) minute")

	dr = g.run(t, map[string]any{"output": "signals"}, from, to)
	require.NoError(t, dr.Error)
	rd, err := timeseries.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	c, err := rd.GetCollection(true)
	require.NoError(t, err, "signals are alertable: uniquely labelled timeseries-multi")
	signals := map[string]float64{}
	for _, ref := range c.Refs {
		n, err := ref.Len()
		require.NoError(t, err)
		val, err := ref.NullableFloat64Value(n - 1)
		require.NoError(t, err)
		signals[ref.GetLabels()["signal"]] = *val
	}
	assert.GreaterOrEqual(t, signals["growing"], 1.0, "the leak's group rose across the last 3 snapshots")
	assert.Contains(t, signals, "stale")
	assert.Zero(t, signals["stale"], "nothing has waited 10 minutes")
	assert.NotContains(t, signals, "leaked", "this process serves no goroutineleak profile")

	dr = g.run(t, map[string]any{"output": "signals", "instant": true}, from, to)
	require.NoError(t, dr.Error)
	nr, err := numeric.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	nc, err := nr.GetCollection(false)
	require.NoError(t, err)
	assert.Len(t, nc.Refs, 2, "one instance per target and signal")

	dr = g.run(t, map[string]any{"output": "states", "states": []string{"chan_receive"}}, from, to)
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1, "only the kept state")
	assert.Equal(t, "chan_receive", dr.Frames[0].Fields[1].Labels["state"])
	last, _ := dr.Frames[0].Fields[1].ConcreteAt(dr.Frames[0].Rows() - 1)
	assert.GreaterOrEqual(t, last.(float64), 200.0, "all 200 leaked goroutines wait in chan receive")

	dr = g.run(t, map[string]any{"output": "groups", "groupBy": "topFrame", "topN": 1}, from, to)
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1)
	assert.Contains(t, dr.Frames[0].Fields[1].Labels["group"], "parkedRequestWorker")
	assert.Equal(t, 10, dr.Frames[0].Rows(), "debug=1 and debug=2 snapshots both count groups by top frame")

	dr = g.run(t, map[string]any{"output": "groupTable"}, from, to)
	require.NoError(t, dr.Error)
	gt := dr.Frames[0]
	count, _ := gt.FieldByName("count")
	require.NotNil(t, count)
	n, err := count.FloatAt(0)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 200.0, "the largest group holds the 200 leaked goroutines")
	assert.Contains(t, gt.Meta.Notices[0].Text, "understate", "the tables say waits are understated")
}

// TestGoroutinesQueryGolden pins the frames of committed real dumps.
func TestGoroutinesQueryGolden(t *testing.T) {
	g := newGoroutinesTestQuerier(t, "api", "db")
	at := time.UnixMilli(1_700_000_000_000)
	for i, name := range []string{"leakyapp.debug2.txt", "states.debug2.txt"} {
		body, err := os.ReadFile("../goroutines/testdata/" + name)
		require.NoError(t, err)
		g.store(t, []string{"api", "db"}[i], 2, at, body)
	}
	from, to := at.Add(-time.Minute), at.Add(time.Minute)
	for _, out := range []string{"states", "groupTable", "verdicts"} {
		t.Run(out, func(t *testing.T) {
			dr := g.run(t, map[string]any{"output": out, "staleThreshold": "1m"}, from, to)
			require.NoError(t, dr.Error)
			experimental.CheckGoldenJSONResponse(t, "testdata", "goroutines_"+out, &dr, *update)
		})
	}
}

func TestGoroutinesQueryBadInputAndNotices(t *testing.T) {
	g := newGoroutinesTestQuerier(t, "api")
	for name, tc := range map[string]struct {
		q    map[string]any
		want string
	}{
		"unknown target": {map[string]any{"targets": []string{"payments"}}, `unknown target "payments"`},
		"unknown state":  {map[string]any{"states": []string{"napping"}}, `state "napping" is not one of`},
		"bad output":     {map[string]any{"output": "pie"}, `output "pie" is not one of`},
		"bad threshold":  {map[string]any{"staleThreshold": "soon"}, `staleThreshold "soon"`},
		"one snapshot":   {map[string]any{"growingSnapshots": 1}, "at least 2"},
	} {
		t.Run(name, func(t *testing.T) {
			dr := g.run(t, tc.q, time.Now().Add(-time.Hour), time.Now())
			require.Error(t, dr.Error)
			assert.Contains(t, dr.Error.Error(), tc.want)
		})
	}

	g.dumpStatus = func(string) (collector.DumpStatus, bool) {
		return collector.DumpStatus{Skipping: true, SkipReason: "12000 goroutines is above the dump ceiling of 10000"}, true
	}
	dr := g.run(t, map[string]any{}, time.Now().Add(-time.Hour), time.Now())
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1, "a typed empty frame")
	require.NotNil(t, dr.Frames[0].Meta)
	var texts []string
	for _, n := range dr.Frames[0].Meta.Notices {
		texts = append(texts, n.Text)
	}
	assert.Contains(t, strings.Join(texts, "\n"), "api: goroutine dumps (debug=2) are being skipped: 12000 goroutines is above the dump ceiling of 10000")

	nilStore := &goroutinesQuerier{targets: g.targets}
	parsed, _ := models.ParseGoroutinesQuery(nil)
	dr = nilStore.query(context.Background(), parsed, backend.DataQuery{RefID: "A"})
	require.Error(t, dr.Error)
	assert.Contains(t, dr.Error.Error(), "profile history is not available")
}
