package goroutines

import (
	"slices"
	"time"
)

// WaitNote is the text the UI shows next to wait times.
const WaitNote = "Wait minutes start counting only at the first garbage collection that saw the goroutine blocked, " +
	"so they understate the real wait by up to the time between two collections; " +
	"waits under a minute, and waits no collection has seen yet, show as 0."

// DefaultStaleAfter is the wait after which a blocked goroutine counts as stale.
const DefaultStaleAfter = 10 * time.Minute

// staleMinutes turns a threshold into the smallest printed minute count that proves a wait
// of at least that long: the runtime prints whole minutes rounded down, so 90 s needs 2.
func staleMinutes(staleAfter time.Duration) int {
	if staleAfter <= 0 {
		return 0
	}
	return int((staleAfter + time.Minute - 1) / time.Minute)
}

// waitStats accumulates the goroutines of one or more summary groups.
type waitStats struct {
	states map[string]int
	// hist counts goroutines per wait minute, over every status.
	hist  map[int]int
	stale int
}

func (w *waitStats) add(g *SummaryGroup, staleMin int) {
	if w.states == nil {
		w.states, w.hist = map[string]int{}, map[int]int{}
	}
	idle := IdleByDesign(g)
	for st, n := range g.States {
		w.states[st] += n
		shown := 0
		for m, c := range g.Waits[st] {
			w.hist[m] += c
			shown += c
			if m >= staleMin && StaleEligible(st) && !idle {
				w.stale += c
			}
		}
		w.hist[0] += n - shown
		if staleMin == 0 && StaleEligible(st) && !idle {
			w.stale += n - shown
		}
	}
}

func (w *waitStats) maxWait() int {
	m := 0
	for k, n := range w.hist {
		if n > 0 {
			m = max(m, k)
		}
	}
	return m
}

// medianWait is the median of the goroutines' wait minutes (0-minute waits included), the
// mean of the two middle values for an even count.
func (w *waitStats) medianWait() float64 {
	total := 0
	keys := make([]int, 0, len(w.hist))
	for k, n := range w.hist {
		if n > 0 {
			keys = append(keys, k)
			total += n
		}
	}
	if total == 0 {
		return 0
	}
	slices.Sort(keys)
	at := func(rank int) int { // rank is 0-based
		for _, k := range keys {
			if rank < w.hist[k] {
				return k
			}
			rank -= w.hist[k]
		}
		return keys[len(keys)-1]
	}
	if total%2 == 1 {
		return float64(at(total / 2))
	}
	return float64(at(total/2-1)+at(total/2)) / 2
}

// dominant returns the raw status with the most goroutines, ties broken by name.
func (w *waitStats) dominant() string {
	best, bestN := "", 0
	for st, n := range w.states {
		if n > bestN || (n == bestN && st < best) {
			best, bestN = st, n
		}
	}
	return best
}

// StaleCount returns how many goroutines of a debug=2 summary have waited at least
// staleAfter in a StaleEligible status. The runtime prints whole minutes rounded down, so
// the threshold is rounded up to whole minutes; staleAfter ≤ 0 counts every eligible
// goroutine. debug=1 summaries have no waits and give 0: check Source before plotting it.
func StaleCount(s *Summary, staleAfter time.Duration) int {
	if s == nil || s.Source != SourceDump {
		return 0
	}
	var w waitStats
	m := staleMinutes(staleAfter)
	for i := range s.Groups {
		w.add(&s.Groups[i], m)
	}
	return w.stale
}
