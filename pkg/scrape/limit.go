package scrape

import (
	"context"
	"sync"
)

// inflight holds one single-slot semaphore per target base URL for the whole process.
// It is global rather than per Scraper because Grafana briefly keeps the old data source
// instance alive next to its replacement, and both may scrape the same targets: each
// request makes the target stop the world for ReadMemStats, so they must never pile up.
// Entries are never removed; there is one per distinct base URL ever configured.
var inflight = struct {
	mu   sync.Mutex
	sems map[string]chan struct{}
}{sems: make(map[string]chan struct{})}

// acquire waits until no other request to the target at key is in flight, or until ctx
// ends. The returned release must be called exactly once.
func acquire(ctx context.Context, key string) (release func(), err error) {
	inflight.mu.Lock()
	sem, ok := inflight.sems[key]
	if !ok {
		sem = make(chan struct{}, 1)
		inflight.sems[key] = sem
	}
	inflight.mu.Unlock()

	// A done context must not win a race with a free slot, or a canceled scrape could
	// still send requests.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
