package main

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// This file reads goroutine?debug=2 dumps for the tests. It handles only what the Go release
// building the tests prints, which is all these tests need; the plugin has its own parser
// for every release it supports.

// dumpGoroutine is one record of a goroutine?debug=2 dump.
type dumpGoroutine struct {
	id    string
	state string
	// frames are function names, innermost first, with their file:line locations in sites.
	frames []string
	sites  []string
	// createdBy is the creating function without " in goroutine N"; createdAt its file:line.
	createdBy string
	createdAt string
}

// topFrame is the innermost function, the one the goroutine is blocked in.
func (g dumpGoroutine) topFrame() string {
	if len(g.frames) == 0 {
		return ""
	}
	return g.frames[0]
}

var (
	dumpHeader = regexp.MustCompile(`^goroutine ([0-9]+) \[([^\],]+)(?:, [^\]]*)?\]:$`)
	// dumpSite is a location line: a tab, file:line, and an optional pc offset.
	dumpSite = regexp.MustCompile(`^\t(.+:[0-9]+)(?: \+0x[0-9a-f]+)?$`)
	// dumpFunc cuts the argument list from a frame line; inlined frames print "(...)".
	dumpFunc = regexp.MustCompile(`^(.+)\(.*\)$`)
)

// parseDump reads every record of a debug=2 dump, failing the test on a line it does not
// understand so a format change shows up as a clear failure rather than a wrong count.
func parseDump(t *testing.T, dump []byte) []dumpGoroutine {
	t.Helper()
	var (
		out []dumpGoroutine
		cur *dumpGoroutine
		// pending is what the next location line belongs to: a frame or the creator.
		pendingCreator bool
	)
	sc := bufio.NewScanner(bytes.NewReader(dump))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case line == "":
			cur = nil
		case cur == nil:
			m := dumpHeader.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("dump line %d: %q is not a goroutine header", lineNo, line)
			}
			out = append(out, dumpGoroutine{id: m[1], state: m[2]})
			cur = &out[len(out)-1]
		case strings.HasPrefix(line, "\t"):
			m := dumpSite.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("dump line %d: %q is not a file:line location", lineNo, line)
			}
			if pendingCreator {
				cur.createdAt = m[1]
				pendingCreator = false
			} else {
				cur.sites = append(cur.sites, m[1])
			}
		case strings.HasPrefix(line, "created by "):
			fn := strings.TrimPrefix(line, "created by ")
			if i := strings.Index(fn, " in goroutine "); i >= 0 {
				fn = fn[:i]
			}
			cur.createdBy = fn
			pendingCreator = true
		case strings.HasPrefix(line, "...") && strings.HasSuffix(line, "frames elided..."):
		default:
			m := dumpFunc.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("dump line %d: %q is not a frame", lineNo, line)
			}
			cur.frames = append(cur.frames, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read dump: %v", err)
	}
	if len(out) == 0 {
		t.Fatalf("dump has no goroutines: %.200q", dump)
	}
	return out
}

// dump fetches and parses the program's goroutine?debug=2.
func (a *app) dump(t *testing.T) []dumpGoroutine {
	t.Helper()
	return parseDump(t, a.mustGet(t, "/debug/pprof/goroutine?debug=2"))
}

// goroutineGroup selects the goroutines of one leak: its creator and its top frame.
type goroutineGroup struct {
	createdBy string
	topFrame  string
}

// count returns how many goroutines of the dump belong to the group.
func (g goroutineGroup) count(dump []dumpGoroutine) int {
	n := 0
	for _, r := range dump {
		if r.createdBy == g.createdBy && r.topFrame() == g.topFrame {
			n++
		}
	}
	return n
}

// members returns the goroutines of the dump that belong to the group.
func (g goroutineGroup) members(dump []dumpGoroutine) []dumpGoroutine {
	var out []dumpGoroutine
	for _, r := range dump {
		if r.createdBy == g.createdBy && r.topFrame() == g.topFrame {
			out = append(out, r)
		}
	}
	return out
}

// sourceLine returns the 1-based line of the only line in file containing marker, so tests
// can check creation sites without hard-coding line numbers that move with every edit.
func sourceLine(t *testing.T, file, marker string) int {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	found := 0
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, marker) {
			if found != 0 {
				t.Fatalf("%s: marker %q is on lines %d and %d, want one", file, marker, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%s: no line contains %q", file, marker)
	}
	return found
}

func TestParseDumpReadsRecords(t *testing.T) {
	dump := []byte(`goroutine 1 [running]:
main.main()
	/src/main.go:10 +0x1d

goroutine 7 [chan send, 3 minutes]:
main.blockedSender(0xc000012345?)
	/src/goroutineleaks.go:70 +0x1e
main.inlined(...)
	/src/x.go:5
created by main.leakBlockedSender in goroutine 6
	/src/goroutineleaks.go:59 +0x25
`)
	got := parseDump(t, dump)
	if len(got) != 2 {
		t.Fatalf("parsed %d records, want 2: %+v", len(got), got)
	}
	g := got[1]
	if g.id != "7" || g.state != "chan send" || g.topFrame() != "main.blockedSender" ||
		len(g.frames) != 2 || g.frames[1] != "main.inlined" || g.sites[0] != "/src/goroutineleaks.go:70" ||
		g.createdBy != "main.leakBlockedSender" || g.createdAt != "/src/goroutineleaks.go:59" {
		t.Fatalf("record = %+v", g)
	}
	if got[0].createdBy != "" || got[0].topFrame() != "main.main" {
		t.Fatalf("goroutine 1 = %+v, want main.main and no creator", got[0])
	}
}
