package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/profiles"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

// newResourceTestDatasource is an instance with a real in-memory snapshot store holding two
// heap snapshots of target "api", captured from the demo service.
func newResourceTestDatasource(t *testing.T) (*Datasource, []time.Time) {
	t.Helper()
	ps, err := models.LoadPluginSettings(backend.DataSourceInstanceSettings{JSONData: []byte(
		`{"targets":[{"name":"api","url":"http://127.0.0.1:1"},{"name":"db","url":"http://127.0.0.1:2"}],"profileIntervals":{"block":"off"}}`)})
	require.NoError(t, err)
	raw, err := os.ReadFile("../snapshots/testdata/heap.pb.gz")
	require.NoError(t, err)
	p, err := profile.ParseData(raw)
	require.NoError(t, err)
	st := snapshots.NewMemory(snapshots.Options{MaintenanceInterval: -1})
	t.Cleanup(func() { _ = st.Close() })
	times := []time.Time{time.UnixMilli(1_700_000_000_000), time.UnixMilli(1_700_000_060_000)}
	for _, at := range times {
		require.NoError(t, st.PutProfile(context.Background(), snapshots.Key{Target: "api", Kind: "heap", Time: at}, p.Copy(), int64(len(raw))))
	}
	d := &Datasource{settings: ps, snapshots: st, logger: log.DefaultLogger}
	d.resources = d.newResourceHandler()
	return d, times
}

func callResource(t *testing.T, d *Datasource, method, path string, body []byte) *backend.CallResourceResponse {
	t.Helper()
	var c capture
	p, _, _ := strings.Cut(path, "?")
	require.NoError(t, d.CallResource(context.Background(), &backend.CallResourceRequest{Method: method, Path: p, URL: path, Body: body}, &c))
	return c.resp
}

func TestProfileTypesResourceSaysWhatIsCollectedAndStored(t *testing.T) {
	d, _ := newResourceTestDatasource(t)
	resp := callResource(t, d, "GET", "profile-types?target=api", nil)
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var out []profileTypeInfo
	require.NoError(t, json.Unmarshal(resp.Body, &out))
	byType := map[models.ProfileType]profileTypeInfo{}
	for _, e := range out {
		byType[e.Type] = e
	}
	require.Len(t, byType, len(models.ProfileTypeInfos))
	assert.Equal(t, 2, byType[models.ProfileHeap].Snapshots)
	assert.Equal(t, 2, byType[models.ProfileAllocs].Snapshots, "allocs reads the heap snapshots")
	assert.True(t, byType[models.ProfileHeap].Collected)
	assert.False(t, byType[models.ProfileBlock].Collected, "switched off in the settings")
	assert.False(t, byType[models.ProfileCPU].Collected, "CPU is opt-in")
	assert.Equal(t, "inuse_space", byType[models.ProfileHeap].DefaultSampleType)

	resp = callResource(t, d, "GET", "profile-types?target=nope", nil)
	assert.Equal(t, http.StatusBadRequest, resp.Status)
	assert.Contains(t, string(resp.Body), `unknown target "nope"`)
}

func TestSnapshotsResourceListsAndDownloadsStandardProfiles(t *testing.T) {
	d, times := newResourceTestDatasource(t)
	resp := callResource(t, d, "GET", "snapshots?target=api&type=allocs", nil)
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var list []snapshotInfo
	require.NoError(t, json.Unmarshal(resp.Body, &list))
	require.Len(t, list, 2)
	assert.Equal(t, times[0].UnixMilli(), list[0].Time)
	assert.Positive(t, list[0].RawBytes)

	resp = callResource(t, d, "GET", "snapshots?target=api&type=heap&from=1700000030000", nil)
	require.NoError(t, json.Unmarshal(resp.Body, &list))
	assert.Len(t, list, 1, "from bounds the list")

	resp = callResource(t, d, "GET", "snapshot?target=api&type=heap&time=1700000059999", nil)
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	assert.Contains(t, resp.Headers["Content-Disposition"][0], "api-heap-20231114T221320Z.pb.gz", "the snapshot at or before the time")
	require.True(t, bytes.HasPrefix(resp.Body, []byte{0x1f, 0x8b}), "a gzipped profile like the target's own")
	got, err := profile.Parse(bytes.NewReader(resp.Body))
	require.NoError(t, err)
	want, err := d.snapshots.Profile(context.Background(), snapshots.Key{Target: "api", Kind: "heap", Time: times[0]})
	require.NoError(t, err)
	assert.Equal(t, len(want.Sample), len(got.Sample))
	assert.Equal(t, want.TimeNanos, got.TimeNanos)

	resp = callResource(t, d, "GET", "snapshot?target=api&type=heap&time=1", nil)
	assert.Equal(t, http.StatusNotFound, resp.Status)
	assert.Contains(t, string(resp.Body), `target "api" has no heap snapshot at or before`)
	resp = callResource(t, d, "GET", "snapshot?target=db&type=bogus", nil)
	assert.Equal(t, http.StatusBadRequest, resp.Status)
	assert.Contains(t, string(resp.Body), `unknown profile type "bogus"`)
	resp = callResource(t, d, "GET", "snapshot?type=heap", nil)
	assert.Equal(t, http.StatusBadRequest, resp.Status)
}

