package frames

import (
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"

	"github.com/leakwatch/pprof-datasource/pkg/profiles"
)

func TestTopTableGolden(t *testing.T) {
	rows := []profiles.TopRow{
		{Function: "main.leakIntoRegistry", Flat: 18264926, Cum: 18264926, FlatPct: 54.07, CumPct: 54.07},
		{Function: "main.leakSubslice", Flat: 7276175, Cum: 7276175, FlatPct: 21.54, CumPct: 21.54},
		{Function: "main.(*leaker).run", Flat: 0, Cum: 33256589, FlatPct: 0, CumPct: 98.45},
	}
	dr := backend.DataResponse{Frames: data.Frames{TopTable("inuse_space", rows, "bytes")}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "toptable", &dr, *update)
	assert.Equal(t, "percent", dr.Frames[0].Fields[2].Config.Unit)
}

func TestTopDiffTableGolden(t *testing.T) {
	rows := []profiles.DiffRow{
		{Function: "main.leakIntoRegistry", Baseline: 5242880, Current: 18264926, Delta: 13022046, DeltaPct: 120.5},
		{Function: "main.putLargeBufferInPool", Baseline: 6506222, Current: 1048576, Delta: -5457646, DeltaPct: -50.5},
	}
	dr := backend.DataResponse{Frames: data.Frames{TopDiffTable("inuse_space", rows, "bytes")}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "topdiff", &dr, *update)
}

func TestEmptyTopTablesKeepTheirFields(t *testing.T) {
	f := TopTable("x", nil, "count")
	assert.Len(t, f.Fields, 5)
	assert.Zero(t, f.Rows())
	assert.Equal(t, "short", f.Fields[1].Config.Unit)
	d := TopDiffTable("x", nil, "nanoseconds")
	assert.Len(t, d.Fields, 5)
	assert.Equal(t, "ns", d.Fields[3].Config.Unit)
}
