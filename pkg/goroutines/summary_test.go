package goroutines

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseFixture(t testing.TB, name string) *Dump {
	t.Helper()
	d, err := ParseDump(bytes.NewReader(readTestdata(t, name)))
	require.NoError(t, err)
	return d
}

func TestTopFrameSkipsTheStandardLibrary(t *testing.T) {
	d := parseFixture(t, "states.debug2.txt")
	for fn := range blockedStates {
		g := findByFunc(d, pkgPath+fn)
		require.NotNil(t, g, fn)
		top, ok := TopFrame(g.Frames)
		require.True(t, ok)
		assert.Equal(t, pkgPath+fn, top.Func, "blocked inside sync, time, os or runtime calls")
	}
	top, _ := TopFrame([]Frame{{Func: "runtime.gopark"}, {Func: "net/http.(*conn).serve"}})
	assert.Equal(t, "net/http.(*conn).serve", top.Func, "standard library only: first non-runtime frame")
	top, _ = TopFrame([]Frame{{Func: "runtime.gopark"}})
	assert.Equal(t, "runtime.gopark", top.Func)
	top, _ = TopFrame([]Frame{{Func: "sync.(*Mutex).Lock"}, {Func: "main.run"}})
	assert.Equal(t, "main.run", top.Func)
	top, _ = TopFrame([]Frame{{Func: "time.Sleep"}, {Func: "myapp/internal/poll.(*Poller).loop"}})
	assert.Equal(t, "myapp/internal/poll.(*Poller).loop", top.Func, "a module named without a domain is user code")
	top, _ = TopFrame([]Frame{{Func: "vendor/golang.org/x/net/http2.(*Framer).ReadFrame"}, {Func: "golang.org/x/sync/errgroup.(*Group).Go.func1"}})
	assert.Equal(t, "golang.org/x/sync/errgroup.(*Group).Go.func1", top.Func)
	_, ok := TopFrame(nil)
	assert.False(t, ok)
}

func TestSummarizeDump(t *testing.T) {
	s := SummarizeDump(parseFixture(t, "go127.debug2.txt"))
	assert.Equal(t, SourceDump, s.Source)
	assert.Equal(t, 7, s.Total)
	assert.Equal(t, int64(13), s.MaxID)
	var orders *SummaryGroup
	for i := range s.Groups {
		if s.Groups[i].CreatorSite == "/src/shop/orders/poll.go:39" {
			orders = &s.Groups[i]
		}
	}
	require.NotNil(t, orders)
	assert.Equal(t, "example.com/shop/orders.Start", orders.Creator)
	assert.Equal(t, "example.com/shop/orders.(*Poller).wait[...]", orders.TopFunc)
	assert.Equal(t, "/src/shop/orders/poll.go:88", orders.TopSite)
	assert.Equal(t, map[string]int{"chan receive (leaked)": 1}, orders.States)
	assert.Equal(t, map[string]map[int]int{"chan receive (leaked)": {42: 1}}, orders.Waits)

	leaky := SummarizeDump(parseFixture(t, "leakyapp.debug2.txt"))
	require.NotEmpty(t, leaky.Groups)
	big := leaky.Groups[0]
	assert.Equal(t, "main.leakBlockedReceiver", big.Creator)
	assert.Equal(t, "main.blockedReceiver", big.TopFunc)
	assert.Greater(t, big.Count, 100)
	assert.Equal(t, big.Count, big.States["chan receive"])
	sum := 0
	for _, g := range leaky.Groups {
		sum += g.Count
		assert.LessOrEqual(t, len(g.Stack), MaxExampleFrames)
	}
	assert.Equal(t, leaky.Total, sum)
}

