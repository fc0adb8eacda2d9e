package scrape

import (
	"bytes"
	"context"
	"errors"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
)

// countSource is where a goroutine count is read from.
type countSource int

// The goroutine-count sources, cheapest first: the index reports runtime.NumGoroutine()
// without stopping the world; goroutine?debug=1 stops it briefly and grows with the number
// of distinct stacks.
const (
	countIndex countSource = iota
	countDebug1
)

var countSources = []countSource{countIndex, countDebug1}

// path returns the endpoint a count source is read from.
func (c countSource) path() string {
	if c == countDebug1 {
		return pathGoroutine
	}
	return pathIndex
}

// readGoroutines reads the goroutine count from the source that answered last, falling
// back to the other one on the same scrape when it fails. When the count came from
// goroutine?debug=1, that body is returned too.
func (s *Scraper) readGoroutines(ctx context.Context, t target) (int, []byte, error) {
	var (
		n      int
		debug1 []byte
	)
	src, err := detect(&s.countSources, t.name, "goroutine count", countSources, func(c countSource) *TargetError {
		var te *TargetError
		n, debug1, te = s.fetchCountBody(ctx, t, c)
		return te
	})
	if err != nil {
		return 0, nil, err
	}
	if src != countDebug1 {
		debug1 = nil
	}
	return n, debug1, nil
}

// fetchCount reads and parses the goroutine count from one source.
func (s *Scraper) fetchCount(ctx context.Context, t target, c countSource) (int, *TargetError) {
	n, _, te := s.fetchCountBody(ctx, t, c)
	return n, te
}

// fetchCountBody is fetchCount that also returns the body it parsed.
func (s *Scraper) fetchCountBody(ctx context.Context, t target, c countSource) (int, []byte, *TargetError) {
	endpoint := c.path()
	body, te := s.get(ctx, t, endpoint)
	if te != nil {
		return 0, nil, te
	}
	n, te := s.parseCount(t, c, endpoint, body)
	if te != nil {
		return 0, nil, te
	}
	return n, body, nil
}

// parseCount parses the goroutine count from the body of one source.
func (s *Scraper) parseCount(t target, c countSource, endpoint string, body []byte) (int, *TargetError) {
	fail := func(kind Kind, err error) (int, *TargetError) {
		return 0, &TargetError{Target: t.name, Endpoint: endpoint, Kind: kind, Err: err}
	}

	switch c {
	case countIndex:
		n, err := memstats.ParseIndexGoroutines(body)
		if errors.Is(err, memstats.ErrNotPprofIndex) {
			return fail(KindNotPprof, because(err, "not a Go pprof endpoint: expected the pprof index, got %s", describe(body)))
		}
		if err != nil {
			return fail(KindMalformed, because(err, "malformed response: %s", err))
		}
		return n, nil
	default:
		if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("goroutine profile:")) {
			return fail(KindNotPprof, because(nil, "not a Go pprof endpoint: expected a goroutine profile, got %s", describe(body)))
		}
		n, err := memstats.ParseGoroutineDebug1Total(body)
		if err != nil {
			return fail(KindMalformed, because(err, "malformed response: %s", err))
		}
		return n, nil
	}
}
