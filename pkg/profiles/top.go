package profiles

import (
	"cmp"
	"slices"

	"github.com/google/pprof/profile"
)

// TopRow is one function of a top table. Flat is what was sampled in the function itself,
// Cum what was sampled in it or anything it called; percentages are of the profile total.
type TopRow struct {
	Function string
	Flat     int64
	Cum      int64
	FlatPct  float64
	CumPct   float64
}

// DiffRow is one function of a diff top table: its flat value in the baseline and the current
// profile, their difference, and the difference as a percentage of the baseline total, as
// `go tool pprof -diff_base` computes it. The Cum* fields are the same for cumulative values.
type DiffRow struct {
	Function    string
	Baseline    int64
	Current     int64
	Delta       int64
	DeltaPct    float64
	CumBaseline int64
	CumCurrent  int64
	CumDelta    int64
	CumDeltaPct float64
}

// funcTotals are the flat and cumulative values per interned function name.
type funcTotals struct {
	flat, cum []int64
	// absTotal is the sum of the absolute sample values, pprof's denominator for percentages.
	absTotal int64
}

// accumulate adds the samples of p (resolved through syms) to t. A function that appears more
// than once in a stack (recursion, or inlined into itself) counts once towards its cum value.
func (t *funcTotals) accumulate(p *profile.Profile, syms *symbols, idx int) {
	seen := make([]int32, len(syms.names))
	for i := range seen {
		seen[i] = -1
	}
	grow := func() {
		for len(t.flat) < len(syms.names) {
			t.flat = append(t.flat, 0)
			t.cum = append(t.cum, 0)
		}
	}
	grow()
	for si, s := range p.Sample {
		v := s.Value[idx]
		if v == 0 {
			continue
		}
		t.absTotal += abs(v)
		leaf := int32(-1)
		for _, l := range s.Location {
			for _, n := range syms.frames(l) {
				if leaf < 0 {
					leaf = n
				}
				if seen[n] != int32(si) {
					seen[n] = int32(si)
					t.cum[n] += v
				}
			}
		}
		if leaf >= 0 {
			t.flat[leaf] += v
		}
	}
}

// Top returns the functions of p by flat value of sample type idx, with the rows, values and
// order of `go tool pprof -top -nodecount=0 -nodefraction=0 -sample_index=…`: functions whose
// flat and cum are both zero are left out, and ties sort by name.
func Top(p *profile.Profile, idx int) ([]TopRow, error) {
	if err := checkIndex(p, idx); err != nil {
		return nil, err
	}
	syms := newSymbols(len(p.Function))
	syms.add(p)
	var t funcTotals
	t.accumulate(p, syms, idx)
	rows := make([]TopRow, 0, len(syms.names))
	for n, name := range syms.names {
		flat, cum := t.flat[n], t.cum[n]
		if flat == 0 && cum == 0 {
			continue
		}
		rows = append(rows, TopRow{
			Function: name, Flat: flat, Cum: cum,
			FlatPct: percent(flat, t.absTotal), CumPct: percent(cum, t.absTotal),
		})
	}
	slices.SortFunc(rows, func(a, b TopRow) int {
		return pprofOrder(a.Flat, b.Flat, a.Function, b.Function, a.Cum, b.Cum)
	})
	return rows, nil
}

// TopDiff compares cur against base like `go tool pprof -top -diff_base=base cur`: rows are
// the functions whose flat or cum value changed, ordered by the size of the flat change, and
// percentages are of the baseline's total (of the current total when the baseline is empty).
func TopDiff(base, cur *profile.Profile, idx int) ([]DiffRow, error) {
	if err := Compatible(base, cur); err != nil {
		return nil, err
	}
	if err := checkIndex(cur, idx); err != nil {
		return nil, err
	}
	syms := newSymbols(len(cur.Function))
	var tb, tc funcTotals
	syms.add(base)
	tb.accumulate(base, syms, idx)
	syms.add(cur)
	tc.accumulate(cur, syms, idx)
	tb.flat = append(tb.flat, make([]int64, len(syms.names)-len(tb.flat))...)
	tb.cum = append(tb.cum, make([]int64, len(syms.names)-len(tb.cum))...)
	total := tb.absTotal
	if total == 0 {
		total = tc.absTotal
	}
	var rows []DiffRow
	for n, name := range syms.names {
		r := DiffRow{
			Function: name,
			Baseline: tb.flat[n], Current: tc.flat[n],
			CumBaseline: tb.cum[n], CumCurrent: tc.cum[n],
		}
		r.Delta, r.CumDelta = r.Current-r.Baseline, r.CumCurrent-r.CumBaseline
		if r.Delta == 0 && r.CumDelta == 0 {
			continue
		}
		r.DeltaPct, r.CumDeltaPct = percent(r.Delta, total), percent(r.CumDelta, total)
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b DiffRow) int {
		return pprofOrder(a.Delta, b.Delta, a.Function, b.Function, a.CumDelta, b.CumDelta)
	})
	return rows, nil
}

// AbsTotal is the sum of the absolute values of sample type idx: the denominator of pprof's
// percentages. A filtered profile's rows keep percentages of the unfiltered total, as in
// `go tool pprof -focus`, when rescaled with RelativeTo.
func AbsTotal(p *profile.Profile, idx int) int64 {
	var t int64
	for _, s := range p.Sample {
		t += abs(s.Value[idx])
	}
	return t
}

// RelativeTo recomputes the percentages of rows as shares of total.
func RelativeTo(rows []TopRow, total int64) {
	for i := range rows {
		rows[i].FlatPct, rows[i].CumPct = percent(rows[i].Flat, total), percent(rows[i].Cum, total)
	}
}

// DiffRelativeTo recomputes the percentages of diff rows as shares of total.
func DiffRelativeTo(rows []DiffRow, total int64) {
	for i := range rows {
		rows[i].DeltaPct, rows[i].CumDeltaPct = percent(rows[i].Delta, total), percent(rows[i].CumDelta, total)
	}
}

// pprofOrder is pprof's flat order: larger absolute flat first, then name, then larger
// absolute cum.
func pprofOrder(flatA, flatB int64, nameA, nameB string, cumA, cumB int64) int {
	if c := cmp.Compare(abs(flatB), abs(flatA)); c != 0 {
		return c
	}
	if c := cmp.Compare(nameA, nameB); c != 0 {
		return c
	}
	return cmp.Compare(abs(cumB), abs(cumA))
}

func percent(v, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(v) / float64(total) * 100
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
