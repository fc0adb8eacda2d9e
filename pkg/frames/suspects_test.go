package frames

import (
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/reader"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/store"
	"github.com/leakwatch/pprof-datasource/pkg/suspects"
)

var suspectsT0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func suspectSeries(vals ...float64) []store.Point {
	pts := make([]store.Point, len(vals))
	for i, v := range vals {
		pts[i] = store.Point{T: suspectsT0.Add(time.Duration(i) * time.Minute).UnixMilli(), V: v}
	}
	return pts
}

// ranking is a ranking by stack of two stacks sharing their allocating function, and a third.
func ranking(by suspects.By) *suspects.Result {
	res := &suspects.Result{
		By: by, Snapshots: 3, From: suspectsT0, To: suspectsT0.Add(2 * time.Minute), Keys: 3, GrowthOfGrowing: 3 << 20,
		Suspects: []suspects.Suspect{
			{Rank: 1, Key: "main.main;main.cache;main.alloc", Function: "main.alloc", Score: 60 << 20, SpaceSlope: 60 << 20,
				ObjectsSlope: 120, Monotonicity: 1, Up: 2, Growth: 2 << 20, GrowthShare: 2.0 / 3, Retention: 0.98,
				FirstSeen: suspectsT0, InuseSpace: 3 << 20, InuseObjects: 6, AllocSpace: 3<<20 + 64<<10,
				Series: suspectSeries(1<<20, 2<<20, 3<<20)},
			{Rank: 2, Key: "main.main;main.handler;main.alloc", Function: "main.alloc", Score: 7 << 20, SpaceSlope: 14 << 20,
				ObjectsSlope: 30, Monotonicity: 0.75, Up: 3, Down: 1, Growth: 1 << 20, GrowthShare: 1.0 / 3, Retention: 0.5,
				FirstSeen: suspectsT0.Add(time.Minute), InuseSpace: 1 << 20, InuseObjects: 2, AllocSpace: 2 << 20,
				Series: suspectSeries(0, 512<<10, 1<<20)},
			{Rank: 3, Key: "main.main;main.churn", Function: "main.churn", Monotonicity: 0.5, Up: 1, Down: 1,
				Retention: 0.001, FirstSeen: suspectsT0, InuseSpace: 4096, InuseObjects: 1, AllocSpace: 4 << 20,
				Series: suspectSeries(4096, 8192, 4096)},
		},
	}
	if by == suspects.ByFunction {
		res.Suspects = res.Suspects[1:]
		for i := range res.Suspects {
			res.Suspects[i].Rank = i + 1
			res.Suspects[i].Key = res.Suspects[i].Function
		}
	}
	return res
}

func TestSuspectsTableGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: data.Frames{SuspectsTable(ranking(suspects.ByFunction))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "suspects_table", &dr, *update)
	dr = backend.DataResponse{Frames: data.Frames{SuspectsTable(ranking(suspects.ByStack))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "suspects_table_stack", &dr, *update)
}

func TestSuspectsSeriesGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: SuspectsSeries("api", ranking(suspects.ByStack))}
	experimental.CheckGoldenJSONResponse(t, "testdata", "suspects_series_stack", &dr, *update)
}

func TestSuspectsTableColumns(t *testing.T) {
	f := SuspectsTable(ranking(suspects.ByFunction))
	require.Equal(t, 2, f.Rows())
	_, idx := f.FieldByName("stack")
	assert.Equal(t, -1, idx, "no stack column when ranking by function")
	for name, unit := range map[string]string{
		"score": "si:B/h", "space_slope": "si:B/h", "objects_slope": "si:objects/h", "monotonicity": "percentunit",
		"growth_share": "percentunit", "retention": "percentunit", "in_use_space": "bytes", "growth": "bytes",
	} {
		fld, _ := f.FieldByName(name)
		require.NotNil(t, fld, name)
		assert.Equal(t, unit, fld.Config.Unit, name)
	}
	fld, _ := f.FieldByName("function")
	assert.Equal(t, "main.alloc", fld.At(0))

	empty := SuspectsTable(&suspects.Result{By: suspects.ByStack})
	assert.Equal(t, 0, empty.Rows())
	assert.Len(t, empty.Fields, 13, "an empty ranking keeps its typed columns")
}

// TestSuspectsSeriesAreAlertable reads the series with the dataplane readers alerting uses:
// two stacks with the same allocating function must still be distinct instances.
func TestSuspectsSeriesAreAlertable(t *testing.T) {
	for _, by := range []suspects.By{suspects.ByFunction, suspects.ByStack} {
		fs := SuspectsSeries("api", ranking(by))
		kind, err := reader.CanReadBasedOnMeta(fs)
		require.NoError(t, err)
		assert.Equal(t, data.FrameTypeTimeSeriesMulti, kind)
		coll := tsCollection(t, fs)
		require.NoError(t, coll.Warning)
		require.Len(t, coll.Refs, len(ranking(by).Suspects), by)
		for _, ref := range coll.Refs {
			assert.Equal(t, "api", ref.GetLabels()["target"])
			assert.NotEmpty(t, ref.GetLabels()["function"])
		}
	}

	empty := SuspectsSeries("api", &suspects.Result{})
	kind, err := reader.CanReadBasedOnMeta(empty)
	require.NoError(t, err)
	assert.Equal(t, data.FrameTypeTimeSeriesMulti, kind)
	assert.Empty(t, tsCollection(t, empty).Refs, "no suspects is no data, not an error")
}
