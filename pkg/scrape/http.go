package scrape

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

var _ RuntimeScraper = (*Scraper)(nil)

// Scraper reads runtime data from the targets of one data source instance over HTTP. It is
// safe for concurrent use; requests to one target are serialised process-wide.
type Scraper struct {
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
	targets  map[string]target
	// maxProfileBytes caps a debug=0 profile's compressed body; cpuSeconds is the length of
	// a CPU profile.
	maxProfileBytes int64
	cpuSeconds      int

	// The sources that answered last, per target name, so a steady-state scrape sends one
	// request per datum instead of probing every endpoint each time.
	memSources   remembered[Source]
	countSources remembered[countSource]
}

// target is a configured target with its base URL parsed once.
type target struct {
	name string
	base *url.URL
	// key is the normalised base URL, naming the target's slot in the in-flight semaphore.
	key string
	err error
}

// New returns a Scraper for the targets in ps, sending requests with client (normally built
// by NewHTTPClient). Every request is bounded by ps.Timeout and ps.MaxResponseBytes (debug=0
// profiles by ps.MaxProfileBytes, CPU profiles by ps.Timeout plus ps.CPUProfileSeconds);
// zero values fall back to the models defaults.
func New(client *http.Client, ps *models.PluginSettings) *Scraper {
	if client == nil {
		client = &http.Client{CheckRedirect: sameHostRedirects}
	}
	s := &Scraper{
		client:   client,
		timeout:  ps.Timeout,
		maxBytes: ps.MaxResponseBytes,
		targets:  make(map[string]target, len(ps.Targets)),
	}
	if s.timeout <= 0 {
		s.timeout = models.DefaultTimeout
	}
	if s.maxBytes <= 0 {
		s.maxBytes = models.DefaultMaxResponseBytes
	}
	s.maxProfileBytes = ps.MaxProfileBytes
	if s.maxProfileBytes <= 0 {
		s.maxProfileBytes = models.DefaultMaxProfileBytes
	}
	s.cpuSeconds = min(ps.CPUProfileSeconds, models.MaxCPUProfileSeconds)
	if s.cpuSeconds <= 0 {
		s.cpuSeconds = models.DefaultCPUProfileSeconds
	}
	for _, t := range ps.Targets {
		s.targets[t.Name] = parseTarget(t)
	}
	return s
}

// parseTarget parses a target's base URL. Its errors do not repeat the URL, which may hold
// credentials (user:password@host) or a token in its query.
func parseTarget(t models.Target) target {
	u, err := url.Parse(strings.TrimSpace(t.URL))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return target{name: t.Name, err: fmt.Errorf("target %q: invalid base URL: %w", t.Name, err)}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return target{name: t.Name, err: fmt.Errorf("target %q: the base URL is not an http(s) URL", t.Name)}
	}
	key := strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimSuffix(u.Path, "/")
	return target{name: t.Name, base: u, key: key}
}

// ScrapeRuntime reads the MemStats and the goroutine count of the named target. A failed
// goroutine count still returns the Snapshot, with HasGoroutines false and GoroutineErr
// set; a failed MemStats read returns an error (a *TargetError or *FallbackError when the
// target is at fault).
func (s *Scraper) ScrapeRuntime(ctx context.Context, name string) (*Snapshot, error) {
	t, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx, t, laneRuntime)
	if err != nil {
		return nil, err
	}
	defer release()

	ms, src, err := s.readMemStats(ctx, t)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Time: time.Now(), MemStats: ms, Source: src}
	if n, debug1, err := s.readGoroutines(ctx, t); err != nil {
		snap.GoroutineErr = err
	} else {
		snap.Goroutines, snap.HasGoroutines, snap.GoroutineDebug1 = n, true, debug1
	}
	return snap, nil
}

func (s *Scraper) lookup(name string) (target, error) {
	t, ok := s.targets[name]
	if !ok {
		return target{}, fmt.Errorf("target %q: %w", name, ErrUnknownTarget)
	}
	return t, t.err
}

// acquire takes the target's in-flight slot of lane l for the whole scrape, so the requests
// of one scrape run back to back and never overlap with another scrape of the same process.
func (s *Scraper) acquire(ctx context.Context, t target, l lane) (func(), error) {
	release, err := acquire(ctx, t.key, l)
	if err == nil {
		return release, nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, &TargetError{Target: t.name, Kind: KindTimeout,
			Err: because(err, "timed out waiting for an earlier request to this target to finish")}
	}
	return nil, &TargetError{Target: t.name, Kind: KindCanceled, Err: because(err, "canceled")}
}
