package memstats

import (
	"errors"
	"fmt"
)

// ErrNoMemStats is returned (wrapped) by ParseExpvar for a valid JSON document that has
// no usable `memstats` object, e.g. a service that publishes its own expvars but not the
// runtime's. Callers should fall back to the heap?debug=1 trailer.
var ErrNoMemStats = errors.New("no memstats object: the target does not publish runtime.MemStats via expvar")

// ErrNotJSON is returned (wrapped) by ParseExpvar when the body is not well-formed JSON:
// an HTML login page, a plain-text 404, or a document cut short in transit.
var ErrNotJSON = errors.New("body is not JSON")

// ParseExpvar decodes the `memstats` object of a /debug/vars document. Keys may come in
// any order, other top-level variables are skipped, and unknown memstats keys (BySize,
// EnableGC, fields added by future Go releases) are ignored. Keys are matched exactly, as
// expvar writes them; an escaped key is decoded first. Integers are parsed as uint64
// directly from the text so LastGC and PauseEnd keep every digit. expvar has no MaxRSS,
// so HasMaxRSS is false; HasPauseTotal reports whether PauseTotalNs was present.
//
// Every field of MemStats except PauseTotalNs and MaxRSS is required: a document
// lacking one is rejected rather than reported as zeros, which would read as a heap that
// suddenly emptied.
func ParseExpvar(body []byte) (*MemStats, error) {
	s := jsonScanner{data: body}
	s.skipWS()
	if s.pos == len(body) {
		return nil, fmt.Errorf("expvar: %w: body is empty", ErrNotJSON)
	}
	if first := body[s.pos]; first != '{' {
		if err := s.skipValue(0); err != nil {
			return nil, notJSON(body, err)
		}
		if s.skipWS(); s.pos != len(body) {
			return nil, notJSON(body, s.unexpected("after top-level value"))
		}
		return nil, fmt.Errorf("expvar: %w (the top-level value is %s, not an object)", ErrNoMemStats, kind(first))
	}

	var m *MemStats
	err := s.object(1, func(key []byte) error {
		s.key = key
		if string(key) != "memstats" {
			return s.skipValue(1)
		}
		// Like encoding/json, a duplicate key replaces the earlier value.
		var err error
		m, err = s.memStats()
		return err
	})
	if err == nil {
		s.key = nil
		if s.skipWS(); s.pos != len(body) {
			err = s.unexpected("after top-level value")
		}
	}
	if err != nil {
		var syn *jsonSyntaxError
		if errors.As(err, &syn) {
			return nil, notJSON(body, err)
		}
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("expvar: %w", ErrNoMemStats)
	}
	return m, nil
}

// notJSON wraps a syntax error; a body that does not even start like JSON gets its
// first bytes quoted, as that usually identifies it (an HTML page, "404 page not found").
func notJSON(body []byte, err error) error {
	var syn *jsonSyntaxError
	if errors.As(err, &syn) && syn.offset < 16 && len(body) > 0 {
		return fmt.Errorf("expvar: %w: %v (body starts with %s)", ErrNotJSON, err, quoteBytes(body))
	}
	return fmt.Errorf("expvar: %w: %v", ErrNotJSON, err)
}

// memStats reads the object at s.pos as a runtime.MemStats.
func (s *jsonScanner) memStats() (*MemStats, error) {
	s.ctx, s.key = "memstats", nil
	defer func() { s.ctx, s.key = "", nil }()
	if c := s.data[s.pos]; c != '{' {
		if err := s.skipValue(1); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("expvar: %w (memstats is %s, not an object)", ErrNoMemStats, kind(c))
	}
	m := new(MemStats)
	var seen field
	err := s.object(2, func(key []byte) error {
		s.key = key
		var f field
		var err error
		switch string(key) {
		case "Alloc":
			f, err = fAlloc, s.uintField(&m.Alloc, "memstats.Alloc")
		case "TotalAlloc":
			f, err = fTotalAlloc, s.uintField(&m.TotalAlloc, "memstats.TotalAlloc")
		case "Sys":
			f, err = fSys, s.uintField(&m.Sys, "memstats.Sys")
		case "Mallocs":
			f, err = fMallocs, s.uintField(&m.Mallocs, "memstats.Mallocs")
		case "Frees":
			f, err = fFrees, s.uintField(&m.Frees, "memstats.Frees")
		case "HeapAlloc":
			f, err = fHeapAlloc, s.uintField(&m.HeapAlloc, "memstats.HeapAlloc")
		case "HeapSys":
			f, err = fHeapSys, s.uintField(&m.HeapSys, "memstats.HeapSys")
		case "HeapIdle":
			f, err = fHeapIdle, s.uintField(&m.HeapIdle, "memstats.HeapIdle")
		case "HeapInuse":
			f, err = fHeapInuse, s.uintField(&m.HeapInuse, "memstats.HeapInuse")
		case "HeapReleased":
			f, err = fHeapReleased, s.uintField(&m.HeapReleased, "memstats.HeapReleased")
		case "HeapObjects":
			f, err = fHeapObjects, s.uintField(&m.HeapObjects, "memstats.HeapObjects")
		case "StackInuse":
			f, err = fStackInuse, s.uintField(&m.StackInuse, "memstats.StackInuse")
		case "StackSys":
			f, err = fStackSys, s.uintField(&m.StackSys, "memstats.StackSys")
		case "NextGC":
			f, err = fNextGC, s.uintField(&m.NextGC, "memstats.NextGC")
		case "LastGC":
			f, err = fLastGC, s.uintField(&m.LastGC, "memstats.LastGC")
		case "PauseTotalNs":
			err = s.uintField(&m.PauseTotalNs, "memstats.PauseTotalNs")
			m.HasPauseTotal = true
		case "PauseNs":
			f, err = fPauseNs, s.ringField(&m.PauseNs, "memstats.PauseNs")
		case "PauseEnd":
			f, err = fPauseEnd, s.ringField(&m.PauseEnd, "memstats.PauseEnd")
		case "NumGC":
			f, err = fNumGC, s.uint32Field(&m.NumGC, "memstats.NumGC")
		case "NumForcedGC":
			f, err = fNumForcedGC, s.uint32Field(&m.NumForcedGC, "memstats.NumForcedGC")
		case "GCCPUFraction":
			f, err = fGCCPUFraction, s.fractionField(&m.GCCPUFraction, "memstats.GCCPUFraction")
		default:
			// BySize is the bulk of what is skipped; validating it costs a byte loop, far
			// less than decoding it.
			return s.skipValue(2)
		}
		seen |= f
		return err
	})
	if err != nil {
		return nil, err
	}
	if seen != fRequired {
		return nil, fmt.Errorf("expvar: memstats object lacks %s: truncated or not a runtime.MemStats", missingFields(seen, false))
	}
	return m, nil
}

