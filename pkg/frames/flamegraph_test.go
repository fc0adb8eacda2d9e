package frames

import (
	"fmt"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/profiles"
)

// sampleTree is main.main calling run (which calls inner) and alloc, with a folded rest.
func sampleTree(diff bool) *profiles.Tree {
	t := &profiles.Tree{
		Names:      []string{"total", "main.main", "main.alloc", "main.run", "main.inner", "other"},
		SampleType: "inuse_space", Unit: "bytes", Diff: diff, Folded: 3,
		Nodes: []profiles.Node{
			{Name: 0, Level: 0, Value: 60, Self: 0},
			{Name: 1, Level: 1, Value: 60, Self: 0},
			{Name: 2, Level: 2, Value: 10, Self: 10},
			{Name: 3, Level: 2, Value: 42, Self: 5},
			{Name: 4, Level: 3, Value: 37, Self: 37},
			{Name: 5, Level: 2, Value: 8, Self: 8},
		},
	}
	if diff {
		for i, right := range []int64{70, 70, 0, 62, 50, 8} {
			t.Nodes[i].ValueRight = right
		}
		for i, right := range []int64{0, 0, 0, 12, 50, 8} {
			t.Nodes[i].SelfRight = right
		}
	}
	return t
}

func TestFlameGraphGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: data.Frames{FlameGraph("inuse_space", sampleTree(false))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "flamegraph", &dr, *update)
}

func TestFlameGraphDiffGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: data.Frames{FlameGraph("inuse_space", sampleTree(true))}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "flamegraph_diff", &dr, *update)
}

func TestFlameGraphEmptyGolden(t *testing.T) {
	dr := backend.DataResponse{Frames: data.Frames{FlameGraph("inuse_space", nil)}}
	experimental.CheckGoldenJSONResponse(t, "testdata", "flamegraph_empty", &dr, *update)
	f := dr.Frames[0]
	require.Len(t, f.Fields, 4)
	for i, name := range []string{"level", "value", "self", "label"} {
		assert.Equal(t, name, f.Fields[i].Name)
		assert.Zero(t, f.Fields[i].Len())
	}
	assert.Equal(t, data.FieldTypeEnum, f.Fields[3].Type())
}

func TestFlameGraphFrameContract(t *testing.T) {
	f := FlameGraph("heap", sampleTree(false))
	assert.Equal(t, data.VisTypeFlameGraph, string(f.Meta.PreferredVisualization))
	assert.Equal(t, "bytes", f.Fields[1].Config.Unit)
	assert.Equal(t, "bytes", f.Fields[2].Config.Unit)
	label := f.Fields[3]
	require.Equal(t, data.FieldTypeEnum, label.Type())
	assert.Equal(t, sampleTree(false).Names, label.Config.TypeConfig.Enum.Text)
	assert.Equal(t, data.EnumItemIndex(4), label.At(4))
	_, hasRight := f.FieldByName("valueRight")
	assert.Equal(t, -1, hasRight, "no right-hand fields outside a diff")

	d := FlameGraph("heap", sampleTree(true))
	require.Len(t, d.Fields, 6)
	assert.Equal(t, "valueRight", d.Fields[4].Name)
	assert.Equal(t, "selfRight", d.Fields[5].Name)
	assert.Equal(t, int64(70), d.Fields[4].At(0))

	for unit, want := range map[string]string{"bytes": "bytes", "nanoseconds": "ns", "count": "short", "": "short"} {
		tr := sampleTree(false)
		tr.Unit = unit
		assert.Equal(t, want, FlameGraph("x", tr).Fields[1].Config.Unit, unit)
	}
}

func TestFlameGraphFallsBackToStringLabelsPastEnumRange(t *testing.T) {
	const names = 1<<16 + 1
	tr := &profiles.Tree{Unit: "bytes", Names: make([]string, names), Nodes: make([]profiles.Node, names)}
	tr.Names[0] = "total"
	for i := 1; i < names; i++ {
		tr.Names[i] = fmt.Sprintf("pkg.f%d", i)
		tr.Nodes[i] = profiles.Node{Name: int32(i), Level: 1, Value: 1, Self: 1}
	}
	tr.Nodes[0].Value = names - 1
	f := FlameGraph("big", tr)
	label := f.Fields[3]
	require.Equal(t, data.FieldTypeString, label.Type())
	assert.Equal(t, "pkg.f65536", label.At(names-1))
	assert.Equal(t, "total", label.At(0))

	tr.Names, tr.Nodes = tr.Names[:1<<16], tr.Nodes[:1<<16]
	assert.Equal(t, data.FieldTypeEnum, FlameGraph("edge", tr).Fields[3].Type(), "65,536 names still fit an enum")
}
