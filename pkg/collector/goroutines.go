package collector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// countStaleAfter is how many runtime intervals a goroutine count stays good enough to
// decide on a dump. An older count means the runtime scrapes are failing, and the target may
// have grown far past the ceiling since.
const countStaleAfter = 3

// reasonNoCount is why a dump is skipped before the target's first goroutine count.
const reasonNoCount = "no goroutine count known yet: a dump is taken only once the count is at or below the ceiling"

// goroutineCount is the latest goroutine count of a target and when it was read.
type goroutineCount struct {
	n  int
	at time.Time
}

// collectGroups fetches goroutine?debug=1 for the runtime tick, unless the runtime scrape
// already read it for the count (scraped is then that body), and hands it to the sink; its
// total also becomes the target's latest goroutine count. It returns the attempt's error.
func (c *Collector) collectGroups(ctx context.Context, target string, tick time.Time, scraped []byte) error {
	body, err := scraped, error(nil)
	if body == nil {
		fctx, cancel := context.WithTimeout(ctx, c.timeout)
		body, err = c.fetcher.FetchGoroutines(fctx, target, 1)
		cancel()
	}
	sinkFailed := false
	if err == nil {
		if n, perr := memstats.ParseGoroutineDebug1Total(body); perr == nil {
			c.mu.Lock()
			c.counts[target] = goroutineCount{n: n, at: time.Now()}
			c.mu.Unlock()
		}
		if serr := c.goroutineSink.StoreGoroutines(ctx, target, 1, tick, body); serr != nil {
			err = fmt.Errorf("target %q: storing goroutine?debug=1: %w", target, serr)
			sinkFailed = true
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	c.mu.Lock()
	c.groups[target] = c.advance(c.groups[target], target, "goroutine?debug=1", time.Now(), len(body), err, sinkFailed)
	c.mu.Unlock()
	return err
}

// dumpLoop takes a target's goroutine?debug=2 dumps on the dump schedule. Being one loop per
// target that waits for each dump, it never has two dumps of its target in flight; the
// scraper's expensive-request slot extends that to every collector of the process, and to
// dumps their callers gave up on. A dump that timed out is followed by the same back-off as
// a 404: the target is struggling, and it is probably still writing the abandoned dump.
func (c *Collector) dumpLoop(ctx context.Context, target string) {
	var b backoff
	every(ctx, c.dumpInterval, c.offsetFor(target+"\x00goroutine?debug=2", c.dumpInterval), func(tick time.Time) {
		if !b.due() {
			return
		}
		err := c.collectDump(ctx, target, tick)
		b.after(err)
		if scrape.KindOf(err) == scrape.KindTimeout {
			b.skip = NotServedReprobe - 1
		}
	})
}

// collectDump takes one dump for the tick, unless the target's latest goroutine count is
// unknown, stale or above the ceiling: a dump stops the target's world for as long as it
// takes to write, which grows with the number of goroutines. It returns the attempt's error
// (nil when skipped).
func (c *Collector) collectDump(ctx context.Context, target string, tick time.Time) error {
	now := time.Now()
	c.mu.Lock()
	st := c.dumps[target]
	cnt, known := c.counts[target]
	st.Ceiling = c.dumpCeiling
	st.Count, st.CountTime, st.HasCount = cnt.n, cnt.at, known
	reason := c.skipReason(cnt, known, now)
	// Waiting for the first count is routine right after a start and not worth a log line.
	if reason != "" {
		if reason != reasonNoCount && (!st.Skipping || st.SkipReason == reasonNoCount) {
			c.logger.Info("goroutine dump skipped", "target", target, "reason", reason)
		}
		st.Skipping, st.LastSkip, st.SkipReason = true, now, reason
		c.dumps[target] = st
		c.mu.Unlock()
		if reason != reasonNoCount && known {
			// Kept as history, so dashboards can mark each skipped dump.
			skipped := []store.Sample{{Target: target, Series: metrics.RawDumpSkipped, T: tick.UnixMilli(), V: float64(cnt.n)}}
			if err := c.store.Append(ctx, skipped); err != nil && !errors.Is(err, store.ErrClosed) {
				c.logger.Error("could not store a skipped dump", "target", target, "error", err)
			}
		}
		return nil
	}
	if st.Skipping && st.SkipReason != reasonNoCount {
		c.logger.Info("goroutine dumps resumed", "target", target, "goroutines", cnt.n)
	}
	st.Skipping = false
	c.dumps[target] = st
	c.mu.Unlock()

	// A dump given up at the interval still holds the target's expensive-request slot until
	// the target has finished writing it (see scrape.Scraper.FetchGoroutines), so the next
	// tick's dump cannot pile onto it.
	fctx, cancel := context.WithTimeout(ctx, c.dumpInterval)
	body, err := c.fetcher.FetchGoroutines(fctx, target, 2)
	cancel()
	sinkFailed := false
	if err == nil {
		if serr := c.goroutineSink.StoreGoroutines(ctx, target, 2, tick, body); serr != nil {
			err = fmt.Errorf("target %q: storing goroutine?debug=2: %w", target, serr)
			sinkFailed = true
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	c.mu.Lock()
	st = c.dumps[target]
	st.FetchStatus = c.advance(st.FetchStatus, target, "goroutine?debug=2", time.Now(), len(body), err, sinkFailed)
	c.dumps[target] = st
	c.mu.Unlock()
	return err
}

// skipReason says why no dump may be taken now, or "" when one may.
func (c *Collector) skipReason(cnt goroutineCount, known bool, now time.Time) string {
	switch {
	case !known:
		return reasonNoCount
	case now.Sub(cnt.at) > countStaleAfter*c.interval:
		age := now.Sub(cnt.at)
		if age >= time.Second {
			age = age.Round(time.Second)
		}
		return fmt.Sprintf("the latest goroutine count (%d) is %s old: the runtime scrapes are failing", cnt.n, age.Round(time.Millisecond))
	case cnt.n > c.dumpCeiling:
		return fmt.Sprintf("%d goroutines is above the dump ceiling of %d", cnt.n, c.dumpCeiling)
	}
	return ""
}