// fieldRef names the value being read, for error messages. The index of a ring entry is
// kept apart from the name so the happy path never formats "PauseNs[17]".
type fieldRef struct {
	name string
	idx  int // -1 unless this is an entry of a ring
}

func (r fieldRef) String() string {
	if r.idx < 0 {
		return r.name
	}
	return fmt.Sprintf("%s[%d]", r.name, r.idx)
}

// numberToken reads the number at s.pos, turning anything else into an error that names
// the field rather than a bare syntax error.
func (s *jsonScanner) numberToken(ref fieldRef) ([]byte, error) {
	start := s.pos
	if c := s.data[start]; c != '-' && (c < '0' || c > '9') {
		return nil, fmt.Errorf("expvar: %v: want a number, got %s", ref, kind(c))
	}
	tok, ok := s.scanNumber()
	if !ok || !s.atDelimiter() {
		end := start
		for end < len(s.data) && end-start <= maxQuoted && !isDelimiter(s.data[end]) {
			end++
		}
		return nil, fmt.Errorf("expvar: %v: malformed number %s", ref, quoteBytes(s.data[start:end]))
	}
	return tok, nil
}

func (s *jsonScanner) uintValue(ref fieldRef, t intType) (uint64, error) {
	tok, err := s.numberToken(ref)
	if err != nil {
		return 0, err
	}
	v, err := parseUint(tok, t)
	if err != nil {
		if errors.Is(err, errNotInteger) {
			return 0, fmt.Errorf("expvar: %v: want a non-negative integer, got %s", ref, quoteBytes(tok))
		}
		return 0, fmt.Errorf("expvar: %v: %w", ref, err)
	}
	return v, nil
}

func (s *jsonScanner) uintField(dst *uint64, name string) error {
	v, err := s.uintValue(fieldRef{name, -1}, typeUint64)
	*dst = v
	return err
}

func (s *jsonScanner) uint32Field(dst *uint32, name string) error {
	v, err := s.uintValue(fieldRef{name, -1}, typeUint32)
	*dst = uint32(v)
	return err
}

func (s *jsonScanner) fractionField(dst *float64, name string) error {
	tok, err := s.numberToken(fieldRef{name, -1})
	if err != nil {
		return err
	}
	*dst, err = parseFraction(tok)
	if err != nil {
		return fmt.Errorf("expvar: %s: %w", name, err)
	}
	return nil
}

// ringField reads a PauseNs or PauseEnd array, which must have exactly RingSize
// entries: a shorter one would shift which slot holds which GC cycle.
func (s *jsonScanner) ringField(dst *[RingSize]uint64, name string) error {
	if c := s.data[s.pos]; c != '[' {
		return fmt.Errorf("expvar: %s: want an array, got %s", name, kind(c))
	}
	n := 0
	err := s.array(3, func(i int) error {
		if i >= RingSize {
			return fmt.Errorf("expvar: %s: more than %d entries", name, RingSize)
		}
		v, err := s.uintValue(fieldRef{name, i}, typeUint64)
		dst[i] = v
		n = i + 1
		return err
	})
	if err != nil {
		return err
	}
	if n != RingSize {
		return fmt.Errorf("expvar: %s: has %d entries, want %d", name, n, RingSize)
	}
	return nil
}
