package goroutines

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var dumpFixtures = []string{"cgo.debug2.txt", "goleak126.debug2.txt", "go1.19.13.debug2.txt", "go1.27.0.debug2.txt",
	"go1.27.0.goroutineleak.debug2.txt", "go119.debug2.txt", "go127.debug2.txt", "leakyapp.debug2.txt", "states.debug2.txt"}

func TestParseDumpGolden(t *testing.T) {
	for _, name := range dumpFixtures {
		t.Run(name, func(t *testing.T) {
			d, err := ParseDump(bytes.NewReader(readTestdata(t, name)))
			require.NoError(t, err)
			checkGoldenJSON(t, strings.TrimSuffix(name, ".txt")+".golden.json", d)
		})
	}
}

// TestParseDumpCountsRecords checks each capture against a count taken by a regular
// expression, independent of the parser.
func TestParseDumpCountsRecords(t *testing.T) {
	header := regexp.MustCompile(`(?m)^goroutine \d+ .*\]:?.*:$`)
	frameFile := regexp.MustCompile(`(?m)^\t(.*:\d+( \+0x[0-9a-f]+)?( fp=.*)?( pc=0x[0-9a-f]+)?|pc=0x[0-9a-f]+)$`)
	created := regexp.MustCompile(`(?m)^created by `)
	for _, name := range dumpFixtures {
		t.Run(name, func(t *testing.T) {
			raw := readTestdata(t, name)
			d, err := ParseDump(bytes.NewReader(raw))
			require.NoError(t, err)
			assert.Len(t, d.Goroutines, len(header.FindAll(raw, -1)))
			frames, creators := 0, 0
			for _, g := range d.Goroutines {
				frames += len(g.Frames)
				if g.CreatedBy != nil {
					creators++
				}
				for _, a := range g.Ancestors {
					frames += len(a.Frames)
					if a.CreatedBy != nil {
						creators++
					}
				}
			}
			assert.Equal(t, len(created.FindAll(raw, -1)), creators)
			assert.Equal(t, len(frameFile.FindAll(raw, -1)), frames+creators)
			assert.False(t, d.Truncated)
		})
	}
}

func TestParseDumpGo119(t *testing.T) {
	d, err := ParseDump(bytes.NewReader(readTestdata(t, "go119.debug2.txt")))
	require.NoError(t, err)
	require.Len(t, d.Goroutines, 5)
	g := d.Goroutines[1]
	assert.Equal(t, int64(18), g.ID)
	assert.Equal(t, "semacquire", g.Status)
	assert.Equal(t, 12, g.WaitMinutes)
	assert.Equal(t, &Frame{Func: "main.startWorkers", File: "/home/dev/app/workers.go", Line: 17}, g.CreatedBy)
	assert.Zero(t, g.CreatorID, "Go 1.19 does not print the creator's id")
	assert.Equal(t, Frame{Func: "sync.(*Mutex).Lock", File: "/usr/local/go/src/sync/mutex.go", Line: 90}, g.Frames[2], "inlined frame without +0x")
	assert.Equal(t, "main.(*cache).get", g.Frames[3].Func)

	assert.True(t, d.Goroutines[2].LockedToThread)
	assert.Equal(t, 3, d.Goroutines[2].WaitMinutes)
	assert.Equal(t, "select (no cases)", d.Goroutines[3].Status)
	assert.Equal(t, "chan send (nil chan)", d.Goroutines[4].Status)
	assert.Equal(t, -1, d.Goroutines[4].FramesElided)
	assert.Nil(t, d.Goroutines[0].CreatedBy)
	assert.Empty(t, d.Goroutines[4].Flags)
}

// TestParseDumpRealGo119 reads a dump written by Go 1.19.13 (see testdata/README.md): no
// creator ids, a blocked Mutex and WaitGroup as semacquire, and a 120-call recursion that
// Go 1.19 cut at 100 frames (3 of them hidden runtime frames) without saying so.
func TestParseDumpRealGo119(t *testing.T) {
	d := parseFixture(t, "go1.19.13.debug2.txt")
	require.Len(t, d.Goroutines, 9)
	states := map[string]string{}
	for _, g := range d.Goroutines {
		top, _ := TopFrame(g.Frames)
		states[top.Func] = g.Status
		if g.ID != 1 {
			require.NotNil(t, g.CreatedBy, g.ID)
			assert.Equal(t, "main.main", g.CreatedBy.Func)
			assert.Zero(t, g.CreatorID)
		}
	}
	assert.Equal(t, map[string]string{
		"main.main": "running", "main.chanRecv": "chan receive", "main.chanSend": "chan send",
		"main.lockMutex": "semacquire", "main.waitGroup": "semacquire", "main.selectTwo": "select",
		"main.locked": "chan receive", "main.nilChan": "chan receive (nil chan)", "main.deep": "chan receive",
	}, states)
	deep := findByFunc(d, "main.deep")
	assert.Len(t, deep.Frames, 97)
	assert.Zero(t, deep.FramesElided)
	assert.True(t, findByFunc(d, "main.locked").LockedToThread)
	assert.Equal(t, BucketSync, Bucket(findByFunc(d, "main.lockMutex").Status))
}

