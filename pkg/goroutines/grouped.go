package goroutines

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// GroupedStack is one record of a debug=1 goroutine profile: goroutines sharing a stack
// (and labels).
type GroupedStack struct {
	Count  int               `json:"count"`
	Labels map[string]string `json:"labels,omitempty"`
	// Frames are the "#" lines, innermost first. The runtime leaves out leading runtime
	// frames and runtime.goexit here.
	Frames []Frame `json:"frames"`
}

// Grouped is a parsed goroutine?debug=1 profile.
type Grouped struct {
	Total  int            `json:"total"`
	Stacks []GroupedStack `json:"stacks"`
}

const expGroupedRecord = `a "<count> @ 0x<pc> ..." record`

// ParseGrouped reads a goroutine?debug=1 profile:
//
//	goroutine profile: total <N>
//	<count> @ 0x<pc> 0x<pc> ...
//	# labels: {"k":"v", ...}
//	#	0x<pc>	<func>+0x<off>	<file>:<line>
//
// with a blank line after each record. The columns of "#" lines are padded by a tabwriter,
// so runs of tabs separate them.
func ParseGrouped(r io.Reader) (*Grouped, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	in := interner{}
	g := &Grouped{}
	n := 0
	wrap := func(err error) (*Grouped, error) { return nil, fmt.Errorf("parsing goroutine profile: %w", err) }
	var cur *GroupedStack
	for sc.Scan() {
		n++
		b := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		switch {
		case n == 1:
			rest, ok := bytes.CutPrefix(b, []byte("goroutine profile: total "))
			t, err := strconv.Atoi(string(rest))
			if !ok || err != nil || t < 0 {
				return wrap(syntaxErr(n, `"goroutine profile: total <N>"`, b))
			}
			g.Total = t
		case len(b) == 0:
			cur = nil
		case cur == nil:
			c, pcs, ok := bytes.Cut(b, []byte(" @"))
			count, err := strconv.Atoi(string(c))
			if !ok || err != nil || count < 0 || !validPCs(pcs) {
				return wrap(syntaxErr(n, expGroupedRecord, b))
			}
			g.Stacks = append(g.Stacks, GroupedStack{Count: count})
			cur = &g.Stacks[len(g.Stacks)-1]
		case bytes.HasPrefix(b, []byte("# labels: {")) && bytes.HasSuffix(b, []byte("}")):
			labels, ok := parseLabels(b[len("# labels: {"):len(b)-1], in)
			if !ok || cur.Labels != nil || len(cur.Frames) > 0 {
				return wrap(syntaxErr(n, `one "# labels: {...}" line before the frames`, b))
			}
			cur.Labels = labels
		case bytes.HasPrefix(b, []byte("#\t")):
			f, ok := groupedFrame(b[2:], in)
			if !ok {
				return wrap(syntaxErr(n, `a "#\t0x<pc>\t<func>+0x<off>\t<file>:<line>" frame`, b))
			}
			if f != nil {
				cur.Frames = append(cur.Frames, *f)
			}
		default:
			return wrap(syntaxErr(n, `a "#" frame line or a blank line`, b))
		}
	}
	if err := sc.Err(); err != nil {
		return wrap(fmt.Errorf("line %d: %w", n+1, err))
	}
	if n == 0 {
		return wrap(syntaxErr(1, `"goroutine profile: total <N>"`, []byte("end of input")))
	}
	return g, nil
}

func validPCs(b []byte) bool {
	for _, f := range bytes.Fields(b) {
		if !bytes.HasPrefix(f, []byte("0x")) || len(f) == 2 {
			return false
		}
		if _, err := strconv.ParseUint(string(f[2:]), 16, 64); err != nil {
			return false
		}
	}
	return true
}

// groupedFrame reads "0x<pc>\t<func>+0x<off>\t<file>:<line>"; a bare "0x<pc>" (a PC without
// symbol information) yields no frame and no error.
func groupedFrame(b []byte, in interner) (*Frame, bool) {
	cols := bytes.FieldsFunc(b, func(r rune) bool { return r == '\t' })
	if len(cols) == 0 || !validPCs(cols[0]) {
		return nil, false
	}
	if len(cols) == 1 {
		return nil, true
	}
	if len(cols) != 3 {
		return nil, false
	}
	fn := cols[1]
	if i := bytes.LastIndex(fn, []byte("+0x")); i > 0 {
		fn = fn[:i]
	}
	file, line, ok := splitFileLine(cols[2])
	if !ok {
		return nil, false
	}
	return &Frame{Func: in.get(fn), File: in.get(file), Line: line}, true
}
