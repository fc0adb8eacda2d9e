// Package scrape fetches runtime data, profiles and goroutine dumps from a target's pprof and
// expvar endpoints over HTTP, with bounded reads, per-target request serialisation and errors
// phrased for users.
package scrape

import (
	"context"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/memstats"
)

// Source tells where a target's MemStats came from.
type Source string

// The MemStats sources, cheapest first.
const (
	SourceExpvar    Source = "expvar"     // /debug/vars
	SourceHeapDebug Source = "heap-debug" // /debug/pprof/heap?debug=1 trailer
)

// Snapshot is one scrape of one target.
type Snapshot struct {
	// Time is when the response arrived.
	Time time.Time
	// MemStats is always set in a Snapshot returned without error.
	MemStats *memstats.MemStats
	// Source tells which endpoint MemStats came from; the two differ slightly (only expvar
	// has PauseTotalNs, only the heap trailer has MaxRSS).
	Source Source
	// Goroutines is the goroutine count, valid when HasGoroutines.
	Goroutines int
	// HasGoroutines is false when no goroutine count could be read (MemStats may still be set).
	HasGoroutines bool
	// GoroutineErr explains a failed goroutine count while MemStats succeeded; it is a
	// *TargetError or a *FallbackError.
	GoroutineErr error
	// GoroutineDebug1 is the goroutine?debug=1 body when the count was read from it (the
	// target's pprof index is not net/http/pprof's), so that a caller wanting that body too
	// does not make the target stop its world for it twice; nil otherwise.
	GoroutineDebug1 []byte
}

// RuntimeScraper reads a target's MemStats and goroutine count. The collector depends on this
// interface only, so its tests use a fake.
type RuntimeScraper interface {
	ScrapeRuntime(ctx context.Context, target string) (*Snapshot, error)
}
