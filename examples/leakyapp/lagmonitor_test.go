package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// fakeClock is a settable clock for the window arithmetic.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestLagMonitorWindowResets(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	m := newLagMonitor(5 * time.Millisecond)
	m.now = clock.now
	m.windowStart = clock.t

	m.record(2 * time.Millisecond)
	m.record(40 * time.Millisecond)
	m.record(-time.Millisecond) // an early wakeup is no lag, not a negative one
	clock.t = clock.t.Add(time.Second)

	w := m.read(true)
	if w.MaxLagNs != (40*time.Millisecond).Nanoseconds() || w.TotalLagNs != (42*time.Millisecond).Nanoseconds() || w.WindowTicks != 3 || w.Ticks != 3 ||
		w.WindowNs != time.Second.Nanoseconds() || w.IntervalNs != (5*time.Millisecond).Nanoseconds() {
		t.Fatalf("first window = %+v, want max 40ms and total 42ms over 3 ticks in 1s", w)
	}
	m.record(3 * time.Millisecond)
	clock.t = clock.t.Add(500 * time.Millisecond)
	w = m.read(false)
	if w.MaxLagNs != (3*time.Millisecond).Nanoseconds() || w.TotalLagNs != w.MaxLagNs || w.WindowTicks != 1 || w.WindowNs != (500*time.Millisecond).Nanoseconds() {
		t.Fatalf("window after reset = %+v, want only the 3ms tick of the last 500ms", w)
	}
	if w.LifetimeMaxLagNs != (40*time.Millisecond).Nanoseconds() || w.Ticks != 4 {
		t.Fatalf("lifetime = %+v, want the 40ms maximum and 4 ticks kept across the reset", w)
	}
	// A read without reset leaves the window open.
	if again := m.read(false); again.WindowTicks != 1 || again.MaxLagNs != w.MaxLagNs {
		t.Fatalf("second read = %+v, want the same open window", again)
	}
}

func TestLagMonitorRunTicksUntilCancelled(t *testing.T) {
	m := newLagMonitor(2 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		m.run(ctx)
		close(done)
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	w := m.read(false)
	// 100 ticks are due; a loaded machine may lose some, but not most.
	if w.Ticks < 20 || w.Ticks > 101 {
		t.Fatalf("ticked %d times in 200ms at 2ms, want about 100", w.Ticks)
	}
	if w.MaxLagNs < 0 || w.MaxLagNs > w.WindowNs {
		t.Fatalf("max lag %dns is outside [0, window %dns]", w.MaxLagNs, w.WindowNs)
	}
}

func TestLagEndpoints(t *testing.T) {
	l := newLeaker(0, 1<<20)
	m := newLagMonitor(5 * time.Millisecond)
	m.record(7 * time.Millisecond)
	mux := newMux(l, m, true)

	var w lagWindow
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		rec := httpRecord(mux, method, "/lag")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s /lag: %d %s", method, rec.Code, rec.Body)
		}
		if err := json.NewDecoder(rec.Body).Decode(&w); err != nil {
			t.Fatalf("decode %s /lag: %v", method, err)
		}
		// GET leaves the window open, so POST still returns the 7ms tick, then resets.
		if w.MaxLagNs != (7 * time.Millisecond).Nanoseconds() {
			t.Fatalf("%s /lag max = %dns, want 7ms", method, w.MaxLagNs)
		}
	}
	if after := m.read(false); after.MaxLagNs != 0 || after.LifetimeMaxLagNs != (7*time.Millisecond).Nanoseconds() {
		t.Fatalf("after POST /lag: %+v, want an empty window and the lifetime maximum kept", after)
	}
	if rec := httpRecord(mux, http.MethodDelete, "/lag"); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE /lag: %d, want 405", rec.Code)
	}
}
