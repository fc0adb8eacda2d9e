// Package collector scrapes every configured target on its interval and appends the samples
// to the store, and, when given sinks, fetches each target's profiles and goroutine dumps on
// their own schedules and hands them over. Queries never wait on it: they read what it has
// stored.
package collector

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// Status is the outcome of a target's most recent scrape, for frame notices and Save & test.
type Status struct {
	LastAttempt time.Time
	LastSuccess time.Time
	// LastError is nil when the most recent scrape succeeded.
	LastError error
	Source    scrape.Source
}

// Collector runs one scrape loop per target.
type Collector struct {
	scraper  scrape.RuntimeScraper
	store    store.Store
	targets  []string
	interval time.Duration
	timeout  time.Duration
	seed     string
	logger   log.Logger

	// Profile and goroutine collection; see profiles.go and goroutines.go. The sinks are
	// nil when it is off.
	fetcher          scrape.ProfileFetcher
	profileSink      ProfileSink
	goroutineSink    GoroutineSink
	profileIntervals map[models.ProfileType]time.Duration
	dumpInterval     time.Duration
	dumpCeiling      int

	mu       sync.Mutex
	status   map[string]Status
	procs    map[string]*process
	profiles map[profileKey]FetchStatus
	groups   map[string]FetchStatus
	dumps    map[string]DumpStatus
	counts   map[string]goroutineCount

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Config holds what a Collector needs besides its scraper and store.
type Config struct {
	Targets  []string
	Interval time.Duration
	// Timeout bounds one scrape (all its requests).
	Timeout time.Duration
	// Seed spreads the start offsets of different data sources scraping the same targets.
	Seed   string
	Logger log.Logger

	// Fetcher fetches profiles and goroutine dumps; when nil, the scraper passed to New is
	// used if it is a scrape.ProfileFetcher (as *scrape.Scraper is).
	Fetcher scrape.ProfileFetcher
	// ProfileSink receives every fetched debug=0 and CPU profile; nil switches profile
	// collection off.
	ProfileSink ProfileSink
	// ProfileIntervals is the schedule of each profile type to collect (see
	// models.PluginSettings.ProfileIntervals); types not fetched from targets (allocs) are
	// ignored, and CPU runs only when present.
	ProfileIntervals map[models.ProfileType]time.Duration
	// CPUProfileSeconds is the length of a CPU profile; a CPU interval not longer than it is
	// refused, because the profiles would overlap.
	CPUProfileSeconds int
	// GoroutineSink receives goroutine?debug=1 bodies (on every runtime tick) and
	// goroutine?debug=2 dumps; nil switches both off.
	GoroutineSink GoroutineSink
	// GoroutineDumpInterval spaces the debug=2 dumps; 0 switches them off.
	GoroutineDumpInterval time.Duration
	// GoroutineDumpCeiling is the largest goroutine count at which a dump is still taken;
	// 0 means models.DefaultGoroutineDumpCeiling.
	GoroutineDumpCeiling int
}

// New creates a collector; Start begins scraping.
func New(sc scrape.RuntimeScraper, st store.Store, cfg Config) *Collector {
	if cfg.Logger == nil {
		cfg.Logger = log.DefaultLogger
	}
	if cfg.Timeout <= 0 || cfg.Timeout > cfg.Interval {
		// A scrape must not outlive its interval, or a hung target would pile up scrapes.
		cfg.Timeout = cfg.Interval
	}
	c := &Collector{
		scraper: sc, store: st, targets: cfg.Targets, interval: cfg.Interval, timeout: cfg.Timeout,
		seed: cfg.Seed, logger: cfg.Logger,
		status: make(map[string]Status), procs: make(map[string]*process),
		profiles: make(map[profileKey]FetchStatus), groups: make(map[string]FetchStatus),
		dumps: make(map[string]DumpStatus), counts: make(map[string]goroutineCount),
	}
	c.configureProfiles(sc, cfg)
	return c
}

// Start launches one runtime loop per target, and with sinks configured one loop per target
// and profile type and one goroutine-dump loop per target. Each loop first fires at its own
// offset within its interval so that targets (and data sources) are not scraped in bursts.
func (c *Collector) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	for _, t := range c.targets {
		c.wg.Add(1)
		go func(target string) {
			defer c.wg.Done()
			c.loop(ctx, target)
		}(t)
		c.startProfileLoops(ctx, t)
	}
}

