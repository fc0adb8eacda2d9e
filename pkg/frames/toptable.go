package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/profiles"
)

// TopTable renders a top table: function, flat, flat%, cum and cum% per row, in the rows'
// order (by flat, as `go tool pprof -top`). sampleUnit is the pprof unit of the values.
func TopTable(name string, rows []profiles.TopRow, sampleUnit string) *data.Frame {
	fn := make([]string, len(rows))
	flat := make([]int64, len(rows))
	flatPct := make([]float64, len(rows))
	cum := make([]int64, len(rows))
	cumPct := make([]float64, len(rows))
	for i, r := range rows {
		fn[i], flat[i], flatPct[i], cum[i], cumPct[i] = r.Function, r.Flat, r.FlatPct, r.Cum, r.CumPct
	}
	vcfg := &data.FieldConfig{Unit: FlameGraphUnit(sampleUnit)}
	frame := data.NewFrame(name,
		data.NewField("function", nil, fn),
		data.NewField("flat", nil, flat).SetConfig(vcfg),
		data.NewField("flat%", nil, flatPct).SetConfig(percentConfig()),
		data.NewField("cum", nil, cum).SetConfig(vcfg),
		data.NewField("cum%", nil, cumPct).SetConfig(percentConfig()),
	)
	frame.SetMeta(&data.FrameMeta{PreferredVisualization: data.VisTypeTable})
	return frame
}

// TopDiffTable renders a diff top table: function, baseline, current, delta and delta% (of
// the baseline total, as `go tool pprof -diff_base`) of the flat values per row.
func TopDiffTable(name string, rows []profiles.DiffRow, sampleUnit string) *data.Frame {
	fn := make([]string, len(rows))
	base := make([]int64, len(rows))
	cur := make([]int64, len(rows))
	delta := make([]int64, len(rows))
	deltaPct := make([]float64, len(rows))
	for i, r := range rows {
		fn[i], base[i], cur[i], delta[i], deltaPct[i] = r.Function, r.Baseline, r.Current, r.Delta, r.DeltaPct
	}
	vcfg := &data.FieldConfig{Unit: FlameGraphUnit(sampleUnit)}
	frame := data.NewFrame(name,
		data.NewField("function", nil, fn),
		data.NewField("baseline", nil, base).SetConfig(vcfg),
		data.NewField("current", nil, cur).SetConfig(vcfg),
		data.NewField("delta", nil, delta).SetConfig(vcfg),
		data.NewField("delta%", nil, deltaPct).SetConfig(percentConfig()),
	)
	frame.SetMeta(&data.FrameMeta{PreferredVisualization: data.VisTypeTable})
	return frame
}

func percentConfig() *data.FieldConfig {
	decimals := uint16(2)
	return &data.FieldConfig{Unit: "percent", Decimals: &decimals}
}
