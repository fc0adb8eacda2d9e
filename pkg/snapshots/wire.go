package snapshots

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// errTruncated is wrapped by every decoding error caused by input that ends early or
// declares more elements than it holds, so corrupted data reads as an error, never a panic.
var errTruncated = errors.New("truncated or corrupted data")

// reader decodes the varint encodings of this package. The first error sticks: later reads
// return zero values, so decoders check err once per record instead of after every field.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("reading %s: %w", what, errTruncated)
	}
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads an element count and checks it against the bytes left, given that each
// element takes at least minBytes, so a corrupted count cannot make a decoder allocate
// gigabytes.
func (r *reader) count(what string, minBytes int) int {
	n := r.uvarint(what)
	if r.err != nil {
		return 0
	}
	if minBytes < 1 {
		minBytes = 1
	}
	if n > uint64(len(r.b)/minBytes) {
		r.fail(what)
		return 0
	}
	return int(n)
}

func (r *reader) byte(what string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail(what)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes(what string) []byte {
	n := r.uvarint(what)
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(what)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) string(what string) string {
	return string(r.bytes(what))
}

// fixed64 reads a big-endian uint64.
func (r *reader) fixed64(what string) uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail(what)
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// done fails unless every byte was consumed: trailing bytes mean the record is not what
// its reader thinks it is.
func (r *reader) done(what string) error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("reading %s: %d unexpected trailing bytes: %w", what, len(r.b), errTruncated)
	}
	return r.err
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}
