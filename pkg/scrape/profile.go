package scrape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// ErrNotServed is wrapped by the error of a profile or dump request the target answered with
// 404: it does not serve that profile (goroutineleak before Go 1.27 without its
// GOEXPERIMENT, or a mux that registers only some pprof handlers). Callers test it with
// errors.Is to back off instead of asking again on every interval.
var ErrNotServed = errors.New("not served by the target")

// MaxGoroutineDumpBytes caps a goroutine?debug=2 body. The runtime stops growing its buffer
// at 64 MiB and silently truncates the dump there, so no real dump is larger; the extra MiB
// is headroom, so that a dump at the runtime's limit is never refused.
const MaxGoroutineDumpBytes = 64<<20 + 1<<20

// pathGoroutineDump is the full goroutine dump; pathGoroutine (debug=1) is in fetch.go.
const pathGoroutineDump = "/debug/pprof/goroutine?debug=2"

// ProfileFetcher fetches the raw profiles and goroutine dumps of a target. The collector
// depends on this interface only; *Scraper implements it.
type ProfileFetcher interface {
	// FetchProfile returns the body of one debug=0 profile (or CPU profile) as the target
	// sent it: gzip-compressed protobuf.
	FetchProfile(ctx context.Context, target string, pt models.ProfileType) ([]byte, error)
	// FetchGoroutines returns the body of goroutine?debug=1 (grouped stacks) or
	// goroutine?debug=2 (every goroutine with its wait time and creator).
	FetchGoroutines(ctx context.Context, target string, debug int) ([]byte, error)
}

var _ ProfileFetcher = (*Scraper)(nil)

// gzipMagic starts every gzip stream; net/http/pprof sends debug=0 profiles gzip-compressed
// but without a Content-Encoding header, so the HTTP client leaves them compressed.
var gzipMagic = []byte{0x1f, 0x8b}

// ProfileEndpoint returns the endpoint, relative to a target's base URL, that a profile type
// is fetched from: `/debug/pprof/<path>?debug=0`, or `/debug/pprof/profile?seconds=N` for
// CPU. It never asks for gc=1, which would run a GC on the observed service and distort the
// heap being measured. allocs has no endpoint of its own: it is read from heap snapshots.
func ProfileEndpoint(pt models.ProfileType, cpuSeconds int) (string, error) {
	info, ok := models.LookupProfileType(pt)
	if !ok {
		return "", fmt.Errorf("unknown profile type %q", pt)
	}
	if info.StoredAs != info.Type {
		return "", fmt.Errorf("profile type %q is not fetched: its data comes from the %s profile", pt, info.StoredAs)
	}
	if pt == models.ProfileCPU {
		if cpuSeconds <= 0 || cpuSeconds > models.MaxCPUProfileSeconds {
			return "", fmt.Errorf("cpu profile length %d s is outside 1..%d s", cpuSeconds, models.MaxCPUProfileSeconds)
		}
		return "/debug/pprof/" + info.Path + "?seconds=" + strconv.Itoa(cpuSeconds), nil
	}
	return "/debug/pprof/" + info.Path + "?debug=0", nil
}

// FetchProfile fetches one profile of the named target and returns its body unchanged, still
// gzip-compressed; decoding (with its own cap on the decompressed size) is the caller's job.
// The compressed body is capped at the data source's maximum profile size. A 404 gives an
// error wrapping ErrNotServed. The request waits for the target's expensive-request slot, so
// it never overlaps another profile, CPU profile or debug=2 dump of the same target, but it
// does not hold up the runtime scrape. A CPU profile's request may take the configured
// timeout plus the profile's length. When ctx ends first, FetchProfile returns at once but
// the request finishes in the background, holding the slot (see getDetached).
func (s *Scraper) FetchProfile(ctx context.Context, name string, pt models.ProfileType) ([]byte, error) {
	endpoint, err := ProfileEndpoint(pt, s.cpuSeconds)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", name, err)
	}
	b := bounds{timeout: s.timeout, maxBytes: s.maxProfileBytes, hint: hintProfileSize}
	if pt == models.ProfileCPU {
		b.timeout += time.Duration(s.cpuSeconds) * time.Second
	}
	body, err := s.fetch(ctx, name, endpoint, laneExpensive, b)
	if err != nil {
		return nil, err
	}
	// A raw (uncompressed) protobuf is still a valid profile for the decoder; only an answer
	// that is plainly something else (a login page, JSON, nothing) is refused here.
	if b := bytes.TrimSpace(body); !bytes.HasPrefix(body, gzipMagic) && (len(b) == 0 || b[0] == '<' || b[0] == '{' || b[0] == '[') {
		return nil, &TargetError{Target: name, Endpoint: endpoint, Kind: KindNotPprof,
			Err: because(nil, "not a Go pprof endpoint: expected a gzip-compressed profile, got %s", describe(body))}
	}
	return body, nil
}