func TestPinsResourceCreatesListsAndDeletesPins(t *testing.T) {
	d, times := newResourceTestDatasource(t)
	body, _ := json.Marshal(pinInfo{Name: "before deploy", Target: "api", Kind: "heap", Time: times[0].UnixMilli()})
	resp := callResource(t, d, "POST", "pins", body)
	require.Equal(t, http.StatusCreated, resp.Status, string(resp.Body))

	resp = callResource(t, d, "POST", "pins", body)
	assert.Equal(t, http.StatusConflict, resp.Status, "names are unique")
	missing, _ := json.Marshal(pinInfo{Name: "x", Target: "api", Kind: "heap", Time: 5})
	resp = callResource(t, d, "POST", "pins", missing)
	assert.Equal(t, http.StatusNotFound, resp.Status)
	assert.Contains(t, string(resp.Body), "no heap snapshot")
	resp = callResource(t, d, "POST", "pins", []byte(`{"name":"x","target":"api","kind":"heap","time":5,"url":"http://evil"}`))
	assert.Equal(t, http.StatusBadRequest, resp.Status, "unknown fields are refused")
	resp = callResource(t, d, "POST", "pins", []byte(`{"name":"x","target":"other","kind":"heap","time":5}`))
	assert.Equal(t, http.StatusBadRequest, resp.Status)

	resp = callResource(t, d, "GET", "pins", nil)
	var pins []pinInfo
	require.NoError(t, json.Unmarshal(resp.Body, &pins))
	require.Len(t, pins, 1)
	assert.Equal(t, pinInfo{Name: "before deploy", Target: "api", Kind: "heap", Time: times[0].UnixMilli(), Created: pins[0].Created}, pins[0])
	resp = callResource(t, d, "GET", "snapshots?target=api&type=heap", nil)
	var list []snapshotInfo
	require.NoError(t, json.Unmarshal(resp.Body, &list))
	assert.Equal(t, []string{"before deploy"}, list[0].Pins)

	resp = callResource(t, d, "DELETE", "pins?name=before+deploy", nil)
	assert.Equal(t, http.StatusNoContent, resp.Status, string(resp.Body))
	resp = callResource(t, d, "DELETE", "pins?name=before+deploy", nil)
	assert.Equal(t, http.StatusNotFound, resp.Status)
}

func TestGoroutineStatesResourceListsTheBuckets(t *testing.T) {
	d, _ := newResourceTestDatasource(t)
	resp := callResource(t, d, "GET", "goroutine-states", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	var states []string
	require.NoError(t, json.Unmarshal(resp.Body, &states))
	assert.Contains(t, states, "chan_send")
	assert.Contains(t, states, "select")
	assert.Equal(t, "running", states[0])
}

func TestFunctionsResourceListsTheNewestSnapshotsFunctionsByFlat(t *testing.T) {
	d, times := newResourceTestDatasource(t)
	resp := callResource(t, d, "GET", "functions?target=api&type=heap", nil)
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var fns []string
	require.NoError(t, json.Unmarshal(resp.Body, &fns))
	require.NotEmpty(t, fns)
	p, err := d.snapshots.Profile(context.Background(), snapshots.Key{Target: "api", Kind: "heap", Time: times[1]})
	require.NoError(t, err)
	idx, err := profiles.SampleIndex(p, models.ProfileHeap, "")
	require.NoError(t, err)
	rows, err := profiles.Top(p, idx)
	require.NoError(t, err)
	assert.Equal(t, rows[0].Function, fns[0], "largest in-use flat first")
	assert.Len(t, fns, len(rows))

	resp = callResource(t, d, "GET", "functions?target=db&type=heap", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	assert.JSONEq(t, "[]", string(resp.Body), "a target without snapshots has no functions yet")
}
