package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/dataplane/sdata/numeric"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo's goroutine leak rates, per second; each leaked HTTP body leaves two goroutines,
// each in its own creation-site group.
const (
	ctxWorkersPerSec     = 10
	blockedSendersPerSec = 6
	unclosedBodiesPerSec = 4
)

// TestProfilesSuspectsAndGoroutineVerdictsOverThePluginProtocol runs the built plugin against
// the demo with a heap leak and three goroutine leaks, and checks the profile, suspects and
// goroutines queries end to end: the top table against `go tool pprof` on the downloaded
// snapshot, the leaking function ranked first, and verdicts naming the leaks' creation sites
// at their configured rates.
func TestProfilesSuspectsAndGoroutineVerdictsOverThePluginProtocol(t *testing.T) {
	pluginBin, demoBin := binaries(t)
	demo := startDemo(t, demoBin, []string{"GOGC=50"},
		"-registry-bytes-per-sec", strconv.Itoa(2<<20),
		"-churn-bytes-per-sec", strconv.Itoa(32<<20),
		"-ctx-workers-per-sec", strconv.Itoa(ctxWorkersPerSec),
		"-blocked-senders-per-sec", strconv.Itoa(blockedSendersPerSec),
		"-unclosed-bodies-per-sec", strconv.Itoa(unclosedBodiesPerSec))
	ds := settings{UID: "it-profiles", Updated: time.Now(), JSONData: map[string]any{
		"targets":        []map[string]any{{"name": "leaky", "url": demo}},
		"scrapeInterval": "500ms",
		"storagePath":    t.TempDir(),
		"timeout":        5,
		"profileIntervals": map[string]string{
			"heap": "1s", "goroutine": "5s", "block": "off", "mutex": "off", "threadcreate": "off", "goroutineleak": "off",
		},
		"goroutineDumpInterval": "2s",
	}}
	p := startPlugin(t, pluginBin)
	start := time.Now()
	health := p.checkHealth(t, ds)
	require.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Contains(t, health.Message, "Profiles: heap every 1s, goroutine every 5s; goroutine dumps (debug=2) every 2s while a target has at most 10000 goroutines.")

	time.Sleep(40 * time.Second)
	now := time.Now()

	// The newest heap snapshot, by the editors' list.
	status, body := p.callResource(t, ds, "snapshots?target=leaky&type=heap")
	require.Equal(t, http.StatusOK, status, string(body))
	var snaps []struct {
		Time     int64 `json:"time"`
		RawBytes int64 `json:"rawBytes"`
	}
	require.NoError(t, json.Unmarshal(body, &snaps))
	require.GreaterOrEqual(t, len(snaps), 30, "a heap profile every second")
	at := snaps[len(snaps)-1].Time

	resp := p.query(t, ds, start, now,
		map[string]any{"queryType": "profile", "target": "leaky"},
		map[string]any{"queryType": "profile", "target": "leaky", "output": "top", "at": strconv.FormatInt(at, 10)},
		map[string]any{"queryType": "suspects", "target": "leaky"},
		map[string]any{"queryType": "profile", "target": "leaky", "baseline": "rangeStart"},
		map[string]any{"queryType": "goroutines", "output": "verdicts", "topN": 20},
		map[string]any{"queryType": "goroutines", "output": "signals", "instant": true},
	)

	flame := resp.Responses["Q0"]
	require.NoError(t, flame.Error)
	require.Len(t, flame.Frames, 1)
	f := flame.Frames[0]
	assert.Equal(t, data.VisType("flamegraph"), f.Meta.PreferredVisualization)
	for _, name := range []string{"level", "value", "self", "label"} {
		fl, _ := f.FieldByName(name)
		require.NotNil(t, fl, "flame graph field %s", name)
	}
	value, _ := f.FieldByName("value")
	assert.Equal(t, "bytes", value.Config.Unit)
	assert.Positive(t, value.At(0).(int64), "the root holds the in-use heap")

	// The top table of that snapshot equals go tool pprof on the snapshot downloaded from the plugin.
	status, raw := p.callResource(t, ds, fmt.Sprintf("snapshot?target=leaky&type=heap&time=%d", at))
	require.Equal(t, http.StatusOK, status, string(raw))
	file := filepath.Join(t.TempDir(), "heap.pb.gz")
	require.NoError(t, os.WriteFile(file, raw, 0o600))
	oracle := pprofTopFlat(t, file, "inuse_space")
	top := resp.Responses["Q1"]
	require.NoError(t, top.Error)
	fn, _ := top.Frames[0].FieldByName("function")
	flat, _ := top.Frames[0].FieldByName("flat")
	require.NotNil(t, fn)
	require.NotNil(t, flat)
	require.Equal(t, len(oracle), fn.Len(), "one row per function, as go tool pprof -top")
	for i := 0; i < fn.Len(); i++ {
		name := fn.At(i).(string)
		v, err := flat.FloatAt(i)
		require.NoError(t, err)
		assert.Equal(t, oracle[name], int64(v), "flat of %s", name)
	}

	sus := resp.Responses["Q2"]
	require.NoError(t, sus.Error)
	sf, _ := sus.Frames[0].FieldByName("function")
	require.NotNil(t, sf)
	require.Positive(t, sf.Len())
	assert.Equal(t, "main.leakIntoRegistry", sf.At(0), "the leaking function ranks first")

	diff := resp.Responses["Q3"]
	require.NoError(t, diff.Error)
	right, _ := diff.Frames[0].FieldByName("valueRight")
	require.NotNil(t, right, "a baseline makes a diff flame graph")
	left, _ := diff.Frames[0].FieldByName("value")
	assert.Greater(t, right.At(0).(int64), left.At(0).(int64), "the heap grew over the range")

	verdicts := resp.Responses["Q4"]
	require.NoError(t, verdicts.Error)
	vf := verdicts.Frames[0]
	creator, _ := vf.FieldByName("creator")
	site, _ := vf.FieldByName("creator_site")
	kind, _ := vf.FieldByName("kind")
	rate, _ := vf.FieldByName("growth_per_hour")
	require.NotNil(t, creator)
	growing := map[string]float64{}
	for i := 0; i < vf.Rows(); i++ {
		if kind.At(i) == "growing" {
			r, err := rate.FloatAt(i)
			require.NoError(t, err)
			growing[creator.At(i).(string)+" "+filepath.Base(site.At(i).(string))] = r
		}
	}
	t.Logf("growing groups: %v", growing)
	want := map[string]float64{
		"main.startJobWorker goroutineleaks.go:33":    ctxWorkersPerSec * 3600,
		"main.leakBlockedSender goroutineleaks.go:59": blockedSendersPerSec * 3600,
	}
	for k, v := range want {
		require.Contains(t, growing, k, "a verdict names the creation site")
		assert.InEpsilon(t, v, growing[k], 0.25, k)
	}
	var dialConn int
	for k, v := range growing {
		if strings.HasPrefix(k, "net/http.(*Transport).dialConn ") {
			dialConn++
			assert.InEpsilon(t, float64(unclosedBodiesPerSec*3600), v, 0.25, "readLoop and writeLoop each leak once per unclosed body: %s", k)
		}
	}
	assert.Equal(t, 2, dialConn, "the unclosed bodies leak net/http's readLoop and writeLoop")
	assert.Len(t, growing, 4, "no other group grows")

	sig := resp.Responses["Q5"]
	require.NoError(t, sig.Error)
	nr, err := numeric.CollectionReaderFromFrames(sig.Frames)
	require.NoError(t, err)
	nc, err := nr.GetCollection(false)
	require.NoError(t, err, "the signals are alertable")
	for _, ref := range nc.Refs {
		v, empty, err := ref.NullableFloat64Value()
		require.NoError(t, err)
		require.False(t, empty)
		if ref.GetLabels()["signal"] == "growing" {
			assert.GreaterOrEqual(t, *v, 4.0, "four groups are growing")
		}
	}
}

