package metrics

import "github.com/leakwatch/pprof-datasource/pkg/store"

// row is one scrape: the values of several raw series sharing a timestamp.
type row struct {
	T int64
	V []float64
}

// joinRows aligns the named series on equal timestamps and keeps only the timestamps at which
// every one of them has a value. The collector writes all series of a scrape with the same
// timestamp, so this is an exact join, not an interpolation. The rows' values share one
// backing array: a day of a hundred targets is millions of rows.
func joinRows(raw map[string][]store.Point, names ...string) []row {
	if len(names) == 0 {
		return nil
	}
	cols := make([][]store.Point, len(names))
	for k, n := range names {
		cols[k] = raw[n]
	}
	base := cols[0]
	idx := make([]int, len(names))
	rows := make([]row, 0, len(base))
	backing := make([]float64, 0, len(base)*len(names))
outer:
	for _, b := range base {
		start := len(backing)
		backing = append(backing, b.V)
		for k := 1; k < len(cols); k++ {
			s := cols[k]
			i := idx[k]
			for i < len(s) && s[i].T < b.T {
				i++
			}
			idx[k] = i
			if i >= len(s) || s[i].T != b.T {
				backing = backing[:start]
				continue outer
			}
			backing = append(backing, s[i].V)
		}
		rows = append(rows, row{T: b.T, V: backing[start:len(backing):len(backing)]})
	}
	return rows
}
