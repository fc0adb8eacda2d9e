package memstats

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrNotPprofIndex is returned (wrapped) by ParseIndexGoroutines when the body has no
// goroutine row, i.e. it is not the page net/http/pprof serves at /debug/pprof/.
var ErrNotPprofIndex = errors.New("not a net/http/pprof index page")

// ErrNotGoroutineProfile is returned (wrapped) by ParseGoroutineDebug1Total when the
// first line is not `goroutine profile: total N`, e.g. a debug=2 dump or an error page.
var ErrNotGoroutineProfile = errors.New("not a goroutine?debug=1 profile")

// goroutineAnchor ends the goroutine row's link in every index layout since Go 1.0; the
// href around it changed quoting (none, "…", '…', html/template escaping) over time.
const goroutineAnchor = ">goroutine</a>"

// ParseIndexGoroutines returns the goroutine count from the /debug/pprof/ index page.
// The index is the cheapest goroutine source a target offers: it calls
// runtime.NumGoroutine, without the stop-the-world a goroutine profile needs.
//
// The count is the first table cell of the row whose link reads "goroutine", which
// holds for every layout the handler has had: the current one, printed with Fprintf
// since before Go 1.19 (`<tr><td>N</td><td><a href='goroutine?debug=1'>goroutine</a>`),
// the html/template one before it (row and cells on separate lines, escaped href) and
// the oldest (`<tr><td align=right>N<td><a href="goroutine?debug=1">goroutine</a>`).
func ParseIndexGoroutines(body []byte) (int, error) {
	a := bytes.Index(body, []byte(goroutineAnchor))
	if a < 0 {
		return 0, fmt.Errorf("pprof index: %w: no goroutine link", ErrNotPprofIndex)
	}
	row := bytes.LastIndex(body[:a], []byte("<tr"))
	if row < 0 {
		return 0, fmt.Errorf("pprof index: %w: the goroutine link is not in a table row", ErrNotPprofIndex)
	}
	cells := body[row:a]
	td := bytes.Index(cells, []byte("<td"))
	if td < 0 {
		return 0, fmt.Errorf("pprof index: goroutine row %s has no count cell", quoteBytes(cells))
	}
	gt := bytes.IndexByte(cells[td:], '>')
	if gt < 0 {
		return 0, fmt.Errorf("pprof index: goroutine row %s has no count cell", quoteBytes(cells))
	}
	cell := cells[td+gt+1:]
	if end := bytes.IndexByte(cell, '<'); end >= 0 {
		cell = cell[:end]
	}
	n, err := parseUint(bytes.TrimSpace(cell), typeInt)
	if err != nil {
		return 0, fmt.Errorf("pprof index: goroutine count: %w", err)
	}
	return int(n), nil
}

// goroutineHeader starts the first line of goroutine?debug=1.
const goroutineHeader = "goroutine profile: total "

// maxHeaderLine bounds the search for the end of the first line, so a body that is one
// huge line is not scanned to its end.
const maxHeaderLine = 128

// ParseGoroutineDebug1Total returns N from the `goroutine profile: total N` line that
// starts goroutine?debug=1. Only the first line is read; the stacks that follow can be
// megabytes and are not needed for the count.
func ParseGoroutineDebug1Total(body []byte) (int, error) {
	if len(body) == 0 {
		return 0, fmt.Errorf("goroutine profile: %w: body is empty", ErrNotGoroutineProfile)
	}
	head := body[:min(len(body), maxHeaderLine)]
	line := head
	if nl := bytes.IndexByte(head, '\n'); nl >= 0 {
		line = head[:nl]
	} else if len(body) > maxHeaderLine {
		return 0, fmt.Errorf("goroutine profile: %w: first line is longer than %d bytes", ErrNotGoroutineProfile, maxHeaderLine)
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	value, ok := bytes.CutPrefix(line, []byte(goroutineHeader))
	if !ok {
		return 0, fmt.Errorf("goroutine profile: %w: first line is %s, want `%sN`", ErrNotGoroutineProfile, quoteBytes(line), goroutineHeader)
	}
	n, err := parseUint(value, typeInt)
	if err != nil {
		return 0, fmt.Errorf("goroutine profile: total: %w", err)
	}
	return int(n), nil
}
