package integration

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	leakBytesPerSec      = 4 << 20
	leakGoroutinesPerSec = 20
	scrapeInterval       = 500 * time.Millisecond
)

// closedAddr returns an address nothing listens on, for a target that refuses connections.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func instantValue(t *testing.T, resp *backend.QueryDataResponse, refID string) float64 {
	t.Helper()
	dr := resp.Responses[refID]
	require.NoError(t, dr.Error)
	r, err := numeric.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	c, err := r.GetCollection(false)
	require.NoError(t, err)
	require.Len(t, c.Refs, 1, "one alert instance for one target and metric")
	v, empty, err := c.Refs[0].NullableFloat64Value()
	require.NoError(t, err)
	require.False(t, empty)
	return *v
}

func seriesTimes(t *testing.T, dr backend.DataResponse) []time.Time {
	t.Helper()
	require.NoError(t, dr.Error)
	r, err := timeseries.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	c, err := r.GetCollection(true)
	require.NoError(t, err)
	require.Len(t, c.Refs, 1)
	var out []time.Time
	for _, f := range dr.Frames {
		if f.Fields[1].Labels["target"] == "leaky" {
			for i := 0; i < f.Rows(); i++ {
				out = append(out, f.Fields[0].At(i).(time.Time))
			}
		}
	}
	return out
}

func TestLeakSlopesHealthAndDurabilityOverThePluginProtocol(t *testing.T) {
	pluginBin, demoBin := binaries(t)
	demo := startDemo(t, demoBin, []string{"GOGC=50"},
		"-registry-bytes-per-sec", strconv.Itoa(leakBytesPerSec),
		"-goroutines-per-sec", strconv.Itoa(leakGoroutinesPerSec),
		"-churn-bytes-per-sec", strconv.Itoa(32<<20))
	storage := t.TempDir()
	ds := settings{UID: "it-leaky", Updated: time.Now(), JSONData: map[string]any{
		"targets": []map[string]any{
			{"name": "leaky", "url": demo, "labels": map[string]string{"env": "test"}},
			{"name": "dead", "url": closedAddr(t)},
		},
		"scrapeInterval": scrapeInterval.String(),
		"storagePath":    storage,
		"timeout":        2,
	}}

	p := startPlugin(t, pluginBin)
	start := time.Now()
	health := p.checkHealth(t, ds)
	t.Logf("health: %s", health.Message)
	require.Equal(t, backend.HealthStatusOk, health.Status)
	assert.Contains(t, health.Message, "1 of 2 targets")
	assert.Contains(t, health.Message, "leaky")
	assert.Contains(t, health.Message, "dead")
	assert.Contains(t, health.Message, "refused")
	assert.Contains(t, health.Message, storage)

	time.Sleep(45 * time.Second)
	now := time.Now()
	resp := p.query(t, ds, now.Add(-time.Minute), now,
		map[string]any{"queryType": "runtime", "targets": []string{"leaky"}, "metrics": []string{"heap_leak_slope"}, "window": "40s", "instant": true},
		map[string]any{"queryType": "runtime", "targets": []string{"leaky"}, "metrics": []string{"goroutine_slope"}, "window": "40s", "instant": true},
		map[string]any{"queryType": "runtime", "metrics": []string{"heap_inuse"}},
	)
	heapSlope := instantValue(t, resp, "Q0")
	goroutineSlope := instantValue(t, resp, "Q1")
	t.Logf("heap slope %.3g B/h (want %.3g), goroutine slope %.0f /h (want %d)",
		heapSlope, float64(leakBytesPerSec)*3600, goroutineSlope, leakGoroutinesPerSec*3600)
	assert.InEpsilon(t, float64(leakBytesPerSec)*3600, heapSlope, 0.25)
	assert.InEpsilon(t, float64(leakGoroutinesPerSec)*3600, goroutineSlope, 0.25)

	series := resp.Responses["Q2"]
	require.NoError(t, series.Error)
	require.Len(t, series.Frames, 1, "the dead target has no data and so no frame")
	assert.Equal(t, data.Labels{"target": "leaky", "env": "test"}, series.Frames[0].Fields[1].Labels)
	var notices []string
	for _, n := range series.Frames[0].Meta.Notices {
		notices = append(notices, n.Text)
	}
	assert.Contains(t, notices[0], `target "dead"`)

	// Kill the plugin without warning, start it again and read the same range.
	killAt := time.Now()
	before := seriesTimes(t, p.query(t, ds, start, killAt, map[string]any{"queryType": "runtime", "targets": []string{"leaky"}, "metrics": []string{"heap_inuse"}}).Responses["Q0"])
	p.killHard(t)
	p2 := startPlugin(t, pluginBin)
	after := seriesTimes(t, p2.query(t, ds, start, killAt, map[string]any{"queryType": "runtime", "targets": []string{"leaky"}, "metrics": []string{"heap_inuse"}}).Responses["Q0"])
	require.NotEmpty(t, before)
	assert.Equal(t, before, after, "every sample stored before the kill must survive it")
	assert.WithinDuration(t, killAt, after[len(after)-1], 2*scrapeInterval+time.Second,
		"a restart may lose at most about one scrape interval")
}

// TestUnwritableStorageKeepsRunningInMemory also runs the demo without expvar, so MemStats
// come from the heap?debug=1 trailer.
func TestUnwritableStorageKeepsRunningInMemory(t *testing.T) {
	pluginBin, demoBin := binaries(t)
	demo := startDemo(t, demoBin, nil, "-expvar=false")
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, []byte("x"), 0o600))
	ds := settings{UID: "it-mem", Updated: time.Now(), JSONData: map[string]any{
		"targets":        []map[string]any{{"name": "demo", "url": demo}},
		"scrapeInterval": "200ms",
		"storagePath":    filepath.Join(blocker, "sub"),
	}}
	p := startPlugin(t, pluginBin)
	health := p.checkHealth(t, ds)
	require.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Contains(t, health.Message, "memory")
	assert.Contains(t, health.Message, "heap?debug=1", "MemStats from the heap profile's trailer")
	time.Sleep(time.Second)
	now := time.Now()
	resp := p.query(t, ds, now.Add(-time.Minute), now, map[string]any{"queryType": "runtime", "metrics": []string{"goroutines", "max_rss", "heap_inuse"}})
	require.NoError(t, resp.Responses["Q0"].Error)
	require.Len(t, resp.Responses["Q0"].Frames, 3, "goroutines, MaxRSS (printed by the trailer on Linux) and HeapInuse")
	for _, f := range resp.Responses["Q0"].Frames {
		assert.Positive(t, f.Rows(), f.Name)
	}
}
