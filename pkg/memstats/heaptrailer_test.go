package memstats

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHeapDebugTrailerCaptures(t *testing.T) {
	for _, c := range captures {
		t.Run(c, func(t *testing.T) {
			body := readTestdata(t, c+".heap-debug1.txt")
			m, err := ParseHeapDebugTrailer(body)
			require.NoError(t, err)

			assert.Equal(t, rawUint(t, body, `(?m)^# LastGC = (\d+)$`), m.LastGC)
			assert.Equal(t, rawUint(t, body, `(?m)^# NextGC = (\d+)$`), m.NextGC)
			assert.Equal(t, rawUint(t, body, `(?m)^# HeapSys = (\d+)$`), m.HeapSys)
			assert.Equal(t, rawUint(t, body, `(?m)^# Stack = (\d+) / \d+$`), m.StackInuse)
			assert.Equal(t, rawUint(t, body, `(?m)^# Stack = \d+ / (\d+)$`), m.StackSys)
			assert.Equal(t, uint32(rawUint(t, body, `(?m)^# NumGC = (\d+)$`)), m.NumGC)
			space := regexp.MustCompile(` `)
			assert.Equal(t, rawRing(t, body, `(?m)^# PauseNs = \[(.*)\]$`, space), m.PauseNs)
			assert.Equal(t, rawRing(t, body, `(?m)^# PauseEnd = \[(.*)\]$`, space), m.PauseEnd)
			assert.False(t, m.HasPauseTotal, "the trailer does not print PauseTotalNs")
			assert.Zero(t, m.PauseTotalNs)
			// The captures come from linux, where the runtime appends MaxRSS.
			assert.True(t, m.HasMaxRSS)
			assert.Equal(t, rawUint(t, body, `(?m)^# MaxRSS = (\d+)$`), m.MaxRSS)
			checkIdentities(t, m)
		})
	}
}

// TestCapturesAgree compares the expvar document and the heap trailer of each capture
// set. They were read a few milliseconds apart with no GC in between, so everything the
// runtime updates only at the end of a GC cycle must be identical, and the counters may
// only have grown.
func TestCapturesAgree(t *testing.T) {
	for _, c := range captures {
		t.Run(c, func(t *testing.T) {
			ev, err := ParseExpvar(readTestdata(t, c+".vars.json"))
			require.NoError(t, err)
			tr, err := ParseHeapDebugTrailer(readTestdata(t, c+".heap-debug1.txt"))
			require.NoError(t, err)

			assert.Equal(t, ev.NumGC, tr.NumGC)
			assert.Equal(t, ev.NumForcedGC, tr.NumForcedGC)
			assert.Equal(t, ev.LastGC, tr.LastGC)
			assert.Equal(t, ev.PauseNs, tr.PauseNs)
			assert.Equal(t, ev.PauseEnd, tr.PauseEnd)
			assert.Equal(t, ev.GCCPUFraction, tr.GCCPUFraction)
			assert.Equal(t, ev.NextGC, tr.NextGC)
			assert.GreaterOrEqual(t, tr.TotalAlloc, ev.TotalAlloc)
			assert.GreaterOrEqual(t, tr.Mallocs, ev.Mallocs)
			assert.GreaterOrEqual(t, tr.Frees, ev.Frees)
		})
	}
}

// formatTrailer prints m the way runtime/pprof does, with zeros for the lines MemStats
// does not keep.
func formatTrailer(m *MemStats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n# runtime.MemStats\n")
	fmt.Fprintf(&b, "# Alloc = %d\n", m.Alloc)
	fmt.Fprintf(&b, "# TotalAlloc = %d\n", m.TotalAlloc)
	fmt.Fprintf(&b, "# Sys = %d\n", m.Sys)
	fmt.Fprintf(&b, "# Lookups = 0\n")
	fmt.Fprintf(&b, "# Mallocs = %d\n", m.Mallocs)
	fmt.Fprintf(&b, "# Frees = %d\n", m.Frees)
	fmt.Fprintf(&b, "# HeapAlloc = %d\n", m.HeapAlloc)
	fmt.Fprintf(&b, "# HeapSys = %d\n", m.HeapSys)
	fmt.Fprintf(&b, "# HeapIdle = %d\n", m.HeapIdle)
	fmt.Fprintf(&b, "# HeapInuse = %d\n", m.HeapInuse)
	fmt.Fprintf(&b, "# HeapReleased = %d\n", m.HeapReleased)
	fmt.Fprintf(&b, "# HeapObjects = %d\n", m.HeapObjects)
	fmt.Fprintf(&b, "# Stack = %d / %d\n", m.StackInuse, m.StackSys)
	fmt.Fprintf(&b, "# MSpan = 0 / 0\n# MCache = 0 / 0\n# BuckHashSys = 0\n# GCSys = 0\n# OtherSys = 0\n")
	fmt.Fprintf(&b, "# NextGC = %d\n", m.NextGC)
	fmt.Fprintf(&b, "# LastGC = %d\n", m.LastGC)
	fmt.Fprintf(&b, "# PauseNs = %d\n", m.PauseNs)
	fmt.Fprintf(&b, "# PauseEnd = %d\n", m.PauseEnd)
	fmt.Fprintf(&b, "# NumGC = %d\n", m.NumGC)
	fmt.Fprintf(&b, "# NumForcedGC = %d\n", m.NumForcedGC)
	fmt.Fprintf(&b, "# GCCPUFraction = %v\n", m.GCCPUFraction)
	fmt.Fprintf(&b, "# DebugGC = false\n")
	if m.HasMaxRSS {
		fmt.Fprintf(&b, "# MaxRSS = %d\n", m.MaxRSS)
	}
	return b.String()
}

