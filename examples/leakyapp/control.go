package main

import (
	"encoding/json"
	"expvar"
	"fmt"
	"net/http"
	"strconv"
)

// status is the JSON document served by GET /leak and published as the "leakyapp" expvar.
// Totals count what the patterns did since start; they never go down when a rate is set to
// 0, because stopping a leak does not give the memory or goroutines back.
type status struct {
	Registry   registryStatus   `json:"registry"`
	Goroutines goroutinesStatus `json:"goroutines"`
	Pool       poolStatus       `json:"pool"`
	Subslice   subsliceStatus   `json:"subslice"`
	Churn      churnStatus      `json:"churn"`
	// The goroutine leaks of the goroutine analytics. Their counts are exact, so tests
	// compare them with the goroutines found in goroutine?debug=2.
	UnclosedBody unclosedBodyStatus `json:"unclosedBody"`
	CtxWorker    startedStatus      `json:"ctxWorker"`
	BlockedSend  startedStatus      `json:"blockedSend"`
	Idle         idleStatus         `json:"idle"`
}

type registryStatus struct {
	Rate        float64 `json:"rate"`
	Unit        string  `json:"unit"`
	LeakedBytes int64   `json:"leakedBytes"`
	Entries     int64   `json:"entries"`
}

type goroutinesStatus struct {
	Rate             float64 `json:"rate"`
	Unit             string  `json:"unit"`
	LeakedGoroutines int64   `json:"leakedGoroutines"`
}

type poolStatus struct {
	Rate        float64 `json:"rate"`
	Unit        string  `json:"unit"`
	BufferBytes int     `json:"bufferBytes"`
	BuffersPut  int64   `json:"buffersPut"`
	PutBytes    int64   `json:"putBytes"`
	// RetainedBytes is what the pool still holds: it drops as GC cycles clear the pool.
	RetainedBytes int64 `json:"retainedBytes"`
}

type subsliceStatus struct {
	Rate        float64 `json:"rate"`
	Unit        string  `json:"unit"`
	BufferBytes int     `json:"bufferBytes"`
	Buffers     int64   `json:"buffers"`
	// LeakedBytes is the whole retained buffers, not the 16-byte heads the program uses.
	LeakedBytes int64 `json:"leakedBytes"`
}

type churnStatus struct {
	Rate           float64 `json:"rate"`
	Unit           string  `json:"unit"`
	AllocatedBytes int64   `json:"allocatedBytes"`
}

type unclosedBodyStatus struct {
	Rate float64 `json:"rate"`
	Unit string  `json:"unit"`
	// Requests counts responses dropped unclosed; each one pins one connection and its
	// readLoop and writeLoop goroutines.
	Requests int64 `json:"requests"`
	// Failed counts requests that got no response; they leak nothing.
	Failed    int64  `json:"failed"`
	LastError string `json:"lastError,omitempty"`
}

// startedStatus is the status of a pattern that leaks one goroutine per unit.
type startedStatus struct {
	Rate    float64 `json:"rate"`
	Unit    string  `json:"unit"`
	Started int64   `json:"started"`
}

type idleStatus struct {
	Goroutines int `json:"goroutines"`
	StackDepth int `json:"stackDepth"`
}

