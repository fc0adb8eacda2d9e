package goroutines

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Frame is one stack frame: the function and the file:line it was at.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// Site returns "file:line", the form the runtime prints.
func (f Frame) Site() string {
	if f.File == "" {
		return ""
	}
	return f.File + ":" + strconv.Itoa(f.Line)
}

// Ancestor is a traceback of a goroutine's creator printed after "[originating from
// goroutine N]:", which the runtime adds with GODEBUG=tracebackancestors=N.
type Ancestor struct {
	ID        int64   `json:"id"`
	Frames    []Frame `json:"frames"`
	CreatedBy *Frame  `json:"createdBy,omitempty"`
}

// Goroutine is one record of a debug=2 dump.
type Goroutine struct {
	ID int64 `json:"id"`
	// Status is the wait reason ("chan receive", "select (no cases)") or the scheduler state
	// ("running", "runnable", "syscall", ...), without the markers that Scan and Flags hold.
	Status string `json:"status"`
	// WaitMinutes is the runtime's ", N minutes"; 0 when it printed none (waits under a
	// minute, and waits no GC has seen yet: see WaitNote).
	WaitMinutes    int  `json:"waitMinutes,omitempty"`
	LockedToThread bool `json:"lockedToThread,omitempty"`
	// Scan is the " (scan)" marker of a goroutine whose stack a GC was scanning.
	Scan bool `json:"scan,omitempty"`
	// Flags are the header markers this package does not model, verbatim: parenthesised ones
	// such as "(leaked)" and comma-separated ones such as "synctest group 3".
	Flags []string `json:"flags,omitempty"`
	// Labels are the pprof labels Go 1.27 prints after the bracket.
	Labels map[string]string `json:"labels,omitempty"`
	// Frames run from the innermost call outwards.
	Frames []Frame `json:"frames"`
	// CreatedBy is the function containing the go statement and the site of that statement;
	// nil for goroutines the runtime started itself (goroutine 1). Goroutines of one go
	// statement share the Frame: treat it as read-only.
	CreatedBy *Frame `json:"createdBy,omitempty"`
	// CreatorID is the goroutine that ran the go statement (Go 1.21+); 0 when not printed.
	CreatorID int64 `json:"creatorId,omitempty"`
	// FramesElided is N of "...N frames elided..." (the runtime prints at most 100 frames),
	// or -1 for the older "...additional frames elided..." that gives no count.
	FramesElided int `json:"framesElided,omitempty"`
	// StackUnavailable is set for a goroutine running on another thread, whose stack the
	// runtime could not walk.
	StackUnavailable bool       `json:"stackUnavailable,omitempty"`
	Ancestors        []Ancestor `json:"ancestors,omitempty"`
}

// Leaked reports whether the runtime marked the goroutine as leaked (Go 1.26+, by its
// goroutine leak detector), either as its status or as a "(leaked)" marker.
func (g *Goroutine) Leaked() bool {
	if g.Status == "leaked" {
		return true
	}
	for _, f := range g.Flags {
		if f == "(leaked)" {
			return true
		}
	}
	return false
}

// Dump is a parsed debug=2 dump.
type Dump struct {
	Goroutines []Goroutine `json:"goroutines"`
	// Truncated is set when the input ended inside a line or between a function line and
	// its file line: the runtime cuts dumps at its 64 MiB buffer limit without saying so.
	// The partial line and frame are dropped.
	Truncated bool `json:"truncated,omitempty"`
}

// SyntaxError is a line the parsers could not read.
type SyntaxError struct {
	// Line is 1-based.
	Line int
	// Expected says what the grammar allowed at that point.
	Expected string
	// Got is the start of the offending line.
	Got string
}

// Error reads "line N: expected X, got "Y"".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d: expected %s, got %q", e.Line, e.Expected, e.Got)
}

func syntaxErr(line int, expected string, got []byte) error {
	const maxGot = 80
	if len(got) > maxGot {
		got = append(got[:maxGot:maxGot], "..."...)
	}
	return &SyntaxError{Line: line, Expected: expected, Got: string(got)}
}

// maxLine bounds one line. Frame lines with many arguments stay far below it; a longer line
// means the input is not a dump.
const maxLine = 1 << 20

