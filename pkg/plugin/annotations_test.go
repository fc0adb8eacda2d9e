package plugin

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

func TestAnnotationsMarkRestartsSkippedDumpsPinsAndGCCycles(t *testing.T) {
	ctx := context.Background()
	t0 := time.UnixMilli(1_700_000_000_000)
	ms := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	st := store.NewMemory(time.Hour * 24)
	var samples []store.Sample
	// api runs one process started before the range, then restarts 5 minutes in.
	for i := 0; i < 10; i++ {
		start := float64(t0.Add(-time.Hour).Unix())
		if i >= 5 {
			start = float64(t0.Add(5*time.Minute - 3*time.Second).Unix())
		}
		samples = append(samples, store.Sample{Target: "api", Series: metrics.RawProcessStart, T: ms(time.Duration(i) * time.Minute), V: start})
	}
	samples = append(samples,
		store.Sample{Target: "api", Series: metrics.RawDumpSkipped, T: ms(7 * time.Minute), V: 12000},
		store.Sample{Target: "api", Series: metrics.RawGCPause, T: ms(2 * time.Minute), V: 125000},
		store.Sample{Target: "db", Series: metrics.RawDumpSkipped, T: ms(8 * time.Minute), V: 15000},
	)
	require.NoError(t, st.Append(ctx, samples))
	snaps := snapshots.NewMemory(snapshots.Options{MaintenanceInterval: -1})
	t.Cleanup(func() { _ = snaps.Close() })
	raw, err := os.ReadFile("../snapshots/testdata/heap.pb.gz")
	require.NoError(t, err)
	p, err := profile.ParseData(raw)
	require.NoError(t, err)
	key := snapshots.Key{Target: "api", Kind: "heap", Time: t0.Add(6 * time.Minute)}
	require.NoError(t, snaps.PutProfile(ctx, key, p, int64(len(raw))))
	require.NoError(t, snaps.Pin(ctx, "before deploy", key))

	a := &annotationsQuerier{store: st, pins: snaps, ceiling: 10000,
		targets: []models.Target{{Name: "api"}, {Name: "db"}}}
	run := func(q string) backend.DataResponse {
		parsed, err := models.ParseAnnotationsQuery(json.RawMessage(q))
		if err != nil {
			return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
		}
		return a.query(ctx, parsed, backend.DataQuery{RefID: "Anno", TimeRange: backend.TimeRange{From: t0, To: t0.Add(10 * time.Minute)}})
	}

	dr := run(`{"queryType":"annotations","targets":["api"]}`)
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1)
	f := dr.Frames[0]
	names := []string{}
	for _, fl := range f.Fields {
		names = append(names, fl.Name)
	}
	assert.Equal(t, []string{"time", "title", "text", "tags"}, names, "the fields Grafana's annotation support maps")
	require.Equal(t, 3, f.Rows(), "the restart, the pin and the skipped dump of api; GC cycles are opt-in; the process before the range is not marked")
	assert.Equal(t, t0.Add(5*time.Minute-3*time.Second), f.Fields[0].At(0))
	assert.Equal(t, "api: process started", f.Fields[1].At(0))
	assert.Equal(t, `api: pinned "before deploy"`, f.Fields[1].At(1))
	assert.Equal(t, "api: goroutine dump skipped: 12000 goroutines is above the dump ceiling of 10000", f.Fields[2].At(2))
	assert.JSONEq(t, `["goroutine-dump","api"]`, string(f.Fields[3].At(2).(json.RawMessage)))

	dr = run(`{"queryType":"annotations","events":["gcCycles"]}`)
	require.NoError(t, dr.Error)
	require.Equal(t, 1, dr.Frames[0].Rows())
	assert.Equal(t, "api: GC cycle, stop-the-world pause 125µs", dr.Frames[0].Fields[2].At(0))

	dr = run(`{"queryType":"annotations","events":["skippedDumps"]}`)
	require.NoError(t, dr.Error)
	assert.Equal(t, 2, dr.Frames[0].Rows(), "every selected target's skipped dumps")

	dr = run(`{"queryType":"annotations","events":["deploys"]}`)
	require.Error(t, dr.Error)
	assert.Contains(t, dr.Error.Error(), `event "deploys" is not one of`)
	dr = run(`{"queryType":"annotations","targets":["nope"]}`)
	require.Error(t, dr.Error)
	assert.Contains(t, dr.Error.Error(), `unknown target "nope"`)
}
