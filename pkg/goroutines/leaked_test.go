package goroutines

import (
	"bytes"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLeakedCount(t *testing.T) {
	fn := &profile.Function{ID: 1, Name: "main.leak"}
	loc := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn, Line: 3}}}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "other", Unit: "count"}, {Type: "goroutine", Unit: "count"}},
		PeriodType: &profile.ValueType{Type: "goroutine", Unit: "count"},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{loc}, Value: []int64{100, 3}},
			{Location: []*profile.Location{loc}, Value: []int64{200, 4}},
		},
		Location: []*profile.Location{loc}, Function: []*profile.Function{fn},
	}
	require.NoError(t, p.CheckValid())
	assert.Equal(t, int64(7), LeakedCount(p), "the goroutine sample type, wherever it is")
	assert.Zero(t, LeakedCount(nil))
	assert.Zero(t, LeakedCount(&profile.Profile{}))
	assert.Zero(t, LeakedCount(&profile.Profile{SampleType: p.SampleType}), "no leaked goroutines")
	p.SampleType = append(p.SampleType, &profile.ValueType{Type: "goroutineleak", Unit: "count"})
	p.Sample[0].Value = append(p.Sample[0].Value, 11)
	p.Sample[1].Value = append(p.Sample[1].Value, 13)
	assert.Equal(t, int64(24), LeakedCount(p), "goroutineleak wins over goroutine")
}

// TestLeakedCountOnGoroutineLeakProfile reads a goroutineleak profile of Go 1.26 (see
// testdata/README.md): seven goroutines blocked on channels nobody else can reach.
func TestLeakedCountOnGoroutineLeakProfile(t *testing.T) {
	p, err := profile.Parse(bytes.NewReader(readTestdata(t, "goroutineleak.pb.gz")))
	require.NoError(t, err)
	assert.Equal(t, "goroutineleak", p.SampleType[0].Type)
	assert.Equal(t, int64(7), LeakedCount(p))

	// The debug=2 form of the same profile marks each of them "(leaked)".
	s := SummarizeDump(parseFixture(t, "goleak126.debug2.txt"))
	assert.Equal(t, 7, s.BucketCounts()[BucketLeaked])
	assert.Equal(t, 7, StaleCount(s, 0), "leaked goroutines are stale whatever their wait")
}

// TestLeakedCountReadsTheRuntimeFormat uses the goroutine profile of the demo, which the
// runtime writes exactly as it writes goroutineleak (one goroutine/count sample type).
func TestLeakedCountReadsTheRuntimeFormat(t *testing.T) {
	p, err := profile.Parse(bytes.NewReader(readTestdata(t, "leakyapp.debug0.pb.gz")))
	require.NoError(t, err)
	g, err := ParseGrouped(bytes.NewReader(readTestdata(t, "leakyapp.debug1.txt")))
	require.NoError(t, err)
	assert.InDelta(t, g.Total, LeakedCount(p), 3)
}
