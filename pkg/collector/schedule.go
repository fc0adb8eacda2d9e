package collector

import (
	"context"
	"hash/fnv"
	"time"
)

// every calls fn once per tick of a fixed grid, tick k at offset + k·interval (wall clock),
// until ctx ends. fn runs on the calling goroutine, so one schedule never has two calls in
// flight; ticks missed while fn ran long are skipped rather than fired back to back, so a
// slow target is asked less often instead of being flooded once it answers.
func every(ctx context.Context, interval, offset time.Duration, fn func(tick time.Time)) {
	next := time.Now().Truncate(interval).Add(offset)
	if !next.After(time.Now()) {
		next = next.Add(interval)
	}
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		fn(next)
		for next = next.Add(interval); !next.After(time.Now()); next = next.Add(interval) {
		}
		timer.Reset(time.Until(next))
	}
}

// offsetFor is a stable jitter in [0, interval) for one schedule, named by key, of this
// collector: the same key always starts at the same point of its interval, while different
// targets, profile types and data sources (through the seed) spread out.
func (c *Collector) offsetFor(key string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(c.seed + "\x00" + key))
	return time.Duration(h.Sum64() % uint64(interval))
}