// TestParseDumpRealGo127 reads the goroutine and goroutineleak dumps of a Go 1.27.0 module
// (go 1.27 in go.mod, so labels print): labels after the bracket, "(leaked)" markers.
func TestParseDumpRealGo127(t *testing.T) {
	d := parseFixture(t, "go1.27.0.debug2.txt")
	require.Len(t, d.Goroutines, 7)
	labelled := 0
	for _, g := range d.Goroutines {
		if g.Labels != nil {
			labelled++
			assert.Equal(t, map[string]string{"handler": "/api/orders", "request.id": "17"}, g.Labels)
			assert.Equal(t, "main.main.func1", g.CreatedBy.Func)
		}
		assert.Empty(t, g.Flags)
	}
	assert.Equal(t, 2, labelled)
	assert.Equal(t, "sync.Mutex.Lock", findByFunc(d, "main.lockMutex").Status)

	leak := parseFixture(t, "go1.27.0.goroutineleak.debug2.txt")
	s := SummarizeDump(leak)
	assert.Equal(t, 5, s.BucketCounts()[BucketLeaked], "four leak() and one handler; the mutex waiter is reachable")
	g := findByFunc(leak, "main.lockMutex")
	assert.Equal(t, 1, g.WaitMinutes)
	assert.False(t, g.Leaked())

	gr, err := ParseGrouped(bytes.NewReader(readTestdata(t, "go1.27.0.debug1.txt")))
	require.NoError(t, err)
	assert.Equal(t, 7, gr.Total)
	withLabels := 0
	for _, st := range gr.Stacks {
		if st.Labels != nil {
			withLabels += st.Count
			assert.Equal(t, map[string]string{"handler": "/api/orders", "request.id": "17"}, st.Labels)
		}
	}
	assert.Equal(t, 2, withLabels, "debug=1 and debug=2 agree on the labelled goroutines")
}

func TestParseDumpGo127(t *testing.T) {
	d, err := ParseDump(bytes.NewReader(readTestdata(t, "go127.debug2.txt")))
	require.NoError(t, err)
	require.Len(t, d.Goroutines, 7)
	byID := map[int64]Goroutine{}
	for _, g := range d.Goroutines {
		byID[g.ID] = g
	}

	g := byID[7]
	assert.Equal(t, "running", g.Status, "gp=/m=/mp= tokens are skipped")
	assert.Equal(t, Frame{Func: "runtime/pprof.writeGoroutineStacks", File: "/usr/local/go/src/runtime/pprof/pprof.go", Line: 819}, g.Frames[0])
	assert.Equal(t, "C:/Users/dev/My Projects/app/main.go", g.CreatedBy.File)
	assert.Equal(t, int64(1), g.CreatorID)

	g = byID[8]
	assert.Equal(t, "chan receive", g.Status)
	assert.Equal(t, []string{"(leaked)"}, g.Flags)
	assert.True(t, g.Leaked())
	assert.Equal(t, "chan receive (leaked)", g.StatusKey())
	assert.Equal(t, 42, g.WaitMinutes)
	assert.Equal(t, map[string]string{"request.id": "17", "handler": "/api/orders"}, g.Labels)
	assert.Equal(t, "example.com/shop/orders.(*Poller).wait[...]", g.Frames[0].Func)

	g = byID[9]
	assert.Equal(t, "chan send (durable)", g.Status, "parentheses of a known reason stay")
	assert.Equal(t, []string{"synctest group 3"}, g.Flags)
	assert.Equal(t, 1, g.WaitMinutes)
	assert.Equal(t, 12, g.FramesElided)
	assert.Equal(t, int64(8), g.CreatorID)
	require.Len(t, g.Ancestors, 2)
	assert.Equal(t, int64(8), g.Ancestors[0].ID)
	assert.Equal(t, "example.com/shop/orders.Start", g.Ancestors[0].Frames[0].Func)
	assert.Equal(t, "main.main", g.Ancestors[0].CreatedBy.Func)
	assert.Equal(t, int64(1), g.Ancestors[1].ID)
	assert.Nil(t, g.Ancestors[1].CreatedBy)
	assert.Len(t, g.Frames, 2, "ancestor frames are not the goroutine's")

	g = byID[10]
	assert.True(t, g.StackUnavailable)
	assert.Empty(t, g.Frames)
	assert.Equal(t, "example.com/shop/net.Serve", g.CreatedBy.Func)

	g = byID[11]
	assert.Equal(t, "sync.WaitGroup.Wait", g.Status)
	assert.True(t, g.Scan)
	assert.Equal(t, map[string]string{"quoted key": "a, b"}, g.Labels)

	g = byID[12]
	assert.Equal(t, "trace reader (blocked)", g.Status)
	assert.True(t, g.Scan)
	assert.Equal(t, []string{"(leaked)"}, g.Flags)

	g = byID[13]
	assert.Equal(t, "future wait reason (with detail)", g.Status, "an unknown reason is kept verbatim")
	assert.Empty(t, g.Flags)
	assert.Equal(t, 2, g.WaitMinutes)
}