func TestSummarizeGrouped(t *testing.T) {
	g, err := ParseGrouped(bytes.NewReader(readTestdata(t, "leakyapp.debug1.txt")))
	require.NoError(t, err)
	s := SummarizeGrouped(g)
	assert.Equal(t, SourceGrouped, s.Source)
	assert.Equal(t, g.Total, s.Total)
	assert.Equal(t, "main.blockedReceiver", s.Groups[0].TopFunc)
	for _, grp := range s.Groups {
		assert.Empty(t, grp.Creator)
		assert.Nil(t, grp.States)
		assert.LessOrEqual(t, len(grp.Stack), MaxGroupedExampleFrames)
	}
	assert.Nil(t, s.GroupCounts(ByCreator))
	assert.Nil(t, s.BucketCounts())
	assert.Equal(t, s.Groups[0].Count, s.GroupCounts(ByTopFrame)[s.Groups[0].TopKey()])

	// Both forms of one capture agree on the leak's top frame and roughly on its count.
	d := SummarizeDump(parseFixture(t, "leakyapp.debug2.txt"))
	assert.Equal(t, d.Groups[0].TopKey(), s.Groups[0].TopKey())
	assert.InDelta(t, d.Groups[0].Count, s.Groups[0].Count, 5)
}

func TestSummaryBucketCounts(t *testing.T) {
	s := SummarizeDump(parseFixture(t, "states.debug2.txt"))
	b := s.BucketCounts()
	assert.Len(t, b, len(Buckets))
	total := 0
	for _, n := range b {
		total += n
	}
	assert.Equal(t, s.Total, total)
	assert.Equal(t, 4, b[BucketSync], "Mutex, RWMutex, WaitGroup and Cond")
	assert.Equal(t, 1, b[BucketIOWait])
	assert.Equal(t, 1, b[BucketSleep])
	assert.Equal(t, 2, b[BucketNilChan])
	assert.Equal(t, 1, b[BucketChanSend])
}

func TestSummaryRoundTrip(t *testing.T) {
	for _, name := range []string{"leakyapp.debug2.txt", "states.debug2.txt", "go127.debug2.txt", "go119.debug2.txt"} {
		t.Run(name, func(t *testing.T) {
			raw := readTestdata(t, name)
			s := SummarizeDump(parseFixture(t, name))
			b, err := s.Marshal()
			require.NoError(t, err)
			got, err := UnmarshalSummary(b)
			require.NoError(t, err)
			assert.Equal(t, s, got)
			t.Logf("%s: %d B dump, %d goroutines, %d groups -> %d B summary", name, len(raw), s.Total, len(s.Groups), len(b))
			assert.Less(t, len(b), max(len(raw)/10, 1500), "a summary is far smaller than its dump")
		})
	}
	g, err := ParseGrouped(bytes.NewReader(readTestdata(t, "leakyapp.debug1.txt")))
	require.NoError(t, err)
	s := SummarizeGrouped(g)
	b, err := s.Marshal()
	require.NoError(t, err)
	got, err := UnmarshalSummary(b)
	require.NoError(t, err)
	assert.Equal(t, s, got)
	t.Logf("leakyapp.debug1.txt: %d B summary", len(b))
}

func TestUnmarshalSummaryErrors(t *testing.T) {
	gz := func(s string) []byte {
		var buf bytes.Buffer
		buf.WriteByte(summaryVersion)
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "empty blob"},
		{"version", []byte{9, 1, 2}, "unknown version 9 (want 1)"},
		{"not gzip", []byte{summaryVersion, 'x', 'y'}, "unexpected EOF"},
		{"not json", gz("nope"), "invalid character"},
		{"source", gz(`{"src":"debug=3","n":1,"g":[]}`), `unknown source "debug=3"`},
		{"negative total", gz(`{"src":"debug=2","n":-1,"g":[]}`), "negative total -1"},
		{"negative count", gz(`{"src":"debug=2","n":1,"g":[{"n":-2}]}`), "group 0: negative count -2"},
		{"negative state", gz(`{"src":"debug=2","n":1,"g":[{"n":1,"s":{"select":-1}}]}`), `group 0: negative count -1 for "select"`},
		{"negative wait", gz(`{"src":"debug=2","n":1,"g":[{"n":1,"w":{"select":{"-3":1}}}]}`), "negative wait histogram entry -3: 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := UnmarshalSummary(tt.in)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.True(t, strings.HasPrefix(err.Error(), "unmarshalling goroutine summary: "), err.Error())
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestUnmarshalSummaryRejectsBombs(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteByte(summaryVersion)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(bytes.Repeat([]byte(" "), maxSummaryJSON+10))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	_, err = UnmarshalSummary(buf.Bytes())
	require.ErrorContains(t, err, "inflates beyond")
}
