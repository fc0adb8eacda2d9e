package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// tickInterval is how often each pattern wakes up. It is well under the plugin's shortest
// scrape interval, so growth looks continuous rather than stepped.
const tickInterval = 50 * time.Millisecond

// churnObjectBytes is the size of each short-lived churn object: small enough that churn
// shows up as many mallocs (GC work) rather than a few large spans.
const churnObjectBytes = 4 << 10

// subsliceHeadBytes is how much of each subslice buffer the program keeps a reference to.
const subsliceHeadBytes = 16

// pattern names one leak pattern. The names are part of the control API (?pattern=).
type pattern string

const (
	patternRegistry   pattern = "registry"
	patternGoroutines pattern = "goroutines"
	patternPool       pattern = "pool"
	patternSubslice   pattern = "subslice"
	patternChurn      pattern = "churn"
	// patternUnclosedBody makes HTTP requests whose response bodies are never closed.
	patternUnclosedBody pattern = "unclosedbody"
	// patternCtxWorker starts workers whose context is never cancelled.
	patternCtxWorker pattern = "ctxworker"
	// patternBlockedSend starts senders blocked on an unbuffered channel with no reader.
	patternBlockedSend pattern = "blockedsend"
)

// allPatterns lists the patterns in a stable order for startup and error messages.
var allPatterns = []pattern{
	patternRegistry, patternGoroutines, patternPool, patternSubslice, patternChurn,
	patternUnclosedBody, patternCtxWorker, patternBlockedSend,
}

// rateUnit is the unit each pattern's rate is expressed in.
func (p pattern) rateUnit() string {
	switch p {
	case patternGoroutines, patternCtxWorker, patternBlockedSend:
		return "goroutines/s"
	case patternUnclosedBody:
		return "requests/s"
	case patternPool:
		return "buffers/s"
	default:
		return "bytes/s"
	}
}

// usesBuffers reports whether the pattern allocates fixed-size buffers, i.e. has a size.
func (p pattern) usesBuffers() bool {
	return p == patternPool || p == patternSubslice
}