// FetchGoroutines fetches goroutine?debug=1 or goroutine?debug=2 from the named target.
//
// debug=1 is cheap (a short stop-the-world, a body that grows with the number of distinct
// stacks) and goes through the runtime slot like the runtime scrape, bounded by the maximum
// response size. debug=2 stops the target's world for the whole dump and retries as its
// buffer doubles, so it goes through the expensive slot (never two dumps of one target at
// once, even when a caller gives up on one: see getDetached) and is bounded by
// MaxGoroutineDumpBytes.
func (s *Scraper) FetchGoroutines(ctx context.Context, name string, debug int) ([]byte, error) {
	var (
		endpoint, want string
		l              lane
		b              bounds
	)
	switch debug {
	case 1:
		endpoint, want, l = pathGoroutine, "goroutine profile:", laneRuntime
		b = bounds{timeout: s.timeout, maxBytes: s.maxBytes, hint: hintResponseSize}
	case 2:
		endpoint, want, l = pathGoroutineDump, "goroutine ", laneExpensive
		b = bounds{timeout: s.timeout, maxBytes: MaxGoroutineDumpBytes, hint: hintDumpSize}
	default:
		return nil, fmt.Errorf("target %q: goroutine debug level %d is not 1 or 2", name, debug)
	}
	body, err := s.fetch(ctx, name, endpoint, l, b)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte(want)) {
		return nil, &TargetError{Target: name, Endpoint: endpoint, Kind: KindNotPprof,
			Err: because(nil, "not a Go pprof endpoint: expected a goroutine dump, got %s", describe(body))}
	}
	return body, nil
}

// fetch sends one request in lane l, turning a 404 into ErrNotServed.
func (s *Scraper) fetch(ctx context.Context, name, endpoint string, l lane, b bounds) ([]byte, error) {
	t, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx, t, l)
	if err != nil {
		return nil, err
	}
	var (
		body []byte
		te   *TargetError
	)
	if l == laneExpensive {
		body, te = s.getDetached(ctx, t, endpoint, b, release)
	} else {
		defer release()
		body, te = s.getBounded(ctx, t, endpoint, b)
	}
	if te != nil {
		if te.Kind == KindNotFound {
			te.Err = because(errors.Join(ErrNotServed, te.Err), "%s (%s)", ErrNotServed, te.Err)
		}
		return nil, te
	}
	return body, nil
}

// getDetached sends an expensive request that outlives its caller: when ctx ends first, the
// caller gets a timeout or cancellation at once, while the request runs on in the background
// until the target answers or its own timeout passes, and only then calls release. A
// target writes a dump (or a heap profile) whole whether or not anyone still reads it, and
// keeps a CPU profile running for its seconds, so giving up the target's slot early would
// only let the next expensive request (another collector's, or the next instance's after a
// settings change) pile onto the work still under way there.
func (s *Scraper) getDetached(ctx context.Context, t target, endpoint string, b bounds, release func()) ([]byte, *TargetError) {
	type result struct {
		body []byte
		te   *TargetError
	}
	limit := effectiveTimeout(ctx, b.timeout)
	done := make(chan result, 1)
	go func() {
		defer release()
		body, te := s.getBounded(context.WithoutCancel(ctx), t, endpoint, b)
		done <- result{body, te}
	}()
	select {
	case r := <-done:
		return r.body, r.te
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: KindTimeout, Err: because(ctx.Err(), "timed out after %s", limit)}
		}
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: KindCanceled, Err: because(ctx.Err(), "canceled")}
	}
}
