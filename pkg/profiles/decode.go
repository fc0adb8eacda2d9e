// Package profiles turns stored pprof profiles into what the profile query shows: it decodes
// bodies safely, selects sample types, filters, diffs and merges profiles with the semantics of
// `go tool pprof`, and builds function-level call trees and top tables from them.
//
// All profile work goes through google/pprof's profile package; this package only adds the
// safety checks, the aggregation and the pruning the data source needs.
package profiles

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/google/pprof/profile"
)

// ErrNotProfile means the body is not a pprof protobuf at all, e.g. an HTML page, a text
// profile (debug=1) or an empty body.
var ErrNotProfile = errors.New("not a pprof protobuf profile")

// ErrTruncatedGzip means the gzip stream ended before its end marker: the download was cut.
var ErrTruncatedGzip = errors.New("gzip stream is truncated")

// ErrCorruptGzip means the body starts like gzip but its compressed data or checksum is broken.
var ErrCorruptGzip = errors.New("gzip stream is corrupt")

// ErrTooLarge means the decompressed profile exceeds the configured cap; decoding stops as soon
// as the cap is crossed, so a gzip bomb costs at most the cap.
var ErrTooLarge = errors.New("profile exceeds the decompressed size cap")

// ErrInvalidProfile means the bytes are not a valid profile protobuf, or the profile they
// describe is inconsistent (e.g. samples with the wrong number of values).
var ErrInvalidProfile = errors.New("invalid profile protobuf")

// gzipMagic starts every gzip stream; net/http/pprof sends debug=0 bodies gzipped without a
// Content-Encoding header, so HTTP clients hand them over still compressed.
var gzipMagic = []byte{0x1f, 0x8b}

// Decode reads one profile: a gzip-compressed protobuf (what /debug/pprof/<name>?debug=0
// writes) or an uncompressed one. At most maxDecompressed bytes of protobuf are accepted
// (0 or less: no cap). Errors wrap one of ErrNotProfile, ErrTruncatedGzip, ErrCorruptGzip,
// ErrTooLarge or ErrInvalidProfile. A valid profile without samples decodes without error.
func Decode(r io.Reader, maxDecompressed int64) (*profile.Profile, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading profile: %w", err)
	}
	var body []byte
	if bytes.Equal(head, gzipMagic) {
		body, err = gunzip(br, maxDecompressed)
	} else {
		body, err = readCapped(br, maxDecompressed)
		if err != nil && !errors.Is(err, ErrTooLarge) {
			err = fmt.Errorf("reading profile: %w", err)
		}
	}
	if err != nil {
		return nil, err
	}
	return parseBody(body)
}

// gunzip decompresses the stream, refusing it once more than max bytes come out.
func gunzip(r io.Reader, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, classifyGzip(err)
	}
	defer zr.Close()
	body, err := readCapped(zr, max)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, classifyGzip(err)
	}
	return body, nil
}

// readCapped reads r to its end, or fails with ErrTooLarge as soon as it yields more than max
// bytes, without reading further.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		return io.ReadAll(r)
	}
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, max)
	}
	return body, nil
}

func classifyGzip(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %w", ErrTruncatedGzip, err)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &corrupt):
		return fmt.Errorf("%w: %w", ErrCorruptGzip, err)
	default:
		return fmt.Errorf("decompressing profile: %w", err)
	}
}

// parseBody parses an uncompressed protobuf. Text is rejected before the protobuf decoder
// sees it, so an HTML error page or a debug=1 profile is reported as what it is.
func parseBody(body []byte) (p *profile.Profile, err error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: the body is empty", ErrNotProfile)
	}
	if looksLikeText(body) {
		return nil, fmt.Errorf("%w: the body is text starting with %s", ErrNotProfile, quoteStart(body))
	}
	// The decoder is fuzzed upstream, but a body from the network must never take the plugin
	// down: a panic on hostile input is reported as an invalid profile.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: decoder failed: %v", ErrInvalidProfile, r)
		}
	}()
	p, err = profile.ParseUncompressed(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProfile, err)
	}
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProfile, err)
	}
	return p, nil
}

// textProbe is how much of a body is inspected to tell text from protobuf. A profile protobuf
// begins with a field tag and a length or varint, which are never all printable.
const textProbe = 64

func looksLikeText(b []byte) bool {
	if len(b) > textProbe {
		b = b[:textProbe]
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			// A multi-byte rune cut off by the probe window still counts as text.
			return !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return false
		}
		b = b[size:]
	}
	return true
}

func quoteStart(b []byte) string {
	const n = 40
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}
