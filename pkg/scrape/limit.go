package scrape

import (
	"context"
	"sync"
)

// inflight holds single-slot semaphores per target base URL and lane for the whole process.
// It is global rather than per Scraper because Grafana briefly keeps the old data source
// instance alive next to its replacement, and both may scrape the same targets: each
// request makes the target stop the world for ReadMemStats, so they must never pile up.
// Entries are never removed; there are two per distinct base URL ever configured.
var inflight = struct {
	mu   sync.Mutex
	sems map[string]chan struct{}
}{sems: make(map[string]chan struct{})}

// lane is one of a target's two in-flight slots.
//
// The runtime lane carries the cheap requests of the runtime scrape, Probe and
// goroutine?debug=1 (a short stop-the-world each). The expensive lane carries debug=0
// profiles, CPU profiles and goroutine?debug=2 dumps. They are separate so that a 10 s CPU
// profile or a slow dump never delays the 15 s runtime scrape into a gap in the series, and
// so that at most one expensive request (so at most one debug=2 dump or CPU profile) is in
// flight per target; an expensive request keeps its slot until the target has answered even
// when its caller gave up, since the target does the work anyway. A runtime request may
// therefore run next to an expensive one: at most two requests per target, and a runtime
// request that arrives during a dump's stop-the-world simply waits for it on the target's
// side.
type lane string

const (
	laneRuntime   lane = ""
	laneExpensive lane = "\x00expensive"
)

// acquire waits until no other request of the same lane to the target at key is in flight,
// or until ctx ends. The returned release must be called exactly once.
func acquire(ctx context.Context, key string, l lane) (release func(), err error) {
	key += string(l)
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
