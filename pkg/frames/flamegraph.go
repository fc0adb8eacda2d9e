package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/profiles"
)

// maxEnumLabels is the most names an enum field can index: its items are uint16.
const maxEnumLabels = 1 << 16

// FlameGraph renders a call tree as the nested-set frame Grafana's flame graph panel reads:
// level, value, self and label per node in depth-first pre-order, one root "total". A diff
// tree adds valueRight and selfRight, with the baseline in value and self. Labels are an enum
// field (each name sent once) unless there are more names than an enum can index. A nil tree
// gives the typed frame with no rows.
func FlameGraph(name string, t *profiles.Tree) *data.Frame {
	var nodes []profiles.Node
	var names []string
	diff := false
	unit := ""
	if t != nil {
		nodes, names, diff, unit = t.Nodes, t.Names, t.Diff, t.Unit
	}
	n := len(nodes)
	level := make([]int64, n)
	value := make([]int64, n)
	self := make([]int64, n)
	for i, nd := range nodes {
		level[i], value[i], self[i] = int64(nd.Level), nd.Value, nd.Self
	}
	cfg := &data.FieldConfig{Unit: FlameGraphUnit(unit)}
	valueField := data.NewField("value", nil, value).SetConfig(cfg)
	selfField := data.NewField("self", nil, self).SetConfig(cfg)
	frame := data.NewFrame(name,
		data.NewField("level", nil, level),
		valueField,
		selfField,
		labelField(nodes, names),
	)
	if diff {
		valueRight := make([]int64, n)
		selfRight := make([]int64, n)
		for i, nd := range nodes {
			valueRight[i], selfRight[i] = nd.ValueRight, nd.SelfRight
		}
		frame.Fields = append(frame.Fields,
			data.NewField("valueRight", nil, valueRight).SetConfig(cfg),
			data.NewField("selfRight", nil, selfRight).SetConfig(cfg),
		)
	}
	frame.SetMeta(&data.FrameMeta{PreferredVisualization: data.VisTypeFlameGraph})
	return frame
}

func labelField(nodes []profiles.Node, names []string) *data.Field {
	if len(names) > maxEnumLabels {
		labels := make([]string, len(nodes))
		for i, nd := range nodes {
			labels[i] = names[nd.Name]
		}
		return data.NewField("label", nil, labels)
	}
	labels := make([]data.EnumItemIndex, len(nodes))
	for i, nd := range nodes {
		labels[i] = data.EnumItemIndex(nd.Name)
	}
	text := names
	if text == nil {
		text = []string{}
	}
	return data.NewField("label", nil, labels).SetConfig(&data.FieldConfig{
		TypeConfig: &data.FieldTypeConfig{Enum: &data.EnumFieldConfig{Text: text}},
	})
}

// FlameGraphUnit maps a pprof sample unit to the Grafana unit of its values: bytes, ns for
// time, short for counts and anything else.
func FlameGraphUnit(sampleUnit string) string {
	switch sampleUnit {
	case "bytes":
		return "bytes"
	case "nanoseconds":
		return "ns"
	default:
		return "short"
	}
}
