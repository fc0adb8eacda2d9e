package memstats

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrNoTrailer is returned (wrapped) by ParseHeapDebugTrailer when the body has no
// MemStats trailer, e.g. a debug=0 (gzipped proto) heap profile or an HTML error page.
var ErrNoTrailer = errors.New("no `# runtime.MemStats` trailer: not a Go heap profile")

const trailerMarker = "# runtime.MemStats"

// ParseHeapDebugTrailer decodes the `# runtime.MemStats` trailer that
// /debug/pprof/heap?debug=1 appends after the profile records. The trailer is located
// with a search from the end, so the cost does not grow with the (possibly
// multi-megabyte) profile in front of it.
//
// Every line the runtime prints is checked, including those whose values MemStats does
// not keep (Lookups, MSpan, MCache, BuckHashSys, GCSys, OtherSys, DebugGC), so a damaged
// trailer is not half-trusted. Lines starting with '#' that name an unknown field are
// ignored, for runtimes newer than this parser. The trailer does not print
// PauseTotalNs, so HasPauseTotal is false; HasMaxRSS tells whether the OS-dependent
// MaxRSS line was present. A missing field or a last line without its newline is
// reported as truncation.
func ParseHeapDebugTrailer(body []byte) (*MemStats, error) {
	start, ok := findTrailer(body)
	if !ok {
		return nil, fmt.Errorf("heap trailer: %w", ErrNoTrailer)
	}
	m := new(MemStats)
	var seen field
	for rest := body[start:]; len(rest) > 0; {
		lineStart := len(body) - len(rest)
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return nil, fmt.Errorf("heap trailer line %d: truncated: %s has no line end", lineNumber(body, lineStart), quoteBytes(rest))
		}
		line := rest[:nl]
		rest = rest[nl+1:]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue
		}
		f, err := m.trailerLine(line)
		if err != nil {
			return nil, fmt.Errorf("heap trailer line %d: %w", lineNumber(body, lineStart), err)
		}
		seen |= f
	}
	if seen != fRequired {
		return nil, fmt.Errorf("heap trailer: missing %s: the trailer is truncated", missingFields(seen, true))
	}
	return m, nil
}

// findTrailer returns the offset just past the last `# runtime.MemStats` line. Only a
// marker that is a whole line counts, so a frame or label that happens to contain the
// text is skipped.
func findTrailer(body []byte) (int, bool) {
	for end := len(body); ; {
		i := bytes.LastIndex(body[:end], []byte(trailerMarker))
		if i < 0 {
			return 0, false
		}
		after := body[i+len(trailerMarker):]
		if i == 0 || body[i-1] == '\n' {
			if bytes.HasPrefix(after, []byte("\n")) {
				return i + len(trailerMarker) + 1, true
			}
			if bytes.HasPrefix(after, []byte("\r\n")) {
				return i + len(trailerMarker) + 2, true
			}
		}
		end = i
	}
}

// lineNumber is the 1-based line of body at offset off. It scans everything before off,
// so it is only called to build an error.
func lineNumber(body []byte, off int) int {
	return bytes.Count(body[:off], []byte("\n")) + 1
}

