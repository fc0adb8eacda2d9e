package frames

import (
	"flag"
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/reader"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func sampleSeries() []Series {
	return []Series{
		{
			Metric: "heap_inuse", Unit: "bytes", IntervalMs: 15000,
			Labels: data.Labels{"target": "api", "env": "prod"},
			Points: []store.Point{{T: 1_700_000_010_000, V: 1 << 20}, {T: 1_700_000_025_000, V: 2 << 20}},
		},
		{
			Metric: "heap_inuse", Unit: "bytes", IntervalMs: 15000,
			Labels: data.Labels{"target": "db"},
			Points: []store.Point{{T: 1_700_000_010_000, V: 3 << 20}},
			Notices: []data.Notice{{Severity: data.NoticeSeverityWarning,
				Text: `target "db": latest scrape failed: connection refused`}},
		},
	}
}

func TestTimeSeriesMultiGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: TimeSeriesMulti(sampleSeries())}
	experimental.CheckGoldenJSONResponse(t, "testdata", "timeseries_multi", &dr, *update)
}

func TestNumericMultiGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: NumericMulti(sampleSeries())}
	experimental.CheckGoldenJSONResponse(t, "testdata", "numeric_multi", &dr, *update)
}

// TestFramesReadAsDataplaneCollections reads the frames with the dataplane readers Grafana's
// alerting uses: both forms must be accepted and every label set must be unique.
func TestFramesReadAsDataplaneCollections(t *testing.T) {
	ts := TimeSeriesMulti(sampleSeries())
	kind, err := reader.CanReadBasedOnMeta(ts)
	require.NoError(t, err)
	assert.Equal(t, data.FrameTypeTimeSeriesMulti, kind)
	coll := tsCollection(t, ts)
	require.NoError(t, coll.Warning)
	assert.Len(t, coll.Refs, 2)

	num := NumericMulti(sampleSeries())
	kind, err = reader.CanReadBasedOnMeta(num)
	require.NoError(t, err)
	assert.Equal(t, data.FrameTypeNumericMulti, kind)
	nr, err := numeric.CollectionReaderFromFrames(num)
	require.NoError(t, err)
	// The numeric reader does not implement data validation; uniqueness is checked below.
	ncoll, err := nr.GetCollection(false)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, ref := range ncoll.Refs {
		key := ref.GetMetricName() + ref.GetLabels().String()
		require.False(t, seen[key], "duplicate label set %s", key)
		seen[key] = true
	}
	require.Len(t, ncoll.Refs, 2)
	v, empty, err := ncoll.Refs[0].NullableFloat64Value()
	require.NoError(t, err)
	require.False(t, empty)
	assert.Equal(t, float64(2<<20), *v, "the newest point is the instant value")
}

func TestDuplicateLabelSetsAreRejectedByTheReader(t *testing.T) {
	// Guards the reader itself: if it stopped rejecting duplicates, the uniqueness tests of the
	// query handler would prove nothing.
	s := sampleSeries()
	s[1].Labels = s[0].Labels
	r, err := timeseries.CollectionReaderFromFrames(TimeSeriesMulti(s))
	require.NoError(t, err)
	_, err = r.GetCollection(true)
	require.Error(t, err)
}

func TestEmptyResponsesAreTypedNoData(t *testing.T) {
	ts := TimeSeriesMulti(nil)
	require.Len(t, ts, 1)
	assert.Empty(t, ts[0].Fields)
	assert.Empty(t, tsCollection(t, ts).Refs)

	num := NumericMulti([]Series{{Metric: "x", Labels: data.Labels{"target": "a"},
		Notices: []data.Notice{{Text: "n"}}}})
	require.Len(t, num, 1)
	assert.Empty(t, num[0].Fields)
	assert.Equal(t, "n", num[0].Meta.Notices[0].Text)
}

func tsCollection(t *testing.T, fs data.Frames) timeseries.Collection {
	t.Helper()
	r, err := timeseries.CollectionReaderFromFrames(fs)
	require.NoError(t, err)
	c, err := r.GetCollection(true)
	require.NoError(t, err)
	return c
}

// TestTimeSeriesFramesKeepEachSeriesValues guards the shared conversion buffers: a frame must
// keep its own times and values after later series, shorter, longer or at other times, were
// rendered.
func TestTimeSeriesFramesKeepEachSeriesValues(t *testing.T) {
	s := sampleSeries()
	shifted := s[0]
	shifted.Points = []store.Point{{T: 1_700_000_011_000, V: 5}, {T: 1_700_000_025_000, V: 6}, {T: 1_700_000_040_000, V: 7}}
	s = append(s, shifted)
	fs := TimeSeriesFrames(s)
	require.Len(t, fs, 3)
	for i, f := range fs {
		require.Equal(t, len(s[i].Points), f.Rows())
		for j, p := range s[i].Points {
			assert.Equal(t, time.UnixMilli(p.T).UTC(), f.Fields[0].At(j), "series %d row %d", i, j)
			assert.Equal(t, p.V, f.Fields[1].At(j), "series %d row %d", i, j)
		}
	}
}

func TestTimeSeriesFramesOfNoSeriesIsEmpty(t *testing.T) {
	assert.Empty(t, TimeSeriesFrames(nil), "the no-data frame is TimeSeriesMulti's to add")
}