// interner returns one string per distinct byte sequence, so that the function names and
// paths repeated by thousands of goroutines are stored once.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// dumpParser holds the state of ParseDump between lines.
type dumpParser struct {
	in     interner
	dump   Dump
	g      *Goroutine
	frames *[]Frame // where the next frame goes: the goroutine's or an ancestor's
	// pending is the function of a function line awaiting its file line, interned at once
	// because the scanner may overwrite the line's bytes when it reads the next; created
	// marks it as "created by".
	pending    string
	hasPending bool
	created    bool
	// cgo marks a pending function line without arguments, which only the C frames of a
	// cgo traceback (runtime.SetCgoTraceback) print; its file line must carry "pc=0x".
	cgo       bool
	pendingAt int
	creator   int64
	// ancestor is the ancestor traceback being read, nil while reading the goroutine's own.
	ancestor *Ancestor
	// sectionDone is set once the current traceback's "created by" has been read: only an
	// ancestor traceback may follow.
	sectionDone bool
	// scratch collects a goroutine's frames; finish copies them into chunk, which frames of
	// many goroutines share, instead of growing one slice per goroutine.
	scratch []Frame
	chunk   []Frame
	// creators interns the "created by" frames: goroutines started by one go statement
	// share one.
	creators map[Frame]*Frame
}

// Expected-token texts shared by the parser and its tests.
const (
	expHeader   = `a "goroutine <id> [<status>]:" header`
	expFileLine = `a "\t<file>:<line>" line`
	expFrame    = `a "<func>(<args>)" frame, "created by", an elision marker or a blank line`
)

// ParseDump reads a goroutine?debug=2 dump (runtime.Stack(buf, true) output). It streams:
// memory use is that of the result plus one line.
//
// The runtime ends every line with a newline, and cuts dumps at 64 MiB without a word, so
// a last line without one (after the first) is taken as cut: it is dropped, as it may
// still parse with a shortened line number, and the dump is marked Truncated.
func ParseDump(r io.Reader) (*Dump, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	cut := false
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := bufio.ScanLines(data, atEOF)
		if atEOF && tok != nil && adv == len(data) && data[len(data)-1] != '\n' {
			cut = true
		}
		return adv, tok, err
	})
	p := &dumpParser{in: interner{}, creators: map[Frame]*Frame{}}
	n := 0
	for sc.Scan() {
		n++
		if cut && n > 1 {
			p.dump.Truncated = true
			break
		}
		if err := p.line(n, bytes.TrimSuffix(sc.Bytes(), []byte("\r"))); err != nil {
			return nil, fmt.Errorf("parsing goroutine dump: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parsing goroutine dump: line %d: %w", n+1, err)
	}
	if p.hasPending {
		if p.cgo {
			return nil, fmt.Errorf("parsing goroutine dump: %w", syntaxErr(p.pendingAt, expFrame, []byte(p.pending)))
		}
		p.dump.Truncated = true
	}
	p.finish()
	if len(p.dump.Goroutines) == 0 {
		return nil, fmt.Errorf("parsing goroutine dump: %w", syntaxErr(n+1, expHeader, []byte("end of input")))
	}
	return &p.dump, nil
}

func (p *dumpParser) finish() {
	if p.g == nil {
		return
	}
	if k := len(p.scratch); k > 0 {
		if len(p.chunk)+k > cap(p.chunk) {
			p.chunk = make([]Frame, 0, max(4096, k))
		}
		start := len(p.chunk)
		p.chunk = append(p.chunk, p.scratch...)
		// The full slice expression keeps an append by a caller from overwriting the next
		// goroutine's frames.
		p.g.Frames = p.chunk[start : start+k : start+k]
		p.scratch = p.scratch[:0]
	}
	p.dump.Goroutines = append(p.dump.Goroutines, *p.g)
	p.g = nil
	p.hasPending = false
	p.ancestor = nil
	p.sectionDone = false
}

