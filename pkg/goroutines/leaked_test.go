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
