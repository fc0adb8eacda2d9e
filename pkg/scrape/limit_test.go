package scrape

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneRequestPerTargetInFlight runs scrapes and probes of one target concurrently from two
// Scrapers, as two coexisting data source instances would, and checks on the server side
// that requests never overlap.
func TestOneRequestPerTargetInFlight(t *testing.T) {
	var inFlight, peak, total atomic.Int32
	mux := pprofMux()
	srv, _ := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		total.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // widen the window an overlap would need
		mux.ServeHTTP(w, r)
	}))
	instances := []*Scraper{newScraper(srv.URL, 5*time.Second, maxBytes), newScraper(srv.URL+"/", 5*time.Second, maxBytes)}

	const workers = 4
	var wg sync.WaitGroup
	for _, s := range instances {
		for range workers {
			wg.Go(func() {
				for range 2 {
					snap, err := s.ScrapeRuntime(context.Background(), "api")
					if assert.NoError(t, err) {
						assert.True(t, snap.HasGoroutines)
					}
				}
				assert.True(t, s.Probe(context.Background(), "api").OK)
			})
		}
	}
	wg.Wait()

	assert.EqualValues(t, 1, peak.Load(), "requests to one target overlapped")
	assert.GreaterOrEqual(t, total.Load(), int32(len(instances)*workers*3*2))
}

func TestAcquireRespectsContext(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	srv, _ := newServer(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	s := newScraper(srv.URL, 5*time.Second, maxBytes)

	// The first scrape hangs on the target and holds its slot.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.ScrapeRuntime(context.Background(), "api")
	}()
	<-started

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := s.ScrapeRuntime(ctx, "api")
		assert.Less(t, time.Since(start), time.Second)
		require.Error(t, err)
		assert.Equal(t, KindTimeout, KindOf(err))
		assert.Equal(t, `target "api": timed out waiting for an earlier request to this target to finish`, err.Error())
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.ScrapeRuntime(ctx, "api")
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, KindCanceled, KindOf(err))
		assert.False(t, IsDownstream(err), "the caller gave up; the target did nothing wrong")
	})
	t.Run("probe", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := s.Probe(ctx, "api")
		assert.False(t, r.OK)
		assert.Empty(t, r.Endpoints, "no request may be sent without the slot")
		assert.Equal(t, "api: timed out waiting for an earlier request to this target to finish", r.Summary())
	})

	close(release)
	<-done
}
