package metrics

import "github.com/leakwatch/pprof-datasource/pkg/store"

// maxJoin is the largest number of raw series a catalog metric joins.
const maxJoin = 3

// joined walks the rows of several series aligned on equal timestamps: the timestamps at
// which every one of them has a value. The collector writes all series of a scrape with the
// same timestamp, so this is an exact join, not an interpolation. It yields one row at a time
// instead of building them all: a day of a hundred targets is millions of rows, and every
// metric folds them into far fewer buckets right away.
type joined struct {
	cols [maxJoin][]store.Point
	idx  [maxJoin]int
	n    int
	base int // next index into cols[0]
	// T and V hold the current row after next returned true; V[k] is the k-th series' value.
	T int64
	V [maxJoin]float64
}

// join starts a walk over the named series of raw.
func join(raw map[string][]store.Point, names ...string) joined {
	if len(names) > maxJoin {
		panic("metrics: joining more series than maxJoin")
	}
	j := joined{n: len(names)}
	for k, n := range names {
		j.cols[k] = raw[n]
	}
	return j
}

// rows is the number of points of the first series, an upper bound of the rows.
func (j *joined) rows() int { return len(j.cols[0]) }

// next advances to the next row and reports whether there is one.
func (j *joined) next() bool {
	base := j.cols[0]
	for b := j.base; b < len(base); b++ {
		t := base[b].T
		if j.align(t) {
			j.base, j.T, j.V[0] = b+1, t, base[b].V
			return true
		}
	}
	j.base = len(base)
	return false
}

// align moves every series after the first to its first point at or after t and reports
// whether all of them have a point at t, whose values it then copies into V.
func (j *joined) align(t int64) bool {
	for k := 1; k < j.n; k++ {
		s := j.cols[k]
		i := j.idx[k]
		for i < len(s) && s[i].T < t {
			i++
		}
		j.idx[k] = i
		if i >= len(s) || s[i].T != t {
			return false
		}
		j.V[k] = s[i].V
	}
	return true
}
