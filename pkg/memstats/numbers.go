package memstats

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Number errors carry no field name; the callers know the field and the position, and
// wrap them into a message that names both.
var (
	errNotInteger = errors.New("malformed number")
	errNegative   = errors.New("negative value")
	errOverflow   = errors.New("overflows")
)

// maxQuoted bounds how much of a bad value an error message repeats, so that a
// multi-megabyte garbage token cannot blow up a log line.
const maxQuoted = 40

// quoteBytes quotes b for an error message, shortened to maxQuoted bytes.
func quoteBytes(b []byte) string {
	if len(b) > maxQuoted {
		return strconv.Quote(string(b[:maxQuoted])) + "..."
	}
	return strconv.Quote(string(b))
}

// intType is the Go type a parsed integer is stored in; it bounds the value and names
// the type in overflow errors.
type intType struct {
	max  uint64
	name string
}

var (
	typeUint64 = intType{math.MaxUint64, "uint64"}
	typeUint32 = intType{math.MaxUint32, "uint32"}
	typeInt    = intType{math.MaxInt, "int"}
)

// parseUint parses a plain decimal integer that must fit in t. It is hand-written rather
// than strconv.ParseUint(string(b)) so the hot path of ~520 ring entries per document
// does not convert every token to a string, and so that a leading '-' is reported as a
// negative value rather than as a syntax error.
func parseUint(b []byte, t intType) (uint64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: empty value", errNotInteger)
	}
	// Up to 19 digits cannot overflow uint64, so the common case needs neither a
	// per-digit overflow division nor a second pass.
	if len(b) <= 19 {
		var n uint64
		for _, c := range b {
			if c < '0' || c > '9' {
				return parseUintSlow(b, t)
			}
			n = n*10 + uint64(c-'0')
		}
		if n > t.max {
			return 0, fmt.Errorf("%s %w %s", quoteBytes(b), errOverflow, t.name)
		}
		return n, nil
	}
	return parseUintSlow(b, t)
}

// parseUintSlow handles what the fast path of parseUint does not: 20 or more digits,
// and the errors.
func parseUintSlow(b []byte, t intType) (uint64, error) {
	if b[0] == '-' {
		if allDigits(b[1:]) {
			return 0, fmt.Errorf("%w %s", errNegative, quoteBytes(b))
		}
		return 0, fmt.Errorf("%w %s", errNotInteger, quoteBytes(b))
	}
	if !allDigits(b) {
		return 0, fmt.Errorf("%w %s", errNotInteger, quoteBytes(b))
	}
	var n uint64
	for _, c := range b {
		d := uint64(c - '0')
		if n > (t.max-d)/10 {
			return 0, fmt.Errorf("%s %w %s", quoteBytes(b), errOverflow, t.name)
		}
		n = n*10 + d
	}
	return n, nil
}

// parseFraction parses GCCPUFraction. The runtime prints it with %v (expvar with
// encoding/json), so exponents such as 1e-05 are normal; NaN, infinities and negative
// values cannot come from the runtime and are rejected as corruption.
func parseFraction(b []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s %w float64", quoteBytes(b), errOverflow)
		}
		return 0, fmt.Errorf("%w %s", errNotInteger, quoteBytes(b))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%w %s: not a finite fraction", errNotInteger, quoteBytes(b))
	}
	if f < 0 {
		return 0, fmt.Errorf("%w %s", errNegative, quoteBytes(b))
	}
	return f, nil
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