// TestParseDumpInternsStrings checks that goroutines with the same stack share one copy of
// each function name and path.
func TestParseDumpInternsStrings(t *testing.T) {
	d, err := ParseDump(bytes.NewReader(readTestdata(t, "leakyapp.debug2.txt")))
	require.NoError(t, err)
	seen := map[string]string{}
	for _, g := range d.Goroutines {
		for _, f := range g.Frames {
			for _, s := range []string{f.Func, f.File} {
				if prev, ok := seen[s]; ok {
					require.Equal(t, strings.Clone(prev), s)
					require.True(t, unsafeSameData(prev, s), "%q is stored twice", s)
				}
				seen[s] = s
			}
		}
	}
}

func TestParseDumpStreams(t *testing.T) {
	raw := readTestdata(t, "go127.debug2.txt")
	want, err := ParseDump(bytes.NewReader(raw))
	require.NoError(t, err)
	got, err := ParseDump(iotest.OneByteReader(bytes.NewReader(raw)))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	crlf, err := ParseDump(strings.NewReader(strings.ReplaceAll(string(raw), "\n", "\r\n")))
	require.NoError(t, err)
	assert.Equal(t, want, crlf)
}

func TestParseDumpTruncated(t *testing.T) {
	raw := string(readTestdata(t, "go119.debug2.txt"))
	cut := raw[:strings.Index(raw, "\t/home/dev/app/cache.go")]
	require.True(t, strings.HasSuffix(cut, "\n"))
	d, err := ParseDump(strings.NewReader(cut))
	require.NoError(t, err)
	assert.True(t, d.Truncated)
	require.Len(t, d.Goroutines, 2)
	assert.Len(t, d.Goroutines[1].Frames, 3, "the frame without its file line is dropped")
}

// TestParseDumpCutAnywhere cuts a dump at every byte after its first record, as the
// runtime's 64 MiB limit does: each cut parses, and is marked Truncated unless it fell where
// a complete dump could end.
func TestParseDumpCutAnywhere(t *testing.T) {
	raw := readTestdata(t, "go127.debug2.txt")
	full, err := ParseDump(bytes.NewReader(raw))
	require.NoError(t, err)
	first := bytes.Index(raw, []byte("\n\n")) + 2
	for k := first; k < len(raw); k++ {
		d, err := ParseDump(bytes.NewReader(raw[:k]))
		require.NoError(t, err, "cut at %d", k)
		if raw[k-1] != '\n' {
			assert.True(t, d.Truncated, "cut at %d inside a line", k)
		}
		require.LessOrEqual(t, len(d.Goroutines), len(full.Goroutines))
		for i, g := range d.Goroutines {
			want := full.Goroutines[i]
			assert.Equal(t, want.ID, g.ID)
			require.LessOrEqual(t, len(g.Frames), len(want.Frames))
			for j, f := range g.Frames {
				assert.Equal(t, want.Frames[j], f, "cut at %d: frames are a prefix, never altered", k)
			}
		}
	}
}

func TestParseDumpReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := ParseDump(iotest.ErrReader(boom))
	require.ErrorIs(t, err, boom)
}

