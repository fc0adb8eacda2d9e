package snapshots

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// TestConcurrentReadsDuringWrites reads profiles, lists and pins while a writer stores the
// heap series and maintenance runs; run with -race.
func TestConcurrentReadsDuringWrites(t *testing.T) {
	ps, raws := heapSeries(t)
	for name, s := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, s.PutProfile(bg, key("app", "heap", t0), ps[0], int64(len(raws[0]))))
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			g, gctx := errgroup.WithContext(ctx)
			written := make(chan int, len(ps))
			g.Go(func() error {
				defer close(written)
				for i := 1; i < 40; i++ {
					if err := s.PutProfile(gctx, key("app", "heap", t0.Add(time.Duration(i)*time.Minute)), ps[i], 1); err != nil {
						return err
					}
					written <- i
				}
				return nil
			})
			for range 3 {
				g.Go(func() error {
					for i := range written {
						m, err := s.Nearest(gctx, "app", "heap", t0.Add(time.Hour))
						if err != nil {
							return err
						}
						p, err := s.Profile(gctx, m.Key)
						if err != nil {
							return err
						}
						// Nearest sees at least the writes acknowledged before this read began.
						n := int(m.Time.Sub(t0) / time.Minute)
						if n < i {
							return fmt.Errorf("nearest is snapshot %d after snapshot %d was written", n, i)
						}
						if !slices.Equal(canonicalSamples(ps[n]), canonicalSamples(p)) {
							return fmt.Errorf("snapshot %d read back with other samples", n)
						}
						if _, err := s.List(gctx, "app", "heap", t0, t0.Add(time.Hour)); err != nil {
							return err
						}
					}
					return nil
				})
			}
			g.Go(func() error {
				for range 5 {
					var err error
					switch st := s.(type) {
					case *DB:
						err = st.Maintain(gctx)
					case *Memory:
						err = st.Maintain(gctx)
					}
					if err != nil {
						return err
					}
				}
				return nil
			})
			require.NoError(t, g.Wait())
			metas, err := s.List(bg, "app", "heap", t0, t0.Add(time.Hour))
			require.NoError(t, err)
			require.Len(t, metas, 40)
		})
	}
}
