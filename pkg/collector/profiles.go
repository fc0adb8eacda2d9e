package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
)

// configureProfiles takes the profile and goroutine settings of cfg. Anything it cannot
// honour is logged and left off rather than failing the instance: the runtime series must
// keep working.
func (c *Collector) configureProfiles(sc scrape.RuntimeScraper, cfg Config) {
	if cfg.ProfileSink == nil && cfg.GoroutineSink == nil {
		return
	}
	c.fetcher = cfg.Fetcher
	if c.fetcher == nil {
		c.fetcher, _ = sc.(scrape.ProfileFetcher)
	}
	if c.fetcher == nil {
		c.logger.Warn("profile and goroutine collection is off: the scraper cannot fetch profiles")
		return
	}
	c.goroutineSink = cfg.GoroutineSink
	if c.goroutineSink != nil {
		c.dumpInterval = cfg.GoroutineDumpInterval
		c.dumpCeiling = cfg.GoroutineDumpCeiling
		if c.dumpCeiling <= 0 {
			c.dumpCeiling = models.DefaultGoroutineDumpCeiling
		}
	}
	c.profileSink = cfg.ProfileSink
	if c.profileSink == nil {
		return
	}
	cpuSeconds := cfg.CPUProfileSeconds
	if cpuSeconds <= 0 {
		cpuSeconds = models.DefaultCPUProfileSeconds
	}
	collected := models.CollectedProfileTypes()
	c.profileIntervals = make(map[models.ProfileType]time.Duration)
	for pt, d := range cfg.ProfileIntervals {
		switch {
		case !slices.Contains(collected, pt):
			c.logger.Warn("profile type is not fetched from targets, ignoring its interval", "profileType", pt)
		case d <= 0:
		case pt == models.ProfileCPU && d <= time.Duration(cpuSeconds)*time.Second:
			c.logger.Warn("cpu profiles are off: the interval must be longer than the profile", "interval", d, "seconds", cpuSeconds)
		default:
			c.profileIntervals[pt] = d
		}
	}
}

// ProfileTypes returns the profile types being collected, in models.ProfileTypeInfos order;
// it is empty when profile collection is off.
func (c *Collector) ProfileTypes() []models.ProfileType {
	var out []models.ProfileType
	for _, pt := range models.CollectedProfileTypes() {
		if _, ok := c.profileIntervals[pt]; ok {
			out = append(out, pt)
		}
	}
	return out
}

// ProfileInterval returns the collection interval of a profile type, and false when the
// type is not collected.
func (c *Collector) ProfileInterval(pt models.ProfileType) (time.Duration, bool) {
	d, ok := c.profileIntervals[pt]
	return d, ok
}

// startProfileLoops launches a target's profile loops and its goroutine-dump loop.
func (c *Collector) startProfileLoops(ctx context.Context, target string) {
	for _, pt := range c.ProfileTypes() {
		c.wg.Go(func() { c.profileLoop(ctx, target, pt, c.profileIntervals[pt]) })
	}
	if c.goroutineSink != nil && c.dumpInterval > 0 {
		c.wg.Go(func() { c.dumpLoop(ctx, target) })
	}
}

// profileLoop fetches one profile type of one target on its own jittered schedule. A type
// the target does not serve is asked for again only every NotServedReprobe-th tick.
func (c *Collector) profileLoop(ctx context.Context, target string, pt models.ProfileType, interval time.Duration) {
	var b backoff
	every(ctx, interval, c.offsetFor(target+"\x00"+string(pt), interval), func(tick time.Time) {
		if b.due() {
			b.after(c.collectProfile(ctx, target, pt, interval, tick))
		}
	})
}

// collectProfile fetches one profile for the tick and hands it to the sink. The fetch,
// including the wait for the target's expensive-request slot, is bounded by the interval, so
// a hung target never has two fetches of one type pending. It returns the attempt's error.
func (c *Collector) collectProfile(ctx context.Context, target string, pt models.ProfileType, interval time.Duration, tick time.Time) error {
	fctx, cancel := context.WithTimeout(ctx, interval)
	body, err := c.fetcher.FetchProfile(fctx, target, pt)
	cancel()
	sinkFailed := false
	if err == nil {
		if serr := c.profileSink.StoreProfile(ctx, target, pt, tick, body); serr != nil {
			err = fmt.Errorf("target %q: storing the %s profile: %w", target, pt, serr)
			sinkFailed = true
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil // shutting down: not the target's fault
	}
	now := time.Now()
	c.mu.Lock()
	k := profileKey{target, pt}
	c.profiles[k] = c.advance(c.profiles[k], target, string(pt)+" profile", now, len(body), err, sinkFailed)
	c.mu.Unlock()
	return err
}