// Stop ends every loop and waits for in-flight scrapes, fetches and sink calls to finish or
// time out.
func (c *Collector) Stop() {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
}

// Status returns the latest scrape status of a target, and false before its first scrape.
func (c *Collector) Status(target string) (Status, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.status[target]
	return s, ok
}

// Interval is the scrape interval.
func (c *Collector) Interval() time.Duration { return c.interval }

// loop is a target's runtime loop. goroutine?debug=1 rides on its tick rather than on a
// loop of its own: the two short stop-the-world requests of a tick then run back to back,
// the groups share the samples' timestamps, and the count they give is at most one
// interval old when a debug=2 dump is decided.
func (c *Collector) loop(ctx context.Context, target string) {
	var groups backoff
	every(ctx, c.interval, c.offset(target), func(tick time.Time) {
		// After a failed scrape the target is down or hung: asking it for the groups
		// too would only double the time the tick takes.
		if snap := c.ScrapeOnce(ctx, target, tick); snap != nil && c.goroutineSink != nil && groups.due() {
			groups.after(c.collectGroups(ctx, target, tick, snap.GoroutineDebug1))
		}
	})
}

// offset is a stable per-target jitter in [0, interval).
func (c *Collector) offset(target string) time.Duration {
	return c.offsetFor(target, c.interval)
}

// ScrapeOnce scrapes one target for the tick at time tick and stores the result. Samples are
// stamped with the tick, not the arrival time: a regular grid compresses far better and
// lines up the series of all targets. It returns the snapshot, or nil when the scrape failed.
func (c *Collector) ScrapeOnce(ctx context.Context, target string, tick time.Time) *scrape.Snapshot {
	sctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	st := c.processState(ctx, target)
	snap, err := c.scraper.ScrapeRuntime(sctx, target)
	tickMs := tick.UnixMilli()
	now := time.Now()
	var samples []store.Sample
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil // shutting down: not the target's fault
		}
		samples = []store.Sample{{Target: target, Series: metrics.RawUp, T: tickMs, V: 0}}
	} else {
		samples = samplesFor(target, tickMs, snap, st)
	}
	if aerr := c.store.Append(ctx, samples); aerr != nil && !errors.Is(aerr, store.ErrClosed) {
		c.logger.Error("could not store samples", "target", target, "error", aerr)
	}
	c.mu.Lock()
	s := c.status[target]
	// Log changes of state, not every failed scrape of a target that stays down.
	if err != nil && (s.LastError == nil || s.LastError.Error() != err.Error()) {
		c.logger.Warn("scrape failed", "target", target, "error", err)
	} else if err == nil && s.LastError != nil {
		c.logger.Info("scrape succeeded again", "target", target)
	}
	s.LastAttempt = now
	s.LastError = err
	if err == nil {
		s.LastSuccess = now
		s.Source = snap.Source
		if snap.HasGoroutines {
			c.counts[target] = goroutineCount{n: snap.Goroutines, at: now}
		}
	}
	c.status[target] = s
	c.mu.Unlock()
	return snap
}

// processState returns the remembered process of a target, on first use restoring it from the
// store so that a plugin restart neither re-records GC cycles nor mistakes the target for a
// new process.
func (c *Collector) processState(ctx context.Context, target string) *process {
	c.mu.Lock()
	st, ok := c.procs[target]
	c.mu.Unlock()
	if ok {
		return st
	}
	st = &process{noTier: c.interval >= metrics.MinuteTierMs*time.Millisecond}
	now := time.Now().UnixMilli()
	last := func(series string) (store.Point, bool) {
		p, ok, err := c.store.Last(ctx, target, series, now)
		return p, ok && err == nil
	}
	if p, ok := last(metrics.RawNumGC); ok {
		st.numGC = uint32(p.V)
		st.known = true
	}
	if p, ok := last(metrics.RawTotalAlloc); ok {
		st.totalAlloc = uint64(p.V)
	}
	if p, ok := last(metrics.RawLastGC); ok {
		st.lastGCNs = uint64(p.V) * 1e6
	}
	if p, ok := last(metrics.RawProcessStart); ok {
		st.start = p.V
	} else {
		st.known = false
	}
	if p, ok := last(metrics.RawGCPause); ok {
		st.lastPauseMs = p.T
	}
	if p, ok := last(metrics.RawHeapPostGC); ok {
		st.lastPostMs = p.T
	}
	c.mu.Lock()
	c.procs[target] = st
	c.mu.Unlock()
	return st
}