// parsePattern validates a pattern name from a request.
func parsePattern(s string) (pattern, error) {
	for _, p := range allPatterns {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown pattern %q (want one of %v)", s, allPatterns)
}

// validateRate rejects rates the accumulator cannot honour.
func validateRate(rate float64) error {
	if math.IsNaN(rate) || rate < 0 || rate > maxRate {
		return fmt.Errorf("rate %v out of range [0, %g]", rate, float64(maxRate))
	}
	return nil
}

// settings is one pattern's current configuration.
type settings struct {
	// rate is in the pattern's rateUnit.
	rate float64
	// bufferBytes is the size of each buffer for the pool and subslice patterns.
	bufferBytes int
}

// unitsPerSecond converts the rate into the unit a tick hands out: bytes for registry and
// churn, goroutines, pool buffers, and whole buffers for subslice (whose rate is in bytes/s
// because the retained bytes, not the buffer count, are what a leak graph shows).
func (p pattern) unitsPerSecond(s settings) float64 {
	switch p {
	case patternPool:
		if s.bufferBytes <= 0 {
			return 0
		}
		return s.rate
	case patternSubslice:
		if s.bufferBytes <= 0 {
			return 0
		}
		return s.rate / float64(s.bufferBytes)
	default:
		return s.rate
	}
}

// leaker owns the pattern settings and the running totals. Settings change at runtime
// through the control endpoint, so they sit behind a mutex; totals are atomics so /leak
// and expvar read them without pausing the patterns.
type leaker struct {
	mu       sync.Mutex
	settings map[pattern]settings

	registryBytes     atomic.Int64
	registryEntries   atomic.Int64
	goroutinesLeaked  atomic.Int64
	poolBuffersPut    atomic.Int64
	poolPutBytes      atomic.Int64
	poolRetainedBytes atomic.Int64
	subsliceBuffers   atomic.Int64
	subsliceBytes     atomic.Int64
	churnBytes        atomic.Int64

	// selfURL is where the unclosedbody pattern sends its requests: this program's own
	// /payload, known only once the listener is up.
	selfURL            string
	bodyClient         *http.Client
	unclosedBodies     atomic.Int64
	unclosedBodyFailed atomic.Int64
	unclosedBodyErr    atomic.Pointer[string]
	ctxWorkersStarted  atomic.Int64
	blockedSenders     atomic.Int64

	// idleGoroutines is how many parked goroutines -idle-goroutines started.
	idleGoroutines int
}

// newLeaker returns a leaker with every pattern stopped and the given buffer sizes.
func newLeaker(poolBufferBytes, subsliceBufferBytes int) *leaker {
	l := &leaker{settings: make(map[pattern]settings, len(allPatterns)), bodyClient: newLeakyClient()}
	for _, p := range allPatterns {
		l.settings[p] = settings{}
	}
	l.settings[patternPool] = settings{bufferBytes: poolBufferBytes}
	l.settings[patternSubslice] = settings{bufferBytes: subsliceBufferBytes}
	return l
}

// get returns a pattern's current settings.
func (l *leaker) get(p pattern) settings {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.settings[p]
}

// set changes a pattern's rate and, when bufferBytes > 0, its buffer size. Memory and
// goroutines already leaked stay where they are: stopping a leak does not fix it.
func (l *leaker) set(p pattern, rate float64, bufferBytes int) error {
	if err := validateRate(rate); err != nil {
		return fmt.Errorf("set %s rate: %w", p, err)
	}
	if bufferBytes < 0 {
		return fmt.Errorf("set %s buffer size: %d is negative", p, bufferBytes)
	}
	if bufferBytes > 0 && !p.usesBuffers() {
		return fmt.Errorf("set %s buffer size: only pool and subslice use buffers", p)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.settings[p]
	s.rate = rate
	if bufferBytes > 0 {
		s.bufferBytes = bufferBytes
	}
	if p.usesBuffers() && s.rate > 0 && s.bufferBytes <= 0 {
		return fmt.Errorf("set %s rate: buffer size is 0; pass a size", p)
	}
	l.settings[p] = s
	return nil
}

// setSelfURL tells the unclosedbody pattern where this program serves /payload.
func (l *leaker) setSelfURL(url string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.selfURL = url
}

// setIdleGoroutines records how many idle goroutines were parked, for the status.
func (l *leaker) setIdleGoroutines(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.idleGoroutines = n
}

// start runs every pattern in its own goroutine until ctx is done. Separate goroutines
// keep a heavy pattern (fast churn) from delaying the others' ticks, and give each pattern
// its own stack in the goroutine profile.
func (l *leaker) start(ctx context.Context, wg *sync.WaitGroup) {
	for _, p := range allPatterns {
		wg.Go(func() { l.run(ctx, p) })
	}
}

// run is one pattern's ticker loop. It measures the real time between ticks rather than
// assuming tickInterval, so late or coalesced ticks do not lower the long-run rate.
func (l *leaker) run(ctx context.Context, p pattern) {
	ticker := time.NewTicker(tickInterval)
	defer ticker.Stop()
	var acc accumulator
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			elapsed := now.Sub(last)
			last = now
			s := l.get(p)
			if n := acc.take(p.unitsPerSecond(s), elapsed); n > 0 {
				l.step(p, s, n)
			}
		}
	}
}

// step performs n units of pattern p's work and updates the totals.
func (l *leaker) step(p pattern, s settings, n int64) {
	switch p {
	case patternRegistry:
		leakIntoRegistry(int(n))
		l.registryBytes.Add(n)
		l.registryEntries.Add(1)
	case patternGoroutines:
		leakBlockedReceiver(int(n))
		l.goroutinesLeaked.Add(n)
	case patternPool:
		for range n {
			putLargeBufferInPool(s.bufferBytes, &l.poolRetainedBytes)
		}
		l.poolBuffersPut.Add(n)
		l.poolPutBytes.Add(n * int64(s.bufferBytes))
	case patternSubslice:
		for range n {
			leakSubslice(s.bufferBytes)
		}
		l.subsliceBuffers.Add(n)
		l.subsliceBytes.Add(n * int64(s.bufferBytes))
	case patternChurn:
		churnAllocate(n)
		l.churnBytes.Add(n)
	case patternUnclosedBody:
		l.mu.Lock()
		url := l.selfURL
		l.mu.Unlock()
		for range n {
			l.countUnclosedBody(url)
		}
	case patternCtxWorker:
		startJobWorker(int(n))
		l.ctxWorkersStarted.Add(n)
	case patternBlockedSend:
		leakBlockedSender(int(n))
		l.blockedSenders.Add(n)
	}
}

