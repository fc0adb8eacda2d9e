package memstats

import (
	"encoding/json"
	"fmt"
)

// maxJSONDepth matches encoding/json, so a document this package accepts is one
// encoding/json accepts too, and a hostile `[[[[…` body cannot exhaust the stack.
const maxJSONDepth = 10000

// jsonScanner is a validating, allocation-free JSON reader for the one shape expvar
// serves. encoding/json into a targeted struct costs ~60 µs per 4 KB /debug/vars body on
// a 2-core machine (it validates the whole input, then decodes it again via reflection,
// including the unused BySize array); this single pass is several times cheaper.
// It follows RFC 8259 as encoding/json does: no comments, no trailing commas, strings
// may hold invalid UTF-8, and duplicate keys are allowed.
type jsonScanner struct {
	data []byte
	pos  int
	// ctx and key name the member being read (ctx "memstats", key "PauseNs") so that
	// a syntax error deep inside a 4 KB one-line document says where it is. key points
	// into data, so tracking it costs nothing until an error is built.
	ctx string
	key []byte
}

// jsonSyntaxError reports input that is not JSON.
type jsonSyntaxError struct {
	msg    string
	offset int
	ctx    string
}

func (e *jsonSyntaxError) Error() string {
	if e.ctx != "" {
		return fmt.Sprintf("%s near %s at offset %d", e.msg, e.ctx, e.offset)
	}
	return fmt.Sprintf("%s at offset %d", e.msg, e.offset)
}

func (s *jsonScanner) syntaxErr(format string, args ...any) error {
	ctx := s.ctx
	if s.key != nil {
		if ctx != "" {
			ctx += "."
		}
		ctx += string(s.key)
	}
	return &jsonSyntaxError{msg: fmt.Sprintf(format, args...), offset: s.pos, ctx: ctx}
}

// unexpected reports the byte at s.pos, or the end of input, when it does not fit.
func (s *jsonScanner) unexpected(context string) error {
	if s.pos >= len(s.data) {
		return s.syntaxErr("unexpected end of input")
	}
	return s.syntaxErr("invalid character %q %s", s.data[s.pos], context)
}

func (s *jsonScanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// atDelimiter tells whether a scalar ends at s.pos, i.e. whether what follows can
// legally come after a value.
func (s *jsonScanner) atDelimiter() bool {
	return s.pos >= len(s.data) || isDelimiter(s.data[s.pos])
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// kind names the JSON type starting with c, for "want X, got Y" messages.
func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return fmt.Sprintf("invalid character %q", c)
}

// skipValue validates and steps over the value at s.pos (after whitespace).
func (s *jsonScanner) skipValue(depth int) error {
	s.skipWS()
	if s.pos >= len(s.data) {
		return s.unexpected("")
	}
	switch c := s.data[s.pos]; c {
	case '{':
		return s.object(depth+1, func([]byte) error { return s.skipValue(depth + 1) })
	case '[':
		return s.array(depth+1, func(int) error { return s.skipValue(depth + 1) })
	case '"':
		_, _, err := s.scanString()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			if _, ok := s.scanNumber(); !ok {
				return s.unexpected("in numeric literal")
			}
			return nil
		}
		return s.unexpected("looking for beginning of value")
	}
}

func (s *jsonScanner) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if s.pos >= len(s.data) || s.data[s.pos] != lit[i] {
			return s.unexpected("in literal " + lit)
		}
		s.pos++
	}
	return nil
}

// object reads the object at s.pos, calling member for each key with s.pos at the
// first byte of the value (there is one); member must consume the value. Keys with escapes are decoded so
// that `"mem\u0073tats"` matches like it would with encoding/json.
func (s *jsonScanner) object(depth int, member func(key []byte) error) error {
	if depth > maxJSONDepth {
		return s.syntaxErr("exceeded max nesting depth %d", maxJSONDepth)
	}
	s.pos++ // '{'
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.skipWS()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.unexpected("looking for beginning of object key string")
		}
		start := s.pos
		key, escaped, err := s.scanString()
		if err != nil {
			return err
		}
		if escaped {
			var k string
			if err := json.Unmarshal(s.data[start:s.pos], &k); err != nil {
				s.pos = start
				return s.syntaxErr("invalid object key: %v", err)
			}
			key = []byte(k)
		}
		s.skipWS()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.unexpected("after object key")
		}
		s.pos++
		s.skipWS()
		if s.pos >= len(s.data) {
			return s.unexpected("")
		}
		if err := member(key); err != nil {
			return err
		}
		if done, err := s.separator('}', "after object key:value pair"); done || err != nil {
			return err
		}
	}
}

// array reads the array at s.pos, calling elem with each index and s.pos at the first
// byte of the element (there is one); elem must consume it.
func (s *jsonScanner) array(depth int, elem func(i int) error) error {
	if depth > maxJSONDepth {
		return s.syntaxErr("exceeded max nesting depth %d", maxJSONDepth)
	}
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		s.skipWS()
		if s.pos >= len(s.data) {
			return s.unexpected("")
		}
		if err := elem(i); err != nil {
			return err
		}
		if done, err := s.separator(']', "after array element"); done || err != nil {
			return err
		}
	}
}

// separator consumes the ',' between members or elements, or the closer that ends the
// object or array (done); anything else is a syntax error described by where.
func (s *jsonScanner) separator(closer byte, where string) (done bool, err error) {
	s.skipWS()
	if s.pos >= len(s.data) {
		return false, s.unexpected("")
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return false, nil
	case closer:
		s.pos++
		return true, nil
	}
	return false, s.unexpected(where)
}

// scanString steps over the string at s.pos and returns its raw contents (between the
// quotes) and whether they contain escapes.
func (s *jsonScanner) scanString() (raw []byte, escaped bool, err error) {
	d := s.data
	start := s.pos + 1
	for i := start; i < len(d); {
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:i], escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = len(d)
				return nil, false, s.unexpected("")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(d) {
						s.pos = len(d)
						return nil, false, s.unexpected("")
					}
					if !isHex(d[j]) {
						s.pos = j
						return nil, false, s.unexpected("in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				s.pos = i + 1
				return nil, false, s.unexpected("in string escape code")
			}
		case c < 0x20:
			s.pos = i
			return nil, false, s.unexpected("in string literal")
		default:
			i++
		}
	}
	s.pos = len(d)
	return nil, false, s.unexpected("")
}

// scanNumber steps over an RFC 8259 number at s.pos and returns it. On failure s.pos
// is left at the offending byte.
func (s *jsonScanner) scanNumber() ([]byte, bool) {
	d := s.data
	start := s.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.pos = i
			return nil, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.pos = i
			return nil, false
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.pos = i
	return d[start:i], true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
