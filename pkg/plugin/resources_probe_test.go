package plugin

import (
	"encoding/json"
	"expvar"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProbeResourceTestsOneSavedTarget(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/debug/vars", expvar.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ds := newTestDatasource(t, `[{"name":"self","url":`+quote(srv.URL)+`},{"name":"nothing","url":"http://127.0.0.1:1"}]`)

	resp := callResource(t, ds, "GET", "probe?target=self", nil)
	require.Equal(t, http.StatusOK, resp.Status, string(resp.Body))
	var ok probeInfo
	require.NoError(t, json.Unmarshal(resp.Body, &ok))
	assert.True(t, ok.OK)
	assert.Equal(t, "expvar", ok.Source)
	require.NotNil(t, ok.Goroutines)
	assert.Positive(t, *ok.Goroutines)
	assert.Contains(t, ok.Summary, "self: ok")
	require.NotEmpty(t, ok.Endpoints)
	assert.Equal(t, "/debug/vars", ok.Endpoints[0].Path)

	resp = callResource(t, ds, "GET", "probe?target=nothing", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	var dead probeInfo
	require.NoError(t, json.Unmarshal(resp.Body, &dead))
	assert.False(t, dead.OK)
	assert.Contains(t, dead.Summary, "refused")
	assert.Nil(t, dead.Goroutines)

	resp = callResource(t, ds, "GET", "probe?target=http://evil:80", nil)
	assert.Equal(t, http.StatusBadRequest, resp.Status, "only configured targets, by name")
}
