package plugin

import (
	"context"
	"encoding/json"
	"expvar"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

func TestHealthResult(t *testing.T) {
	ok := scrape.ProbeReport{Target: "api", OK: true, Source: scrape.SourceExpvar, HasGoroutines: true, Goroutines: 12}
	dead := scrape.ProbeReport{Target: "db", Endpoints: []scrape.EndpointCheck{{Path: "/debug/vars", Detail: "connection refused"}}}

	res := healthResult([]scrape.ProbeReport{ok, dead}, "History: stored on disk at /data.")
	assert.Equal(t, backend.HealthStatusOk, res.Status, "one healthy target is enough to save")
	assert.True(t, strings.HasPrefix(res.Message, "1 of 2 targets serve Go runtime data."))
	assert.Contains(t, res.Message, "db: /debug/vars: connection refused")
	assert.Contains(t, res.Message, "History: stored on disk at /data.")

	res = healthResult([]scrape.ProbeReport{dead}, "History: in memory.")
	assert.Equal(t, backend.HealthStatusError, res.Status)
	assert.Contains(t, res.Message, "No target serves Go runtime data.")

	res = healthResult(nil, "")
	assert.Equal(t, backend.HealthStatusError, res.Status)
	assert.Contains(t, res.Message, "No targets configured")
}

type capture struct{ resp *backend.CallResourceResponse }

func (c *capture) Send(r *backend.CallResourceResponse) error { c.resp = r; return nil }

// newTestDatasource builds a real instance against real pprof/expvar handlers, with its store
// in a temporary directory.
func newTestDatasource(t *testing.T, targets string) *Datasource {
	t.Helper()
	js := `{"targets": ` + targets + `, "scrapeInterval": "1s", "storagePath": ` + quote(t.TempDir()) + `}`
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: "test", JSONData: []byte(js)})
	require.NoError(t, err)
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)
	return ds
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestResourcesListTargetsAndCatalog(t *testing.T) {
	ds := newTestDatasource(t, `[{"name":"api","url":"http://127.0.0.1:1","labels":{"env":"prod"}},{"name":"db","url":"http://127.0.0.1:2"}]`)
	call := func(path string) []map[string]any {
		var c capture
		require.NoError(t, ds.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: path, URL: path}, &c))
		require.Equal(t, http.StatusOK, c.resp.Status)
		var out []map[string]any
		require.NoError(t, json.Unmarshal(c.resp.Body, &out))
		return out
	}
	targets := call("targets")
	require.Len(t, targets, 2)
	assert.Equal(t, "api", targets[0]["name"])
	assert.Equal(t, map[string]any{"env": "prod"}, targets[0]["labels"])
	_, leaksURL := targets[0]["url"]
	assert.False(t, leaksURL, "the browser never needs target URLs")

	catalog := call("metrics")
	byName := map[string]map[string]any{}
	for _, m := range catalog {
		byName[m["name"].(string)] = m
	}
	require.Contains(t, byName, "heap_leak_slope")
	assert.Equal(t, "si:B/h", byName["heap_leak_slope"]["unit"])
	assert.Equal(t, "slope", byName["heap_leak_slope"]["kind"])
	assert.NotEmpty(t, byName["heap_inuse_ratio"]["formula"])
}

func TestInstanceScrapesQueriesAndChecksHealth(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/debug/vars", expvar.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ds := newTestDatasource(t, `[{"name":"self","url":`+quote(srv.URL)+`},{"name":"nothing","url":"http://127.0.0.1:1"}]`)

	health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Contains(t, health.Message, "self: ok")
	assert.Contains(t, health.Message, "nothing:")
	assert.Contains(t, health.Message, "stored on disk at "+ds.store.Info().Path, "names where history is kept")
	assert.Equal(t, "test", filepath.Base(ds.store.Info().Path), "each data source has its own directory")

	require.Eventually(t, func() bool {
		st, ok := ds.collector.Status("self")
		return ok && st.LastError == nil && !st.LastSuccess.IsZero()
	}, 5*time.Second, 50*time.Millisecond)

	now := time.Now()
	q := backend.DataQuery{RefID: "A", QueryType: "runtime", JSON: []byte(`{"metrics":["heap_sys","goroutines"]}`),
		MaxDataPoints: 100, TimeRange: backend.TimeRange{From: now.Add(-time.Minute), To: now.Add(time.Second)}}
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
	require.NoError(t, err)
	dr := resp.Responses["A"]
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 2, "heap_sys and goroutines of the reachable target")
	for _, f := range dr.Frames {
		assert.Equal(t, "self", f.Fields[1].Labels["target"])
		v, _ := f.Fields[1].ConcreteAt(0)
		assert.Positive(t, v.(float64))
	}
}

func TestInstancesKeepSeparateHistory(t *testing.T) {
	base := t.TempDir()
	open := func(uid string) *Datasource {
		js := `{"targets":[{"name":"api","url":"http://127.0.0.1:1"}],"scrapeInterval":"1h","storagePath":` + quote(base) + `}`
		inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: uid, JSONData: []byte(js)})
		require.NoError(t, err)
		ds := inst.(*Datasource)
		t.Cleanup(ds.Dispose)
		return ds
	}
	a, b := open("uid-a"), open("uid/b")
	require.True(t, a.store.Info().Durable)
	require.True(t, b.store.Info().Durable)
	assert.NotEqual(t, a.store.Info().Path, b.store.Info().Path)
	assert.Equal(t, "uid_b", filepath.Base(b.store.Info().Path), "a UID cannot escape the storage path")

	now := time.Now().UnixMilli()
	require.NoError(t, a.store.Append(context.Background(), []store.Sample{{Target: "api", Series: "heap_inuse", T: now, V: 1}}))
	got, err := b.store.Select(context.Background(), "api", []string{"heap_inuse"}, now-1000, now+1000)
	require.NoError(t, err)
	assert.Empty(t, got["heap_inuse"])
	got, err = a.store.Select(context.Background(), "api", []string{"heap_inuse"}, now-1000, now+1000)
	require.NoError(t, err)
	assert.Len(t, got["heap_inuse"], 1)
}
