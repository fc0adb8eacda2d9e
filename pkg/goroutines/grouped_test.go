package goroutines

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var groupedFixtures = []string{"go1.19.13.debug1.txt", "go1.27.0.debug1.txt", "labels.debug1.txt", "leakyapp.debug1.txt", "states.debug1.txt"}

func TestParseGroupedGolden(t *testing.T) {
	for _, name := range groupedFixtures {
		t.Run(name, func(t *testing.T) {
			g, err := ParseGrouped(bytes.NewReader(readTestdata(t, name)))
			require.NoError(t, err)
			checkGoldenJSON(t, strings.TrimSuffix(name, ".txt")+".golden.json", g)
		})
	}
}

// TestParseGroupedCounts checks the captures against counts taken by regular expressions:
// the records' counts add up to the total line, and every "#" line with a symbol is a frame.
func TestParseGroupedCounts(t *testing.T) {
	record := regexp.MustCompile(`(?m)^(\d+) @( 0x[0-9a-f]+)+$`)
	frame := regexp.MustCompile(`(?m)^#\t0x[0-9a-f]+\t+\S+\t+.*:\d+$`)
	for _, name := range groupedFixtures {
		t.Run(name, func(t *testing.T) {
			raw := readTestdata(t, name)
			g, err := ParseGrouped(bytes.NewReader(raw))
			require.NoError(t, err)
			sum, frames := 0, 0
			for _, s := range g.Stacks {
				sum += s.Count
				frames += len(s.Frames)
			}
			assert.Equal(t, g.Total, sum)
			assert.Len(t, g.Stacks, len(record.FindAll(raw, -1)))
			assert.Equal(t, len(frame.FindAll(raw, -1)), frames)
		})
	}
}

func TestParseGroupedFixture(t *testing.T) {
	g, err := ParseGrouped(bytes.NewReader(readTestdata(t, "labels.debug1.txt")))
	require.NoError(t, err)
	assert.Equal(t, 12, g.Total)
	require.Len(t, g.Stacks, 3)
	assert.Equal(t, map[string]string{"handler": "/api/orders", "request.id": "17"}, g.Stacks[0].Labels)
	assert.Equal(t, []Frame{
		{Func: "example.com/shop/orders.(*Poller).wait[...]", File: "/src/shop/orders/poll.go", Line: 88},
		{Func: "example.com/shop/orders.Start.func1", File: "C:/Users/dev/My Projects/poll.go", Line: 40},
	}, g.Stacks[0].Frames)
	assert.Equal(t, []Frame{{Func: "main.main", File: "/src/shop/main.go", Line: 20}}, g.Stacks[1].Frames, "a bare PC is no frame")
	assert.Empty(t, g.Stacks[2].Frames)
}

// TestParseGroupedMatchesProto compares the leakyapp capture with google/pprof's reading of
// the proto form fetched a moment later: the leak's stack must be there in both.
func TestParseGroupedMatchesProto(t *testing.T) {
	g, err := ParseGrouped(bytes.NewReader(readTestdata(t, "leakyapp.debug1.txt")))
	require.NoError(t, err)
	p, err := profile.Parse(bytes.NewReader(readTestdata(t, "leakyapp.debug0.pb.gz")))
	require.NoError(t, err)
	var total int64
	for _, s := range p.Sample {
		total += s.Value[0]
	}
	assert.InDelta(t, g.Total, total, 3, "the two fetches are a moment apart")
	want := map[string]bool{}
	for _, s := range profileStacks(p) {
		want[s[strings.IndexByte(s, ' ')+1:]] = true
	}
	for _, s := range groupedStacks(g) {
		if strings.Contains(s, "main.blockedReceiver") {
			assert.True(t, want[s[strings.IndexByte(s, ' ')+1:]], "stack %s is not in the proto profile", s)
		}
	}
}

func TestParseGroupedMalformed(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", `parsing goroutine profile: line 1: expected "goroutine profile: total <N>", got "end of input"`},
		{"debug2 dump", "goroutine 1 [running]:\n", `line 1: expected "goroutine profile: total <N>", got "goroutine 1 [running]:"`},
		{"bad total", "goroutine profile: total x\n", `line 1: expected "goroutine profile: total <N>"`},
		{"bad record", "goroutine profile: total 1\n1 0x1\n", `line 2: expected a "<count> @ 0x<pc> ..." record, got "1 0x1"`},
		{"bad pc", "goroutine profile: total 1\n1 @ 0xzz\n", `line 2: expected a "<count> @ 0x<pc> ..." record`},
		{"negative count", "goroutine profile: total 1\n-1 @ 0x1\n", `line 2: expected a "<count> @ 0x<pc> ..." record`},
		{"bad frame", "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\n", `line 3: expected a "#\t0x<pc>\t<func>+0x<off>\t<file>:<line>" frame`},
		{"no line", "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\t/a.go\n", `line 3: expected a "#\t0x<pc>\t<func>+0x<off>\t<file>:<line>" frame`},
		{"labels after frames", "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\t/a.go:1\n# labels: {\"a\":\"b\"}\n", `line 4: expected one "# labels: {...}" line before the frames`},
		{"bad labels", "goroutine profile: total 1\n1 @ 0x1\n# labels: {\"a\"}\n", `line 3: expected one "# labels: {...}" line before the frames`},
		{"text", "goroutine profile: total 1\n1 @ 0x1\nhello\n", `line 3: expected a "#" frame line or a blank line, got "hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGrouped(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Nil(t, g)
			assert.Contains(t, err.Error(), tt.want)
			var se *SyntaxError
			assert.True(t, errors.As(err, &se))
		})
	}
}

func TestParseGroupedLargeTotal(t *testing.T) {
	in := "goroutine profile: total " + strconv.Itoa(1<<20) + "\n"
	g, err := ParseGrouped(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, 1<<20, g.Total)
	assert.Empty(t, g.Stacks)
}