// trailerLine parses one non-empty trailer line into m and returns the field bits it
// provided.
func (m *MemStats) trailerLine(line []byte) (field, error) {
	if line[0] != '#' {
		return 0, fmt.Errorf("%s is not a `# Name = value` line", quoteBytes(line))
	}
	name, value, ok := bytes.Cut(line[1:], []byte(" = "))
	name = bytes.TrimSpace(name)
	if !ok || len(name) == 0 {
		// A comment-like line from a newer runtime; only known names are held to a format.
		if _, known := trailerFields[string(name)]; !known || len(name) == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%s: want `# %s = value`, got %s", name, name, quoteBytes(line))
	}
	var (
		f   field
		err error
	)
	switch string(name) {
	case "Alloc":
		f, err = fAlloc, trailerUint(&m.Alloc, value)
	case "TotalAlloc":
		f, err = fTotalAlloc, trailerUint(&m.TotalAlloc, value)
	case "Sys":
		f, err = fSys, trailerUint(&m.Sys, value)
	case "Mallocs":
		f, err = fMallocs, trailerUint(&m.Mallocs, value)
	case "Frees":
		f, err = fFrees, trailerUint(&m.Frees, value)
	case "HeapAlloc":
		f, err = fHeapAlloc, trailerUint(&m.HeapAlloc, value)
	case "HeapSys":
		f, err = fHeapSys, trailerUint(&m.HeapSys, value)
	case "HeapIdle":
		f, err = fHeapIdle, trailerUint(&m.HeapIdle, value)
	case "HeapInuse":
		f, err = fHeapInuse, trailerUint(&m.HeapInuse, value)
	case "HeapReleased":
		f, err = fHeapReleased, trailerUint(&m.HeapReleased, value)
	case "HeapObjects":
		f, err = fHeapObjects, trailerUint(&m.HeapObjects, value)
	case "Stack":
		f, err = fStackInuse|fStackSys, trailerPair(&m.StackInuse, &m.StackSys, value)
	case "NextGC":
		f, err = fNextGC, trailerUint(&m.NextGC, value)
	case "LastGC":
		f, err = fLastGC, trailerUint(&m.LastGC, value)
	case "PauseNs":
		f, err = fPauseNs, trailerRing(&m.PauseNs, value)
	case "PauseEnd":
		f, err = fPauseEnd, trailerRing(&m.PauseEnd, value)
	case "NumGC":
		f, err = fNumGC, trailerUint32(&m.NumGC, value)
	case "NumForcedGC":
		f, err = fNumForcedGC, trailerUint32(&m.NumForcedGC, value)
	case "GCCPUFraction":
		f = fGCCPUFraction
		m.GCCPUFraction, err = parseFraction(value)
	case "MaxRSS":
		err = trailerUint(&m.MaxRSS, value)
		m.HasMaxRSS = err == nil
	case "Lookups", "BuckHashSys", "GCSys", "OtherSys":
		var discard uint64
		err = trailerUint(&discard, value)
	case "MSpan", "MCache":
		var inuse, sys uint64
		err = trailerPair(&inuse, &sys, value)
	case "DebugGC":
		if string(value) != "true" && string(value) != "false" {
			err = fmt.Errorf("want true or false, got %s", quoteBytes(value))
		}
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// trailerFields are the names the runtime prints; a line naming one of them but not in
// `# Name = value` form is damage, not a newer runtime.
var trailerFields = map[string]struct{}{
	"Alloc": {}, "TotalAlloc": {}, "Sys": {}, "Lookups": {}, "Mallocs": {}, "Frees": {},
	"HeapAlloc": {}, "HeapSys": {}, "HeapIdle": {}, "HeapInuse": {}, "HeapReleased": {},
	"HeapObjects": {}, "Stack": {}, "MSpan": {}, "MCache": {}, "BuckHashSys": {}, "GCSys": {},
	"OtherSys": {}, "NextGC": {}, "LastGC": {}, "PauseNs": {}, "PauseEnd": {}, "NumGC": {},
	"NumForcedGC": {}, "GCCPUFraction": {}, "DebugGC": {}, "MaxRSS": {},
}

func trailerUint(dst *uint64, value []byte) error {
	v, err := parseUint(value, typeUint64)
	*dst = v
	return err
}

func trailerUint32(dst *uint32, value []byte) error {
	v, err := parseUint(value, typeUint32)
	*dst = uint32(v)
	return err
}

// trailerPair parses the `inuse / sys` form of the Stack, MSpan and MCache lines.
func trailerPair(inuse, sys *uint64, value []byte) error {
	a, b, ok := bytes.Cut(value, []byte(" / "))
	if !ok {
		return fmt.Errorf("want `inuse / sys`, got %s", quoteBytes(value))
	}
	if err := trailerUint(inuse, a); err != nil {
		return fmt.Errorf("inuse: %w", err)
	}
	if err := trailerUint(sys, b); err != nil {
		return fmt.Errorf("sys: %w", err)
	}
	return nil
}

// trailerRing parses the `[n0 n1 ... n255]` that fmt prints for a [256]uint64 with %d.
// Exactly RingSize entries are required: with fewer, slot i would no longer be cycle i+1.
func trailerRing(dst *[RingSize]uint64, value []byte) error {
	if len(value) < 2 || value[0] != '[' || value[len(value)-1] != ']' {
		return fmt.Errorf("want `[n0 n1 ...]`, got %s", quoteBytes(value))
	}
	value = value[1 : len(value)-1]
	n := 0
	// A byte loop rather than bytes.Cut: most entries are "0", and a call per
	// one-byte token would cost more than the parsing.
	for i := 0; i < len(value); {
		if value[i] == ' ' {
			i++ // tolerate doubled spaces
			continue
		}
		j := i + 1
		for j < len(value) && value[j] != ' ' {
			j++
		}
		tok := value[i:j]
		i = j
		if n == RingSize {
			return fmt.Errorf("more than %d entries", RingSize)
		}
		v, err := parseUint(tok, typeUint64)
		if err != nil {
			return fmt.Errorf("entry %d: %w", n, err)
		}
		dst[n] = v
		n++
	}
	if n != RingSize {
		return fmt.Errorf("has %d entries, want %d", n, RingSize)
	}
	return nil
}