// TestParseHeapDebugTrailerThisRuntime checks the parser against the trailer of the Go
// version running the test, so a format change in a new release shows up here.
func TestParseHeapDebugTrailerThisRuntime(t *testing.T) {
	runtime.GC()
	var buf bytes.Buffer
	require.NoError(t, pprof.Lookup("heap").WriteTo(&buf, 1))
	m, err := ParseHeapDebugTrailer(buf.Bytes())
	require.NoError(t, err)
	assert.Positive(t, m.NumGC)
	assert.Equal(t, m.HeapSys, m.HeapInuse+m.HeapIdle)
}

func TestParseHeapDebugTrailerVariants(t *testing.T) {
	body := readTestdata(t, "small.heap-debug1.txt")
	want, err := ParseHeapDebugTrailer(body)
	require.NoError(t, err)
	noRSS := *want
	noRSS.MaxRSS, noRSS.HasMaxRSS = 0, false

	tests := []struct {
		name string
		body []byte
		want *MemStats
	}{
		{"formatted", []byte(formatTrailer(want)), want},
		{"trailer only, no blank line", []byte(strings.TrimPrefix(formatTrailer(want), "\n")), want},
		{"without MaxRSS", []byte(formatTrailer(&noRSS)), &noRSS},
		{"CRLF", bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")), want},
		{"unknown fields and comments", bytes.Replace(body, []byte("# NumGC ="),
			[]byte("# FutureCounter = 12 / 7 [x]\n# a comment from a newer runtime\n#\n\n# NumGC ="), 1), want},
		{"marker text earlier in the body", append([]byte("# runtime.MemStats\n# Alloc = 1\n\n#\t0x1\tmain.f\tx.go:1 # runtime.MemStats\n"), body...), want},
		{"10 MB profile in front", append(bytes.Repeat(body[:bytes.Index(body, []byte("\n\n# runtime.MemStats"))+1], 10<<20/len(body)), body...), want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeapDebugTrailer(tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseHeapDebugTrailerMalformed(t *testing.T) {
	good := readTestdata(t, "small.heap-debug1.txt")
	replace := func(re, repl string) []byte {
		b := regexp.MustCompile(re).ReplaceAll(good, []byte(repl))
		require.NotEqual(t, good, b, "pattern %s did not match", re)
		return b
	}
	// lineOf is the 1-based line of the first match of re in the good capture, to check
	// that errors point at the right line.
	lineOf := func(re string) string {
		loc := regexp.MustCompile(re).FindIndex(good)
		require.NotNil(t, loc)
		return fmt.Sprintf("line %d:", bytes.Count(good[:loc[0]], []byte("\n"))+1)
	}
	cut := func(marker string) []byte {
		i := bytes.Index(good, []byte(marker))
		require.Positive(t, i)
		return good[:i]
	}

	tests := []struct {
		name    string
		body    []byte
		is      error
		message []string
	}{
		{"empty", nil, ErrNoTrailer, []string{"heap trailer: no `# runtime.MemStats` trailer: not a Go heap profile"}},
		{"html page", readTestdata(t, "small.index.html"), ErrNoTrailer, nil},
		{"404 text", []byte("404 page not found\n"), ErrNoTrailer, nil},
		{"expvar JSON", readTestdata(t, "small.vars.json"), ErrNoTrailer, nil},
		{"goroutine profile", readTestdata(t, "small.goroutine-debug1.txt"), ErrNoTrailer, nil},
		{"gzipped proto", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"), ErrNoTrailer, nil},
		{"marker not on its own line", []byte("x # runtime.MemStats\n# Alloc = 1\n"), ErrNoTrailer, nil},
		{"marker only", []byte("\n# runtime.MemStats\n"), nil, []string{"heap trailer: missing Alloc, TotalAlloc", "Stack, NextGC", "GCCPUFraction: the trailer is truncated"}},
		{"truncated before NumGC", cut("# NumGC"), nil, []string{"heap trailer: missing NumGC, NumForcedGC, GCCPUFraction: the trailer is truncated"}},
		{"truncated mid-line", cut("# PauseEnd")[:len(cut("# PauseEnd"))-40], nil, []string{lineOf(`# PauseNs`), "truncated", `"# PauseNs = [`, `has no line end`}},
		{"truncated last line", good[:len(good)-1], nil, []string{lineOf(`# MaxRSS`), `"# MaxRSS = `, "has no line end"}},
		{"garbage in number", replace(`# NumGC = (\d+)`, `# NumGC = ${1}x`), nil, []string{lineOf(`# NumGC`), `NumGC: malformed number "7x"`}},
		{"negative", replace(`# Alloc = \d+`, `# Alloc = -5`), nil, []string{lineOf(`# Alloc`), `Alloc: negative value "-5"`}},
		{"plus sign", replace(`# Frees = \d+`, `# Frees = +5`), nil, []string{`Frees: malformed number "+5"`}},
		{"overflow uint64", replace(`# HeapSys = \d+`, `# HeapSys = 99999999999999999999`), nil, []string{lineOf(`# HeapSys`), `HeapSys: "99999999999999999999" overflows uint64`}},
		{"overflow uint32", replace(`# NumForcedGC = \d+`, `# NumForcedGC = 4294967296`), nil, []string{`NumForcedGC: "4294967296" overflows uint32`}},
		{"empty value", replace(`# LastGC = \d+`, `# LastGC = `), nil, []string{`LastGC: malformed number: empty value`}},
		{"discarded field checked", replace(`# BuckHashSys = \d+`, `# BuckHashSys = lots`), nil, []string{lineOf(`# BuckHashSys`), `BuckHashSys: malformed number "lots"`}},
		{"stack without slash", replace(`# Stack = (\d+) / (\d+)`, `# Stack = $1`), nil, []string{lineOf(`# Stack`), "Stack: want `inuse / sys`"}},
		{"stack garbage", replace(`# Stack = (\d+) / (\d+)`, `# Stack = $1 / x`), nil, []string{`Stack: sys: malformed number "x"`}},
		{"mspan garbage", replace(`# MSpan = (\d+) / (\d+)`, `# MSpan = -1 / $2`), nil, []string{`MSpan: inuse: negative value "-1"`}},
		{"ring without brackets", replace(`# PauseNs = \[(.*)\]`, `# PauseNs = $1`), nil, []string{lineOf(`# PauseNs`), "PauseNs: want `[n0 n1 ...]`"}},
		{"ring short", replace(`# PauseNs = \[\d+ `, `# PauseNs = [`), nil, []string{"PauseNs: has 255 entries, want 256"}},
		{"ring long", replace(`# PauseEnd = \[`, `# PauseEnd = [1 `), nil, []string{"PauseEnd: more than 256 entries"}},
		{"ring entry", replace(`# PauseEnd = \[(\d+) (\d+) `, `# PauseEnd = [$1 x$2 `), nil, []string{lineOf(`# PauseEnd`), `PauseEnd: entry 1: malformed number "x`}},
		{"fraction NaN", replace(`# GCCPUFraction = .*`, `# GCCPUFraction = NaN`), nil, []string{`GCCPUFraction: malformed number "NaN": not a finite fraction`}},
		{"fraction garbage", replace(`# GCCPUFraction = .*`, `# GCCPUFraction = 0.1.2`), nil, []string{`GCCPUFraction: malformed number "0.1.2"`}},
		{"fraction negative", replace(`# GCCPUFraction = .*`, `# GCCPUFraction = -1e-05`), nil, []string{`GCCPUFraction: negative value`}},
		{"DebugGC", replace(`# DebugGC = false`, `# DebugGC = maybe`), nil, []string{lineOf(`# DebugGC`), `DebugGC: want true or false, got "maybe"`}},
		{"known name without value", replace(`# NumGC = \d+`, `# NumGC`), nil, []string{lineOf(`# NumGC`), "NumGC: want `# NumGC = value`"}},
		{"foreign line", replace(`# NumGC`, "<html>\n# NumGC"), nil, []string{lineOf(`# NumGC`), `"<html>" is not a`}},
		{"huge garbage", append(bytes.Clone(good), bytes.Repeat([]byte("z"), 1<<20)...), nil, []string{`"zzzz`, `"... has no line end`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseHeapDebugTrailer(tt.body)
			require.Error(t, err)
			assert.Nil(t, m)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			} else {
				assert.NotErrorIs(t, err, ErrNoTrailer)
			}
			for _, s := range tt.message {
				assert.Contains(t, err.Error(), s)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "heap trailer"), err.Error())
			assert.Less(t, len(err.Error()), 300, "messages stay short whatever the input")
			t.Log(err)
		})
	}
}

// FuzzParseHeapDebugTrailer checks that the parser never panics, and that whatever it
// accepts survives a round trip through the runtime's print format unchanged.
func FuzzParseHeapDebugTrailer(f *testing.F) {
	for _, c := range captures {
		f.Add(readTestdata(f, c+".heap-debug1.txt"))
	}
	f.Add([]byte("\n# runtime.MemStats\n# Alloc = 1\n# Stack = 1 / 2\n# PauseNs = [1 2]\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseHeapDebugTrailer(body)
		if err != nil {
			if m != nil {
				t.Fatalf("non-nil result with error %v", err)
			}
			if !errors.Is(err, ErrNoTrailer) && !bytes.Contains(body, []byte(trailerMarker)) {
				t.Fatalf("no marker in body but got %v", err)
			}
			return
		}
		if m.HasPauseTotal {
			t.Fatalf("HasPauseTotal set from a heap trailer")
		}
		again, err := ParseHeapDebugTrailer([]byte(formatTrailer(m)))
		if err != nil {
			t.Fatalf("re-parsing the formatted trailer: %v", err)
		}
		if *again != *m {
			t.Fatalf("round trip changed the values:\n%+v\n%+v", m, again)
		}
	})
}

func BenchmarkParseHeapDebugTrailer(b *testing.B) {
	benchHeapBodies(b, func(b *testing.B, body []byte) {
		for b.Loop() {
			if _, err := ParseHeapDebugTrailer(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBaselineBytesSplitLines is the cost of merely splitting the body into lines,
// the first step of any parser that reads the profile front to back.
func BenchmarkBaselineBytesSplitLines(b *testing.B) {
	benchHeapBodies(b, func(b *testing.B, body []byte) {
		for b.Loop() {
			if len(bytes.Split(body, []byte("\n"))) < 30 {
				b.Fatal("too few lines")
			}
		}
	})
}

// benchHeapBodies runs fn on the real captures and on a 10 MB body made by repeating the
// small capture's records in front of its trailer.
func benchHeapBodies(b *testing.B, fn func(b *testing.B, body []byte)) {
	benchFiles(b, ".heap-debug1.txt", fn)
	small := readTestdata(b, "small.heap-debug1.txt")
	records := small[:bytes.Index(small, []byte("\n\n# runtime.MemStats"))+1]
	big := append(bytes.Repeat(records, 10<<20/len(records)), small...)
	b.Run("10MB", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		b.ReportAllocs()
		fn(b, big)
	})
}

func TestWriteSeedCorpusHeapTrailer(t *testing.T) {
	good := readTestdata(t, "small.heap-debug1.txt")
	writeSeedCorpus(t, "FuzzParseHeapDebugTrailer", map[string][]byte{
		"capture-nogc":    readTestdata(t, "nogc.heap-debug1.txt"),
		"capture-small":   good,
		"capture-wrapped": readTestdata(t, "wrapped.heap-debug1.txt"),
		"trailer-only":    good[bytes.Index(good, []byte("\n\n# runtime.MemStats")):],
		"truncated":       good[:bytes.Index(good, []byte("# NumGC"))],
		"garbage-number":  regexp.MustCompile(`# NumGC = \d+`).ReplaceAll(good, []byte("# NumGC = 7x")),
		"short-ring":      []byte("\n# runtime.MemStats\n# Alloc = 1\n# Stack = 1 / 2\n# PauseNs = [1 2]\n# GCCPUFraction = 1e-05\n"),
		"crlf":            bytes.ReplaceAll(good[bytes.Index(good, []byte("\n\n# runtime.MemStats")):], []byte("\n"), []byte("\r\n")),
	})
}
