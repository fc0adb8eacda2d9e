package plugin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
)

func TestProfileHealthExplainsSkippedDumpsAndFailingProfiles(t *testing.T) {
	ps, err := models.LoadPluginSettings(backend.DataSourceInstanceSettings{JSONData: []byte(
		`{"targets":[],"goroutineDumpCeiling":100,"profileIntervals":{"block":"off","mutex":"off","threadcreate":"off","goroutine":"off"}}`)})
	require.NoError(t, err)
	now := time.Now()
	h := profileHealth{
		settings: ps, now: now,
		dumpStatus: func(target string) (collector.DumpStatus, bool) {
			return collector.DumpStatus{Skipping: target == "db", SkipReason: "the goroutine count is older than 3 runtime intervals"}, true
		},
		profStatus: func(target string, pt models.ProfileType) (collector.FetchStatus, bool) {
			switch {
			case target == "api" && pt == models.ProfileGoroutineLeak:
				return collector.FetchStatus{NotServed: true}, true
			case target == "api" && pt == models.ProfileHeap:
				return collector.FetchStatus{LastError: errors.New(`target "api": storing the heap profile: not a pprof protobuf profile`)}, true
			}
			return collector.FetchStatus{}, target != "cache"
		},
		binary: func(target string) (binaryChange, bool) {
			return binaryChange{Time: now.Add(-90 * time.Second), Detail: "build id abc → def"}, target == "db"
		},
	}
	lines := h.lines([]scrape.ProbeReport{
		{Target: "api", OK: true, HasGoroutines: true, Goroutines: 5000},
		{Target: "db", OK: true, HasGoroutines: true, Goroutines: 12},
		{Target: "cache", OK: true, HasGoroutines: true, Goroutines: 12},
	})
	require.Len(t, lines, 3, "the schedule, then api and db; cache has nothing to report")
	assert.Equal(t, "Profiles: heap every 1m0s, goroutineleak every 5m0s; goroutine dumps (debug=2) every 5m0s while a target has at most 100 goroutines.", lines[0])
	assert.Equal(t, `api: goroutine dumps will be skipped: 5000 goroutines is above the dump ceiling of 100; goroutineleak is not served; heap failed: target "api": storing the heap profile: not a pprof protobuf profile.`, lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "db: goroutine dumps are being skipped: the goroutine count is older than 3 runtime intervals; started serving a different binary 1m30s ago (build id abc → def)"), lines[2])
}
