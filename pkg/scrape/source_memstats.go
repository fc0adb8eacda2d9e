package scrape

import (
	"bytes"
	"context"
	"errors"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
)

// memSources lists the MemStats sources, cheapest first: /debug/vars is ~4 KB, the heap
// profile 7–18 KB; both cost the target one ReadMemStats.
var memSources = []Source{SourceExpvar, SourceHeapDebug}

// path returns the endpoint a source is read from.
func (src Source) path() string {
	if src == SourceHeapDebug {
		return pathHeap
	}
	return pathVars
}

// readMemStats reads MemStats from the source that answered last, falling back to the other
// one on the same scrape when it fails.
func (s *Scraper) readMemStats(ctx context.Context, t target) (*memstats.MemStats, Source, error) {
	var ms *memstats.MemStats
	src, err := detect(&s.memSources, t.name, "MemStats", memSources, func(src Source) *TargetError {
		var te *TargetError
		ms, te = s.fetchMemStats(ctx, t, src)
		return te
	})
	if err != nil {
		return nil, "", err
	}
	return ms, src, nil
}

// fetchMemStats reads and parses MemStats from one source.
func (s *Scraper) fetchMemStats(ctx context.Context, t target, src Source) (*memstats.MemStats, *TargetError) {
	endpoint := src.path()
	body, te := s.get(ctx, t, endpoint)
	if te != nil {
		return nil, te
	}
	fail := func(kind Kind, err error) (*memstats.MemStats, *TargetError) {
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: kind, Err: err}
	}

	var (
		ms  *memstats.MemStats
		err error
	)
	switch src {
	case SourceExpvar:
		// Anything that is not a JSON object (an HTML login page, a SPA's index) is another
		// application answering on that path, not a broken expvar.
		if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return fail(KindNotPprof, because(nil, "not a Go pprof endpoint: expected expvar JSON, got %s", describe(body)))
		}
		ms, err = memstats.ParseExpvar(body)
		if errors.Is(err, memstats.ErrNoMemStats) {
			return fail(KindNotPprof, because(err, "not a Go pprof endpoint: the JSON has no memstats"))
		}
	case SourceHeapDebug:
		ms, err = memstats.ParseHeapDebugTrailer(body)
		if errors.Is(err, memstats.ErrNoTrailer) {
			return fail(KindNotPprof, because(err, "not a Go pprof endpoint: expected a heap profile with a # runtime.MemStats trailer, got %s", describe(body)))
		}
	}
	if err != nil {
		return fail(KindMalformed, because(err, "malformed response: %s", err))
	}
	return ms, nil
}

// describe names what a body looks like, for messages about an unexpected answer.
func describe(body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return "an empty body"
	case b[0] == '<':
		return "an HTML page"
	case b[0] == '{' || b[0] == '[':
		return "other JSON"
	case bytes.HasPrefix(b, []byte("heap profile:")):
		return "a heap profile without it"
	}
	return "other content"
}