// countUnclosedBody makes one leaking request and counts its outcome. A failed request
// leaks nothing (the transport cleans up), so it is counted apart and its error kept for
// GET /leak rather than logged on every tick.
func (l *leaker) countUnclosedBody(url string) {
	var err error
	if url == "" {
		err = errors.New("no self url: the program is not listening yet")
	} else {
		err = leakUnclosedBody(l.bodyClient, url)
	}
	if err != nil {
		msg := err.Error()
		l.unclosedBodyErr.Store(&msg)
		l.unclosedBodyFailed.Add(1)
		return
	}
	l.unclosedBodies.Add(1)
}

// pageSize is the stride for touching freshly allocated memory.
var pageSize = os.Getpagesize()

// touchPages writes one byte per page. Large allocations come straight from the OS already
// zeroed, so without a write their pages are never faulted in and RSS would not grow with
// the heap, unlike a real leak whose memory holds data.
func touchPages(b []byte) {
	for i := 0; i < len(b); i += pageSize {
		b[i] = 0xA5
	}
	if len(b) > 0 {
		b[len(b)-1] = 0xA5
	}
}

// registry is the classic unbounded cache: entries are added under an ever-increasing id
// and never evicted. It is a package-level variable on purpose, so the leaked memory is
// reachable from a global root just like in the services the plugin is pointed at. Only the
// registry pattern's goroutine touches it.
var (
	registry       = map[int][]byte{}
	registryNextID int
)

// leakIntoRegistry allocates n bytes and keeps them forever in registry. Heap profile
// features look this function up by name, so it must stay a real frame: noinline keeps it
// from being folded into the caller.
//
//go:noinline
func leakIntoRegistry(n int) {
	b := make([]byte, n)
	touchPages(b)
	registry[registryNextID] = b
	registryNextID++
}

// leakBlockedReceiver starts n goroutines that wait on a channel no one will ever send on or
// close, with no context or timeout to release them: the shape of a forgotten worker.
// goroutine?debug=1 and the protobuf profile group them under main.blockedReceiver;
// goroutine?debug=2 adds "created by main.leakBlockedReceiver", which names the culprit.
//
//go:noinline
func leakBlockedReceiver(n int) {
	for range n {
		ch := make(chan struct{})
		go blockedReceiver(ch)
	}
}

// blockedReceiver blocks forever; it is a named function so the leaked stacks are readable.
func blockedReceiver(ch <-chan struct{}) {
	<-ch
}

// pooledBuffer wraps a buffer so sync.Pool stores a pointer rather than boxing a slice
// header on every Put.
type pooledBuffer struct {
	b []byte
}

// bufferPool collects large buffers nobody takes out again. sync.Pool drops its contents
// only over the next two garbage collections, so the memory climbs between GCs and falls
// back after them: retained-until-GC memory, not a true leak.
var bufferPool sync.Pool

// putLargeBufferInPool allocates a size-byte buffer and puts it in bufferPool. retained
// tracks the bytes the pool still holds: a cleanup subtracts each buffer once the GC has
// cleared it from the pool.
//
//go:noinline
func putLargeBufferInPool(size int, retained *atomic.Int64) {
	pb := &pooledBuffer{b: make([]byte, size)}
	touchPages(pb.b)
	retained.Add(int64(size))
	runtime.AddCleanup(pb, func(n int64) { retained.Add(-n) }, int64(size))
	bufferPool.Put(pb)
}

// subsliceHeads keeps a small head of every subslice buffer. A slice keeps its whole backing
// array alive, so each 16-byte head retains the full buffer it was cut from.
var subsliceHeads [][]byte

// leakSubslice allocates a size-byte buffer and keeps only its first bytes, which retains
// the whole buffer: the "parsed a header out of a big read" leak.
//
//go:noinline
func leakSubslice(size int) {
	buf := make([]byte, size)
	touchPages(buf)
	subsliceHeads = append(subsliceHeads, buf[:min(subsliceHeadBytes, size)])
}

// churnSink gives churn allocations somewhere to escape to, so the compiler cannot place
// them on the stack and the GC really has to collect them.
var churnSink []byte

// churnAllocate allocates n bytes as short-lived objects and drops them all: GC pressure
// (allocation rate, GC cycles, CPU) without any growth in live heap.
//
//go:noinline
func churnAllocate(n int64) {
	for n > 0 {
		size := min(n, churnObjectBytes)
		b := make([]byte, size)
		b[0], b[size-1] = 1, 1
		churnSink = b
		n -= size
	}
	churnSink = nil
}