func TestParseDumpMalformed(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `parsing goroutine dump: line 1: expected a "goroutine <id> [<status>]:" header, got "end of input"`},
		{"html", "<html>\n", `line 1: expected a "goroutine <id> [<status>]:" header, got "<html>"`},
		{"debug1 profile", "goroutine profile: total 3\n", `line 1: expected a goroutine id after "goroutine ", got "goroutine profile: total 3"`},
		{"huge id", "goroutine 1234567890123456789 [running]:\n", `line 1: expected a goroutine id after "goroutine "`},
		{"no bracket", "goroutine 1 running:\n", `line 1: expected "[<status>]" or a "<key>=<value>" token after the goroutine id`},
		{"unclosed", "goroutine 1 [running:\n", `line 1: expected "]" closing the status`},
		{"no colon", "goroutine 1 [running]\n", `line 1: expected "]:" or " {<labels>}:" ending the header`},
		{"empty status", "goroutine 1 []:\n", `line 1: expected a status inside the brackets`},
		{"bad minutes", "goroutine 1 [select, x minutes]:\n", `line 1: expected "<N> minutes"`},
		{"empty qualifier", "goroutine 1 [select, ]:\n", `line 1: expected a qualifier after ", "`},
		{"bad labels", "goroutine 1 [select] {k}:\n", `line 1: expected labels as "{<key>: <value>, ...}"`},
		{"missing file line", "goroutine 1 [running]:\nmain.main()\nmain.f()\n", `line 3: expected a "\t<file>:<line>" line, got "main.f()"`},
		{"no line number", "goroutine 1 [running]:\nmain.main()\n\t/src/main.go +0x1\n", `line 3: expected a "\t<file>:<line>" line, got "\t/src/main.go +0x1"`},
		{"text in record", "goroutine 1 [running]:\npanic: boom\n", `line 2: expected a "<func>(<args>)" frame, "created by", an elision marker or a blank line, got "panic: boom"`},
		{"text before a file line", "goroutine 1 [running]:\nnot a frame\n\t/a.go:1\n", `line 2: expected a "<func>(<args>)" frame, "created by", an elision marker or a blank line, got "not a frame"`},
		{"stray tab line", "goroutine 1 [running]:\n\t/src/main.go:3\n", `line 2: expected a "<func>(<args>)" frame`},
		{"bad creator id", "goroutine 2 [select]:\nmain.f()\n\t/a.go:1\ncreated by main.main in goroutine x\n", `line 4: expected "created by <func> in goroutine <id>"`},
		{"frame after creator", "goroutine 2 [select]:\nmain.f()\n\t/a.go:1\ncreated by main.main\n\t/a.go:2\nmain.g()\n", `line 6: expected a blank line or "[originating from goroutine <id>]:" after "created by"`},
		{"bad elision", "goroutine 2 [select]:\n...many frames elided...\n", `line 2: expected "...<N> frames elided..."`},
		{"bad ancestor", "goroutine 2 [select]:\n[originating from goroutine -3]:\n", `line 2: expected "[originating from goroutine <id>]:"`},
		{"garbage after record", "goroutine 1 [running]:\nmain.main()\n\t/a.go:1\n\nnot a header\n", `line 5: expected a "goroutine <id> [<status>]:" header, got "not a header"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDump(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), tt.want)
			var se *SyntaxError
			assert.True(t, errors.As(err, &se), "a *SyntaxError names the line")
		})
	}
}

func TestParseDumpLongLine(t *testing.T) {
	in := "goroutine 1 [running]:\nmain.f(" + strings.Repeat("0x1, ", maxLine/4) + ")\n"
	_, err := ParseDump(strings.NewReader(in))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 2: ")
	assert.Contains(t, err.Error(), "token too long")
}

// TestParseDumpAcrossBufferRefills parses a dump far larger than the line buffer, read in
// odd-sized chunks, so that lines are split and the buffer is refilled and shifted between a
// function line and its file line.
func TestParseDumpAcrossBufferRefills(t *testing.T) {
	one := readTestdata(t, "states.debug2.txt")
	want, err := ParseDump(bytes.NewReader(one))
	require.NoError(t, err)
	const copies = 200
	big := bytes.Repeat(append(bytes.TrimRight(one, "\n"), "\n\n"...), copies)
	got, err := ParseDump(iotest.HalfReader(bytes.NewReader(big)))
	require.NoError(t, err)
	require.Len(t, got.Goroutines, copies*len(want.Goroutines))
	for i, g := range got.Goroutines {
		require.Equal(t, want.Goroutines[i%len(want.Goroutines)], g, "goroutine %d", i)
	}
}

func TestParseDumpCgoFrames(t *testing.T) {
	d := parseFixture(t, "cgo.debug2.txt")
	require.Len(t, d.Goroutines, 1)
	fr := d.Goroutines[0].Frames
	require.Len(t, fr, 5)
	assert.Equal(t, Frame{Func: "non-Go function"}, fr[0])
	assert.Equal(t, Frame{Func: "c_sleep", File: "/src/app/sleep.c", Line: 12}, fr[1])
	assert.Equal(t, Frame{Func: "main._Cfunc_c_sleep", File: "_cgo_gotypes.go", Line: 49}, fr[3])
	top, _ := TopFrame(fr)
	assert.Equal(t, "main._Cfunc_c_sleep", top.Func)
}