// TestGoroutineDumpCeilingKeepsDumpsAwayFromBusyTargets checks that a target with more
// goroutines than the ceiling gets no goroutine?debug=2 request, and that Save & test and the
// goroutines query say so.
func TestGoroutineDumpCeilingKeepsDumpsAwayFromBusyTargets(t *testing.T) {
	pluginBin, demoBin := binaries(t)
	demo := startDemo(t, demoBin, nil, "-idle-goroutines", "2000")
	ds := settings{UID: "it-ceiling", Updated: time.Now(), JSONData: map[string]any{
		"targets":               []map[string]any{{"name": "busy", "url": demo}},
		"scrapeInterval":        "500ms",
		"storagePath":           t.TempDir(),
		"goroutineDumpInterval": "1s",
		"goroutineDumpCeiling":  1000,
	}}
	p := startPlugin(t, pluginBin)
	start := time.Now()
	health := p.checkHealth(t, ds)
	require.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Regexp(t, `busy: goroutine dumps will be skipped: 20\d\d goroutines is above the dump ceiling of 1000`, health.Message)

	time.Sleep(8 * time.Second)
	resp := p.query(t, ds, start, time.Now(),
		map[string]any{"queryType": "goroutines", "output": "states"},
		map[string]any{"queryType": "goroutines", "output": "groups", "groupBy": "topFrame", "topN": 1})
	states := resp.Responses["Q0"]
	require.NoError(t, states.Error)
	require.Len(t, states.Frames, 1, "no dump, so no state series: one typed empty frame")
	var notices []string
	for _, n := range states.Frames[0].Meta.Notices {
		notices = append(notices, n.Text)
	}
	assert.Regexp(t, `busy: goroutine dumps \(debug=2\) are being skipped: 20\d\d goroutines is above the dump ceiling of 1000`, strings.Join(notices, "\n"))

	groups := resp.Responses["Q1"]
	require.NoError(t, groups.Error)
	require.Len(t, groups.Frames, 1, "debug=1 profiles still give the groups")
	assert.Contains(t, groups.Frames[0].Fields[1].Labels["group"], "main.parkAtDepth")
}

// pprofTopFlat runs `go tool pprof -top` on a profile file and returns each function's flat value.
func pprofTopFlat(t *testing.T, file, sampleIndex string) map[string]int64 {
	t.Helper()
	cmd := exec.Command("go", "tool", "pprof", "-top", "-nodecount=0", "-nodefraction=0", "-unit=B", "-sample_index="+sampleIndex, file)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run())
	flat := map[string]int64{}
	sc := bufio.NewScanner(&out)
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "flat%") {
			inTable = true
			continue
		}
		fields := strings.Fields(line)
		if !inTable || len(fields) < 6 {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(fields[0], "B"), 10, 64)
		require.NoError(t, err, line)
		flat[strings.TrimSuffix(strings.Join(fields[5:], " "), " (inline)")] = v
	}
	require.NotEmpty(t, flat, out.String())
	return flat
}
