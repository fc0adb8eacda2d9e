package goroutines

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/metrics"
	"github.com/leakwatch/pprof-datasource/pkg/store"
)

//go:noinline
func leakedWorker(block <-chan struct{}) { <-block }

// startLeaking leaks five goroutines per tick, each blocked on a channel nobody closes
// until the test ends.
//
//go:noinline
func startLeaking(ctx context.Context, every time.Duration, spawned *atomic.Int64, block <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for range 5 {
				spawned.Add(1)
				go leakedWorker(block)
			}
		}
	}
}

// TestVerdictsOnLiveLeak scrapes a real net/http/pprof server in this process while a
// goroutine leak runs, stores every snapshot as a marshalled summary, and checks that the
// verdicts name the leak's creation site with the rate the leak really had.
func TestVerdictsOnLiveLeak(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	fetch := func(debug string) []byte {
		resp, err := http.Get(srv.URL + "/debug/pprof/goroutine?debug=" + debug)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return b
	}
	stored := func(s *Summary) *Summary {
		b, err := s.Marshal()
		require.NoError(t, err)
		got, err := UnmarshalSummary(b)
		require.NoError(t, err)
		return got
	}

	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	defer close(block)
	defer cancel()
	var spawned atomic.Int64
	go startLeaking(ctx, 20*time.Millisecond, &spawned, block)

	var snaps []Timed
	var truth []store.Point // goroutines spawned, the middle of each fetch
	for i := range 5 {
		time.Sleep(75 * time.Millisecond)
		before, at := spawned.Load(), time.Now()
		d, err := ParseDump(bytes.NewReader(fetch("2")))
		require.NoError(t, err)
		after := spawned.Load()
		s := SummarizeDump(d)
		leak := groupByCreator(s, pkgPath+"startLeaking")
		require.NotNil(t, leak, "snapshot %d", i)
		assert.GreaterOrEqual(t, int64(leak.Count), before)
		assert.LessOrEqual(t, int64(leak.Count), after)
		snaps = append(snaps, Timed{Time: at, Summary: stored(s)})
		truth = append(truth, store.Point{T: at.UnixMilli(), V: float64(before+after) / 2})

		time.Sleep(75 * time.Millisecond)
		g, err := ParseGrouped(bytes.NewReader(fetch("1")))
		require.NoError(t, err)
		snaps = append(snaps, Timed{Time: time.Now(), Summary: stored(SummarizeGrouped(g))})
	}
	cancel()

	want, ok := metrics.TheilSen(truth)
	require.True(t, ok)
	want *= 3600

	v := Verdicts(snaps, VerdictOptions{})
	require.NotEmpty(t, v)
	assert.Equal(t, VerdictGrowing, v[0].Kind)
	assert.Equal(t, pkgPath+"startLeaking", v[0].Creator)
	file, _, _ := strings.Cut(v[0].CreatorSite, ":")
	assert.Equal(t, "live_test.go", filepath.Base(file))
	assert.Equal(t, pkgPath+"leakedWorker", v[0].TopFunc)
	assert.Equal(t, "chan receive", v[0].State)
	assert.InEpsilon(t, want, v[0].GrowthPerHour, 0.25, "analysis %.0f/h, spawned %.0f/h", v[0].GrowthPerHour, want)

	// By top frame, the debug=1 snapshots between the dumps take part too.
	byTop := Growing(snaps, ByTopFrame, 6)
	require.NotEmpty(t, byTop)
	assert.Equal(t, pkgPath+"leakedWorker", byTop[0].TopFunc)
	assert.InEpsilon(t, want, byTop[0].PerHour, 0.25)
}

func groupByCreator(s *Summary, creator string) *SummaryGroup {
	for i := range s.Groups {
		if s.Groups[i].Creator == creator {
			return &s.Groups[i]
		}
	}
	return nil
}
