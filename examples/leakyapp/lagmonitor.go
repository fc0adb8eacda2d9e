package main

import (
	"context"
	"expvar"
	"net/http"
	"sync"
	"time"
)

// lagTickInterval is how often the lag monitor wakes up. A few milliseconds resolves the
// stalls that matter (a stop-the-world of tens of milliseconds or more) while costing a few
// hundred wakeups a second.
const lagTickInterval = 5 * time.Millisecond

// lagMonitor measures how late a short timer fires. Any pause of the whole program, a
// stop-the-world for a goroutine dump, a long GC phase or a SIGSTOP, delays the next wakeup
// by about the pause, so the maximum lateness over a window is the longest stall in it. It
// is the service-side half of the observer-safety measurement: the scraper cannot see the
// stall it causes, the observed program can.
type lagMonitor struct {
	interval time.Duration
	now      func() time.Time

	mu          sync.Mutex
	windowStart time.Time
	windowMax   time.Duration
	windowSum   time.Duration
	windowTicks int64
	lifetimeMax time.Duration
	ticks       int64
}

// lagWindow is the JSON document served by /lag and published as the "ticker_lag" expvar.
type lagWindow struct {
	IntervalNs int64 `json:"intervalNs"`
	// WindowNs is how long the window has been open; a window opens at start and at every
	// POST /lag.
	WindowNs    int64 `json:"windowNs"`
	WindowTicks int64 `json:"windowTicks"`
	// MaxLagNs is the largest lateness of one tick in the window: the longest stall.
	MaxLagNs int64 `json:"maxLagNs"`
	// TotalLagNs adds up every tick's lateness: a request that stops the world several
	// times (debug=2 retries as its buffer doubles) shows each stop here, not only the
	// longest one.
	TotalLagNs       int64 `json:"totalLagNs"`
	LifetimeMaxLagNs int64 `json:"lifetimeMaxLagNs"`
	Ticks            int64 `json:"ticks"`
}

// newLagMonitor returns a monitor whose first window opens now.
func newLagMonitor(interval time.Duration) *lagMonitor {
	m := &lagMonitor{interval: interval, now: time.Now}
	m.windowStart = m.now()
	return m
}

// run ticks until ctx is done. Each wakeup is compared with when it was due, and the next
// one is scheduled from the actual wakeup, so one stall counts once rather than as a
// backlog of late ticks.
func (m *lagMonitor) run(ctx context.Context) {
	timer := time.NewTimer(m.interval)
	defer timer.Stop()
	due := m.now().Add(m.interval)
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		woke := m.now()
		m.record(woke.Sub(due))
		due = woke.Add(m.interval)
		timer.Reset(m.interval)
	}
}

// record adds one tick that fired lag late.
func (m *lagMonitor) record(lag time.Duration) {
	lag = max(lag, 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ticks++
	m.windowTicks++
	m.windowMax = max(m.windowMax, lag)
	m.windowSum += lag
	m.lifetimeMax = max(m.lifetimeMax, lag)
}

// read returns the current window and, with reset, closes it and opens a new one, so a
// client can bracket exactly one request between two resets.
func (m *lagMonitor) read(reset bool) lagWindow {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	w := lagWindow{
		IntervalNs:       m.interval.Nanoseconds(),
		WindowNs:         now.Sub(m.windowStart).Nanoseconds(),
		WindowTicks:      m.windowTicks,
		MaxLagNs:         m.windowMax.Nanoseconds(),
		TotalLagNs:       m.windowSum.Nanoseconds(),
		LifetimeMaxLagNs: m.lifetimeMax.Nanoseconds(),
		Ticks:            m.ticks,
	}
	if reset {
		m.windowStart = now
		m.windowMax = 0
		m.windowSum = 0
		m.windowTicks = 0
	}
	return w
}

// publishExpvar exposes the window maximum as "ticker_max_lag_ns" (a plain number for
// scrapers and alerts) and the whole window as "ticker_lag". expvar.Publish panics on a
// duplicate name, so call it once per process.
func (m *lagMonitor) publishExpvar() {
	expvar.Publish("ticker_max_lag_ns", expvar.Func(func() any { return m.read(false).MaxLagNs }))
	expvar.Publish("ticker_lag", expvar.Func(func() any { return m.read(false) }))
}

// handleGetLag serves GET /lag: the current window, left open.
func (m *lagMonitor) handleGetLag(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, m.read(false))
}

// handleResetLag serves POST /lag: the window that just closed, and a new one opens.
func (m *lagMonitor) handleResetLag(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, m.read(true))
}
