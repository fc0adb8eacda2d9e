package store

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// Append stores the samples as one commit. Samples at a timestamp their series already has,
// or older than the newest sample of their series, are dropped and counted (see AppendStats);
// so are samples older than the head accepts (see AppendStats.TooOld). An error means
// nothing of the batch was stored.
func (s *TSDB) Append(ctx context.Context, samples []Sample) error {
	if err := validateSamples(samples); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if len(samples) == 0 {
		return nil
	}
	s.appendMu.Lock()
	defer s.appendMu.Unlock()

	if err := s.learnSeries(ctx, samples); err != nil {
		return fmt.Errorf("look up series in tsdb at %q: %w", s.dir, err)
	}
	tally, err := s.commit(ctx, samples)
	if err != nil {
		return fmt.Errorf("append %d samples to tsdb at %q: %w", len(samples), s.dir, err)
	}
	s.stats.add(tally)
	s.forgetIdleSeries()
	return nil
}

// learnSeries remembers the series of the batch not seen since OpenTSDB, with the newest
// timestamp the head holds for them (for instance from the replayed WAL), so that a scrape
// repeated across a restart is still recognised as a duplicate. Samples older than the head
// are rejected by the TSDB itself, so blocks need not be read.
func (s *TSDB) learnSeries(ctx context.Context, samples []Sample) error {
	var fresh map[string][]string
	for i := range samples {
		k := seriesKey{target: samples[i].Target, series: samples[i].Series}
		if _, ok := s.series[k]; ok {
			continue
		}
		s.series[k] = &seriesState{
			lbls:  labels.FromStrings(model.MetricNameLabel, k.series, targetLabel, k.target),
			lastT: math.MinInt64,
		}
		if fresh == nil {
			fresh = make(map[string][]string)
		}
		fresh[k.target] = append(fresh[k.target], k.series)
	}
	headMin := s.db.Head().MinTime()
	if fresh == nil || headMin == math.MaxInt64 {
		return nil
	}
	var it chunkenc.Iterator
	for target, names := range fresh {
		err := s.scan(ctx, target, names, headMin, math.MaxInt64, func(selected []seriesChunks) error {
			for _, sc := range selected {
				var p Point
				var ok bool
				var err error
				if p, ok, it, err = lastPoint(sc.metas, headMin, math.MaxInt64, it); err != nil {
					return err
				}
				if ok {
					s.series[seriesKey{target: target, series: sc.name}].lastT = p.T
				}
			}
			return nil
		})
		if err != nil {
			// Forget the half-learned series so the next batch looks them up again.
			for t, ns := range fresh {
				for _, n := range ns {
					delete(s.series, seriesKey{target: t, series: n})
				}
			}
			return err
		}
	}
	return nil
}

// commit appends the batch with one appender and commits it, returning what was stored and
// dropped. The per-series timestamps advance only once the commit has succeeded.
func (s *TSDB) commit(ctx context.Context, samples []Sample) (AppendStats, error) {
	var tally AppendStats
	touched := s.touched[:0]
	defer func() {
		for _, st := range touched {
			st.inBatch = false
		}
		clear(touched)
		s.touched = touched[:0]
	}()

	app := s.db.AppenderV2(ctx)
	batchMax := int64(math.MinInt64)
	for i := range samples {
		sm := &samples[i]
		st := s.series[seriesKey{target: sm.Target, series: sm.Series}]
		newest := st.lastT
		if st.inBatch {
			newest = st.batchT
		}
		if newest != math.MinInt64 {
			if sm.T == newest {
				tally.Duplicates++
				continue
			}
			if sm.T < newest {
				tally.OutOfOrder++
				continue
			}
		}
		ref, err := app.Append(st.ref, st.lbls, 0, sm.T, sm.V, nil, nil, storage.AOptions{})
		if err != nil {
			switch {
			case errors.Is(err, storage.ErrDuplicateSampleForTimestamp):
				tally.Duplicates++
			case errors.Is(err, storage.ErrOutOfOrderSample):
				tally.OutOfOrder++
			case errors.Is(err, storage.ErrOutOfBounds), errors.Is(err, storage.ErrTooOldSample):
				tally.TooOld++
			default:
				return AppendStats{}, errors.Join(fmt.Errorf("sample %d (%s of %q at %d): %w", i, sm.Series, sm.Target, sm.T, err), app.Rollback())
			}
			continue
		}
		st.ref = ref
		if !st.inBatch {
			st.inBatch = true
			touched = append(touched, st)
		}
		st.batchT = sm.T
		batchMax = max(batchMax, sm.T)
		tally.Appended++
	}
	if err := app.Commit(); err != nil {
		return AppendStats{}, err
	}
	for _, st := range touched {
		st.lastT = st.batchT
	}
	s.newestT = max(s.newestT, batchMax)
	return tally, nil
}

// forgetIdleSeries drops the remembered state of series not appended for a retention period
// (for example of removed targets), at most about four times per retention period.
func (s *TSDB) forgetIdleSeries() {
	retention := s.retentionMs.Load()
	if s.prunedT == math.MinInt64 {
		// The first batch starts the clock; subtracting MinInt64 would overflow.
		s.prunedT = s.newestT
		return
	}
	if s.newestT-s.prunedT < retention/4 {
		return
	}
	s.prunedT = s.newestT
	for k, st := range s.series {
		// Series that never got a sample stored have lastT math.MinInt64 and go as well.
		if st.lastT < s.newestT-retention {
			delete(s.series, k)
		}
	}
}