func (p *dumpParser) line(n int, b []byte) error {
	if p.hasPending {
		return p.fileLine(n, b)
	}
	if len(b) == 0 {
		p.finish()
		return nil
	}
	if p.g == nil {
		if !bytes.HasPrefix(b, []byte("goroutine ")) {
			return syntaxErr(n, expHeader, b)
		}
		g, err := p.header(n, b)
		if err != nil {
			return err
		}
		p.g = g
		p.frames = &p.scratch
		return nil
	}
	switch {
	case bytes.HasPrefix(b, []byte("created by ")):
		if p.sectionDone {
			return syntaxErr(n, "a blank line or \"[originating from goroutine <id>]:\" after \"created by\"", b)
		}
		rest := b[len("created by "):]
		p.creator = 0
		if i := bytes.LastIndex(rest, []byte(" in goroutine ")); i >= 0 {
			id, ok := parseDigits(rest[i+len(" in goroutine "):])
			if !ok {
				return syntaxErr(n, `"created by <func> in goroutine <id>"`, b)
			}
			p.creator = id
			rest = rest[:i]
		}
		if len(rest) == 0 {
			return syntaxErr(n, `"created by <func>"`, b)
		}
		p.pending, p.hasPending, p.created, p.cgo = p.in.get(rest), true, true, false
		return nil
	case bytes.HasPrefix(b, []byte("[originating from goroutine ")) && bytes.HasSuffix(b, []byte("]:")):
		id, ok := parseDigits(b[len("[originating from goroutine ") : len(b)-2])
		if !ok {
			return syntaxErr(n, `"[originating from goroutine <id>]:"`, b)
		}
		p.g.Ancestors = append(p.g.Ancestors, Ancestor{ID: id})
		p.ancestor = &p.g.Ancestors[len(p.g.Ancestors)-1]
		p.frames = &p.ancestor.Frames
		p.sectionDone = false
		return nil
	case bytes.HasPrefix(b, []byte("...")) && bytes.HasSuffix(b, []byte(" frames elided...")):
		mid := b[3 : len(b)-len(" frames elided...")]
		if string(mid) == "additional" {
			if p.ancestor == nil {
				p.g.FramesElided = -1
			}
			return nil
		}
		k, ok := parseDigits(mid)
		if !ok {
			return syntaxErr(n, `"...<N> frames elided..."`, b)
		}
		if p.ancestor == nil {
			p.g.FramesElided = int(k)
		}
		return nil
	case b[0] == '\t':
		if string(b[1:]) == "goroutine running on other thread; stack unavailable" {
			p.g.StackUnavailable = true
			return nil
		}
		return syntaxErr(n, expFrame, b)
	case b[len(b)-1] == ')' && bytes.IndexByte(b, '(') > 0:
		if p.sectionDone {
			return syntaxErr(n, "a blank line or \"[originating from goroutine <id>]:\" after \"created by\"", b)
		}
		p.pending, p.hasPending, p.created, p.cgo = p.in.get(b[:bytes.LastIndexByte(b, '(')]), true, false, false
		return nil
	case b[0] != ' ' && !p.sectionDone:
		p.pending, p.hasPending, p.created, p.cgo, p.pendingAt = p.in.get(b), true, false, true, n
		return nil
	}
	return syntaxErr(n, expFrame, b)
}

// fileLine reads the "\t<file>:<line>[ +0x<off>][ fp=... sp=... pc=...]" line under a
// function line. Inlined frames have no offset. Paths may contain ':' (Windows drives) and
// spaces, so the line number is the last ":<digits>" followed by the end or a space.
func (p *dumpParser) fileLine(n int, b []byte) error {
	if len(b) < 2 || b[0] != '\t' {
		return syntaxErr(n, expFileLine, b)
	}
	b = b[1:]
	if p.cgo {
		return p.cgoLine(n, b)
	}
	file, line, ok := splitFileLine(b)
	if !ok {
		return syntaxErr(n, expFileLine, append([]byte("\t"), b...))
	}
	f := Frame{Func: p.pending, File: p.in.get(file), Line: line}
	switch {
	case p.created && p.ancestor != nil:
		p.ancestor.CreatedBy = new(Frame)
		*p.ancestor.CreatedBy = f
		p.sectionDone = true
	case p.created:
		c, ok := p.creators[f]
		if !ok {
			// Not &f, which would move every frame to the heap.
			c = new(Frame)
			*c = f
			p.creators[f] = c
		}
		p.g.CreatedBy = c
		p.g.CreatorID = p.creator
		p.sectionDone = true
	default:
		*p.frames = append(*p.frames, f)
	}
	p.hasPending = false
	return nil
}

// cgoLine reads the line under a C frame: "pc=0x<pc>" or "<file>:<line> pc=0x<pc>". Without
// "pc=" the function line was not a C frame but text the grammar does not allow.
func (p *dumpParser) cgoLine(n int, b []byte) error {
	f := Frame{Func: p.pending}
	if !bytes.HasPrefix(b, []byte("pc=0x")) {
		file, line, ok := splitFileLine(b)
		if !ok || !bytes.Contains(b[len(file):], []byte(" pc=0x")) {
			return syntaxErr(p.pendingAt, expFrame, []byte(p.pending))
		}
		f.File, f.Line = p.in.get(file), line
	}
	*p.frames = append(*p.frames, f)
	p.hasPending, p.cgo = false, false
	return nil
}

func splitFileLine(b []byte) (file []byte, line int, ok bool) {
	end := len(b)
	for end > 0 {
		i := bytes.LastIndexByte(b[:end], ':')
		if i <= 0 {
			return nil, 0, false
		}
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j > i+1 && j-i-1 <= 9 && (j == len(b) || b[j] == ' ') {
			n, _ := parseDigits(b[i+1 : j])
			return b[:i], int(n), true
		}
		end = i
	}
	return nil, 0, false
}

// parseDigits reads a non-negative decimal of at most 18 digits, without the string
// conversion strconv needs (one allocation per frame line otherwise).
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
