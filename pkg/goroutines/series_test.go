package goroutines

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

func ms(min int) int64 { return t0.Add(time.Duration(min) * time.Minute).UnixMilli() }

func TestStateSeries(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 10, grp("a", "ta", 3, "chan receive"), grp("b", "tb", 2, "sync.Mutex.Lock")),
		groupedAt(1, grp("a", "ta", 4, "")),
		dumpAt(5, 20, grp("a", "ta", 5, "chan receive (leaked)"), grp("b", "tb", 1, "semacquire")),
	}
	s := StateSeries(snaps)
	assert.Len(t, s, len(Buckets))
	assert.Equal(t, []store.Point{{T: ms(0), V: 3}, {T: ms(5), V: 0}}, s[BucketChanReceive])
	assert.Equal(t, []store.Point{{T: ms(0), V: 0}, {T: ms(5), V: 5}}, s[BucketLeaked])
	assert.Equal(t, []store.Point{{T: ms(0), V: 2}, {T: ms(5), V: 1}}, s[BucketSync])
	assert.Equal(t, []store.Point{{T: ms(0), V: 0}, {T: ms(5), V: 0}}, s[BucketRunning])
}

func TestGroupSeries(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 5000, grp("a", "ta", 9, "select"), grp("b", "tb", 1, "select")),
		groupedAt(2, grp("a", "ta", 8, ""), grp("b", "tb", 2, "")),
		dumpAt(5, 10, grp("b", "tb", 3, "select"), grp("c", "tc", 2, "select")), // after a restart
	}
	top := GroupSeries(snaps, ByTopFrame, 2)
	require.Len(t, top, 2)
	assert.Equal(t, []store.Point{{T: ms(0), V: 1}, {T: ms(2), V: 2}, {T: ms(5), V: 3}}, top["tb tb.go:2"])
	assert.Equal(t, []store.Point{{T: ms(0), V: 0}, {T: ms(2), V: 0}, {T: ms(5), V: 2}}, top["tc tc.go:2"])
	assert.NotContains(t, top, "ta ta.go:2", "absent in the newest snapshot, so not among the top 2")

	all := GroupSeries(snaps, ByCreator, 0)
	assert.Len(t, all, 3)
	assert.Equal(t, []store.Point{{T: ms(0), V: 9}, {T: ms(5), V: 0}}, all["a a.go:1"], "debug=1 has no creators")
	assert.Empty(t, GroupSeries(nil, ByCreator, 3))
}

func TestStaleAndGrowingSeries(t *testing.T) {
	snaps := []Timed{
		dumpAt(0, 10, grp("a", "ta", 1, "select")),
		groupedAt(1, grp("a", "ta", 2, "")),
		dumpAt(5, 20, grp("a", "ta", 3, "select", 12, 3)),
		dumpAt(10, 30, grp("a", "ta", 4, "select", 15, 8, 1)),
	}
	assert.Equal(t, []store.Point{{T: ms(0), V: 0}, {T: ms(5), V: 1}, {T: ms(10), V: 1}}, StaleSeries(snaps, 10*time.Minute))
	assert.Equal(t, []store.Point{{T: ms(0), V: 0}, {T: ms(5), V: 0}, {T: ms(10), V: 1}}, GrowingSeries(snaps, ByCreator, 3))
	assert.Equal(t, []store.Point{{T: ms(0), V: 0}, {T: ms(1), V: 0}, {T: ms(5), V: 1}, {T: ms(10), V: 1}}, GrowingSeries(snaps, ByTopFrame, 3))
}
