package main

import (
	"math"
	"time"
)

// maxCatchUp bounds the elapsed time a single tick may account for. Without it a process
// that was suspended (SIGSTOP, a laptop lid, a debugger breakpoint) would allocate the whole
// backlog in one burst on resume, which looks like a spike no real leak produces.
const maxCatchUp = 2 * time.Second

// maxRate bounds every rate so rate × maxCatchUp always fits in an int64 count of units.
const maxRate = 1e12

// accumulator turns a rate into whole units per tick. Tickers drift and rates rarely
// divide into whole bytes or goroutines per tick, so rounding each tick on its own would
// make the long-run slope wrong (0.4 goroutines per tick would never start one). Carrying
// the fractional remainder keeps the units released within one unit of rate × elapsed for
// the whole run, which is what the tests and the plugin's slope estimates compare against.
type accumulator struct {
	carry float64
}

// take returns how many whole units are due after elapsed time at rate units per second and
// keeps the fraction for the next call. A rate of zero (a stopped pattern) drops the carry
// so that restarting the pattern later does not release a stale fraction immediately.
func (a *accumulator) take(rate float64, elapsed time.Duration) int64 {
	if !(rate > 0) || rate > maxRate {
		a.carry = 0
		return 0
	}
	if elapsed <= 0 {
		return 0
	}
	elapsed = min(elapsed, maxCatchUp)
	due := a.carry + rate*elapsed.Seconds()
	whole := math.Floor(due)
	a.carry = due - whole
	return int64(whole)
}
