package scrape

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// EndpointCheck is the outcome of one request made by Probe.
type EndpointCheck struct {
	// Path is the endpoint relative to the target's base URL, e.g. "/debug/vars".
	Path string
	// OK is true when the endpoint answered with what was asked for.
	OK bool
	// Detail says in plain words what was found, e.g. "12 goroutines" or "connection refused".
	Detail string
}

// ProbeReport is what Probe found out about one target.
type ProbeReport struct {
	// Target is the target name probed.
	Target string
	// OK is true when MemStats can be read from some source; the goroutine count is optional.
	OK bool
	// Source is where MemStats came from when OK.
	Source Source
	// Goroutines is the goroutine count, valid when HasGoroutines.
	Goroutines int
	// HasGoroutines is true when some endpoint gave a goroutine count.
	HasGoroutines bool
	// Endpoints lists every request made, in order.
	Endpoints []EndpointCheck
	// Err is set when the probe could not start: unknown target, or the caller gave up while
	// an earlier request to the target was still running.
	Err error
}

// Probe checks which runtime endpoints of the named target answer, for Save & test. It asks
// for as little as it can: /debug/pprof/heap?debug=1 only when /debug/vars gives no
// MemStats, goroutine?debug=1 only when the index gives no count and MemStats work, and
// nothing more after a timeout, so a slow target costs the user one timeout rather than
// four. Probe takes the target's in-flight slot like ScrapeRuntime, so running it while
// the collector scrapes never doubles the load on the target.
func (s *Scraper) Probe(ctx context.Context, name string) ProbeReport {
	r := ProbeReport{Target: name}
	t, err := s.lookup(name)
	if err != nil {
		r.Err = err
		return r
	}
	release, err := s.acquire(ctx, t, laneRuntime)
	if err != nil {
		r.Err = err
		return r
	}
	defer release()

	var hostFailure *TargetError
	for _, src := range memSources {
		_, te := s.fetchMemStats(ctx, t, src)
		r.record(src.path(), te, "MemStats")
		if te == nil {
			r.OK, r.Source = true, src
			s.memSources.set(t.name, src)
			break
		}
		if te.Kind.hostWide() {
			hostFailure = te
			break
		}
	}
	if hostFailure != nil && (hostFailure.Kind == KindTimeout || hostFailure.Kind == KindCanceled) {
		return r
	}

	for _, c := range countSources {
		if c == countDebug1 && !r.OK {
			// A stop-the-world goroutine dump is not worth it for a target that cannot be
			// scraped anyway.
			break
		}
		n, te := s.fetchCount(ctx, t, c)
		if te == nil {
			r.Endpoints = append(r.Endpoints, EndpointCheck{Path: c.path(), OK: true, Detail: goroutines(n)})
			r.Goroutines, r.HasGoroutines = n, true
			s.countSources.set(t.name, c)
			break
		}
		r.record(c.path(), te, "")
		if te.Kind.hostWide() {
			break
		}
	}
	return r
}

func (r *ProbeReport) record(path string, te *TargetError, okDetail string) {
	if te == nil {
		r.Endpoints = append(r.Endpoints, EndpointCheck{Path: path, OK: true, Detail: okDetail})
		return
	}
	r.Endpoints = append(r.Endpoints, EndpointCheck{Path: path, Detail: te.Detail()})
}

// Summary returns the report as one line in plain words, e.g.
// `api: ok (MemStats via /debug/vars, 12 goroutines)` or
// `db: /debug/vars: connection refused; /debug/pprof/: connection refused`.
func (r ProbeReport) Summary() string {
	if r.Err != nil {
		return r.Target + ": " + plain(r.Err)
	}
	if !r.OK {
		return r.Target + ": " + r.failures(func(string) bool { return true })
	}
	if r.HasGoroutines {
		return fmt.Sprintf("%s: ok (MemStats via %s, %s)", r.Target, r.Source.path(), goroutines(r.Goroutines))
	}
	countPath := func(p string) bool { return p == pathIndex || p == pathGoroutine }
	return fmt.Sprintf("%s: ok (MemStats via %s; no goroutine count: %s)", r.Target, r.Source.path(), r.failures(countPath))
}

// failures joins the failed checks whose path matches.
func (r ProbeReport) failures(match func(path string) bool) string {
	var parts []string
	for _, e := range r.Endpoints {
		if !e.OK && match(e.Path) {
			parts = append(parts, e.Path+": "+e.Detail)
		}
	}
	if len(parts) == 0 {
		return "no endpoint answered"
	}
	return strings.Join(parts, "; ")
}

// plain returns an error's reason without the `target "x":` prefix the summary already has.
func plain(err error) string {
	var te *TargetError
	switch {
	case errors.As(err, &te):
		return te.Detail()
	case errors.Is(err, ErrUnknownTarget):
		return ErrUnknownTarget.Error()
	}
	return err.Error()
}

func goroutines(n int) string {
	if n == 1 {
		return "1 goroutine"
	}
	return fmt.Sprintf("%d goroutines", n)
}
