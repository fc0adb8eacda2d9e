//go:build unix

package main

import (
	"encoding/json"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// TestLagMonitorSeesProcessStall stops the real program with SIGSTOP, the one stall that is
// certain to stop every thread for a known time, and checks the lag monitor reports it in
// the window that contains it and not in the next one.
func TestLagMonitorSeesProcessStall(t *testing.T) {
	const stall = 400 * time.Millisecond
	a := startApp(t)
	readLag := func(method string) lagWindow {
		t.Helper()
		code, body := a.do(t, method, "/lag")
		if code != http.StatusOK {
			t.Fatalf("%s /lag: status %d: %s", method, code, body)
		}
		var w lagWindow
		if err := json.Unmarshal(body, &w); err != nil {
			t.Fatalf("decode /lag: %v", err)
		}
		return w
	}

	// The stall must fall between two ticks, so wait until the monitor is ticking.
	for start := time.Now(); readLag(http.MethodGet).Ticks < 2; {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the lag monitor did not tick within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	readLag(http.MethodPost)
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP: %v", err)
	}
	time.Sleep(stall)
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("SIGCONT: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // let the late tick run and be recorded
	w := readLag(http.MethodPost)
	t.Logf("window with a %v SIGSTOP: %+v", stall, w)
	if got := time.Duration(w.MaxLagNs); got < stall*9/10 || got > time.Duration(w.WindowNs) {
		t.Errorf("max lag %v after a %v stall, want at least %v and at most the %v window",
			got, stall, stall*9/10, time.Duration(w.WindowNs))
	}

	time.Sleep(200 * time.Millisecond)
	next := readLag(http.MethodGet)
	if got := time.Duration(next.MaxLagNs); got >= stall/2 {
		t.Errorf("the window after the stall reports %v; the reset should have cleared it", got)
	}
	if next.LifetimeMaxLagNs < w.MaxLagNs {
		t.Errorf("lifetime max %dns is below the stall %dns", next.LifetimeMaxLagNs, w.MaxLagNs)
	}
	var v struct {
		MaxLagNs *int64     `json:"ticker_max_lag_ns"`
		Lag      *lagWindow `json:"ticker_lag"`
	}
	if err := json.Unmarshal(a.mustGet(t, "/debug/vars"), &v); err != nil {
		t.Fatalf("decode /debug/vars: %v", err)
	}
	if v.MaxLagNs == nil || v.Lag == nil || v.Lag.LifetimeMaxLagNs < w.MaxLagNs {
		t.Errorf("/debug/vars ticker_max_lag_ns = %v, ticker_lag = %+v, want both with the stall in the lifetime max", v.MaxLagNs, v.Lag)
	}
}
