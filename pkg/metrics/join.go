package metrics

import "github.com/leakwatch/pprof-datasource/pkg/store"

// row is one scrape: the values of several raw series sharing a timestamp.
type row struct {
	T int64
	V []float64
}

// joinRows aligns the named series on equal timestamps and keeps only the timestamps at which
// every one of them has a value. The collector writes all series of a scrape with the same
// timestamp, so this is an exact join, not an interpolation.
func joinRows(raw map[string][]store.Point, names ...string) []row {
	if len(names) == 0 {
		return nil
	}
	base := raw[names[0]]
	idx := make([]int, len(names))
	rows := make([]row, 0, len(base))
outer:
	for _, b := range base {
		vals := make([]float64, len(names))
		vals[0] = b.V
		for k := 1; k < len(names); k++ {
			s := raw[names[k]]
			i := idx[k]
			for i < len(s) && s[i].T < b.T {
				i++
			}
			idx[k] = i
			if i >= len(s) || s[i].T != b.T {
				continue outer
			}
			vals[k] = s[i].V
		}
		rows = append(rows, row{T: b.T, V: vals})
	}
	return rows
}
