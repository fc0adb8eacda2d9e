package scrape

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// recheckCheaperAfter is how long a target stays on a fallback source before the cheaper
// one is tried again, so one transient failure of /debug/vars or of the index does not
// leave the target on the costlier endpoint for the life of the instance.
var recheckCheaperAfter = 10 * time.Minute

// remembered keeps, per target name, the source that answered last and since when.
type remembered[C comparable] struct {
	mu sync.Mutex
	m  map[string]choice[C]
}

type choice[C comparable] struct {
	source C
	since  time.Time
}

func (r *remembered[C]) get(target string) (choice[C], bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.m[target]
	return c, ok
}

func (r *remembered[C]) set(target string, c C) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]choice[C])
	}
	r.m[target] = choice[C]{source: c, since: time.Now()}
}

// detect tries the sources of one datum (all, cheapest first), the remembered one first,
// and remembers the first that answers. A fallback that works keeps being used for
// recheckCheaperAfter, then the cheaper sources get another chance; rechecking on every
// scrape would double the requests to targets that simply lack the cheap endpoint. After a
// host-wide failure (refused, timeout, …) the other sources are not tried, because they
// would fail the same way.
func detect[C comparable](mem *remembered[C], targetName, datum string, all []C, try func(C) *TargetError) (C, error) {
	order := all
	last, remembered := mem.get(targetName)
	remembered = remembered && (last.source == all[0] || time.Since(last.since) < recheckCheaperAfter)
	if remembered {
		order = append([]C{last.source}, slices.DeleteFunc(slices.Clone(all), func(c C) bool { return c == last.source })...)
	}
	var failed []*TargetError
	for i, c := range order {
		te := try(c)
		if te == nil {
			// Keep the time of the original choice while the remembered source works, so
			// the recheck comes due.
			if i > 0 || !remembered {
				mem.set(targetName, c)
			}
			return c, nil
		}
		failed = append(failed, te)
		if te.Kind.hostWide() {
			break
		}
	}
	var zero C
	return zero, combine(targetName, datum, failed)
}

// combine reports the failures of every source tried: the single error itself, or a
// FallbackError with the most telling failure first.
func combine(targetName, datum string, failed []*TargetError) error {
	if len(failed) == 1 {
		return failed[0]
	}
	slices.SortStableFunc(failed, func(a, b *TargetError) int {
		return cmp.Compare(b.Kind.relevance(), a.Kind.relevance())
	})
	return &FallbackError{Target: targetName, Datum: datum, Attempts: failed}
}