// status snapshots the settings and totals.
func (l *leaker) status() status {
	l.mu.Lock()
	set := make(map[pattern]settings, len(l.settings))
	for p, s := range l.settings {
		set[p] = s
	}
	idle := l.idleGoroutines
	l.mu.Unlock()
	var lastBodyErr string
	if p := l.unclosedBodyErr.Load(); p != nil {
		lastBodyErr = *p
	}
	return status{
		Registry: registryStatus{
			Rate:        set[patternRegistry].rate,
			Unit:        patternRegistry.rateUnit(),
			LeakedBytes: l.registryBytes.Load(),
			Entries:     l.registryEntries.Load(),
		},
		Goroutines: goroutinesStatus{
			Rate:             set[patternGoroutines].rate,
			Unit:             patternGoroutines.rateUnit(),
			LeakedGoroutines: l.goroutinesLeaked.Load(),
		},
		Pool: poolStatus{
			Rate:          set[patternPool].rate,
			Unit:          patternPool.rateUnit(),
			BufferBytes:   set[patternPool].bufferBytes,
			BuffersPut:    l.poolBuffersPut.Load(),
			PutBytes:      l.poolPutBytes.Load(),
			RetainedBytes: l.poolRetainedBytes.Load(),
		},
		Subslice: subsliceStatus{
			Rate:        set[patternSubslice].rate,
			Unit:        patternSubslice.rateUnit(),
			BufferBytes: set[patternSubslice].bufferBytes,
			Buffers:     l.subsliceBuffers.Load(),
			LeakedBytes: l.subsliceBytes.Load(),
		},
		Churn: churnStatus{
			Rate:           set[patternChurn].rate,
			Unit:           patternChurn.rateUnit(),
			AllocatedBytes: l.churnBytes.Load(),
		},
		UnclosedBody: unclosedBodyStatus{
			Rate:      set[patternUnclosedBody].rate,
			Unit:      patternUnclosedBody.rateUnit(),
			Requests:  l.unclosedBodies.Load(),
			Failed:    l.unclosedBodyFailed.Load(),
			LastError: lastBodyErr,
		},
		CtxWorker: startedStatus{
			Rate:    set[patternCtxWorker].rate,
			Unit:    patternCtxWorker.rateUnit(),
			Started: l.ctxWorkersStarted.Load(),
		},
		BlockedSend: startedStatus{
			Rate:    set[patternBlockedSend].rate,
			Unit:    patternBlockedSend.rateUnit(),
			Started: l.blockedSenders.Load(),
		},
		Idle: idleStatus{Goroutines: idle, StackDepth: idleStackDepth},
	}
}

// publishExpvar exposes the status as the "leakyapp" expvar, next to memstats in
// /debug/vars, so one scrape sees both the leak totals and the heap they produce.
// expvar.Publish panics on a duplicate name, so call it once per process.
func (l *leaker) publishExpvar() {
	expvar.Publish("leakyapp", expvar.Func(func() any { return l.status() }))
}

// handleGetLeak serves GET /leak: the current rates and totals.
func (l *leaker) handleGetLeak(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, l.status())
}

// handleSetLeak serves POST /leak?pattern=P&rate=N[&size=B]: it sets one pattern's rate
// (0 stops it) and, for pool and subslice, optionally the buffer size in bytes. Parameters
// may come in the query or in a form-encoded body. It answers with the new status.
func (l *leaker) handleSetLeak(w http.ResponseWriter, r *http.Request) {
	p, rate, size, err := parseSetRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := l.set(p, rate, size); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, l.status())
}

// parseSetRequest reads and validates the parameters of POST /leak.
func parseSetRequest(r *http.Request) (p pattern, rate float64, size int, err error) {
	p, err = parsePattern(r.FormValue("pattern"))
	if err != nil {
		return "", 0, 0, fmt.Errorf("parse pattern: %w", err)
	}
	rawRate := r.FormValue("rate")
	if rawRate == "" {
		return "", 0, 0, fmt.Errorf("parse rate: missing rate parameter (in %s)", p.rateUnit())
	}
	rate, err = strconv.ParseFloat(rawRate, 64)
	if err != nil {
		return "", 0, 0, fmt.Errorf("parse rate: %w", err)
	}
	if err := validateRate(rate); err != nil {
		return "", 0, 0, fmt.Errorf("parse rate: %w", err)
	}
	if rawSize := r.FormValue("size"); rawSize != "" {
		size, err = strconv.Atoi(rawSize)
		if err != nil {
			return "", 0, 0, fmt.Errorf("parse size: %w", err)
		}
		if size <= 0 {
			return "", 0, 0, fmt.Errorf("parse size: %d is not positive", size)
		}
	}
	return p, rate, size, nil
}

// writeJSON writes v as an indented JSON response. Encoding a status cannot fail, and once
// the header is out a write error (client gone) has no one left to report to.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
