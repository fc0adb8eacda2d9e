package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
)

// Select returns the points of the requested series of target within [fromMs, toMs]. It reads
// chunks rather than samples: each series' point slice is sized from the chunk sample
// counts and filled by decoding the chunks directly, with no per-sample merging, and a large
// selection is decoded on several goroutines (see decodeAll).
func (s *TSDB) Select(ctx context.Context, target string, series []string, fromMs, toMs int64) (map[string][]Point, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := make(map[string][]Point, len(series))
	if len(series) == 0 || target == "" || fromMs > toMs {
		return out, nil
	}
	err := s.scan(ctx, target, series, fromMs, toMs, func(selected []seriesChunks) error {
		return decodeAll(selected, fromMs, toMs, out)
	})
	if err != nil {
		return nil, fmt.Errorf("select %d series of target %q from tsdb at %q: %w", len(series), target, s.dir, err)
	}
	return out, nil
}

// Last returns the newest point of the series at or before toMs. It looks back from toMs in
// windows growing from an hour, so a recently scraped series never opens old blocks.
func (s *TSDB) Last(ctx context.Context, target, series string, toMs int64) (Point, bool, error) {
	if err := ctx.Err(); err != nil {
		return Point{}, false, err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return Point{}, false, ErrClosed
	}
	if target == "" || series == "" {
		return Point{}, false, nil
	}
	start, err := s.db.StartTime()
	if err != nil {
		return Point{}, false, fmt.Errorf("read start time of tsdb at %q: %w", s.dir, err)
	}
	if toMs < start {
		return Point{}, false, nil
	}
	span := toMs - start
	if span < 0 {
		span = math.MaxInt64 // toMs - start overflowed
	}
	var it chunkenc.Iterator
	for window := lastWindow.Milliseconds(); ; {
		from := start
		if window < span {
			from = toMs - window
		}
		var p Point
		var found bool
		err := s.scan(ctx, target, []string{series}, from, toMs, func(selected []seriesChunks) error {
			var err error
			for _, sc := range selected {
				p, found, it, err = lastPoint(sc.metas, from, toMs, it)
			}
			return err
		})
		if err != nil {
			return Point{}, false, fmt.Errorf("read last %s of target %q from tsdb at %q: %w", series, target, s.dir, err)
		}
		if found || from == start {
			return p, found, nil
		}
		if window > span/8 {
			window = span
		} else {
			window *= 8
		}
	}
}

// seriesChunks is one selected series with its chunks overlapping the queried range.
type seriesChunks struct {
	name  string
	metas []chunks.Meta
}

// scan calls fn once with the chunks overlapping [from, to] of each requested series of
// target that has any. The chunks are valid only during the call: the querier that maps
// them is closed when fn returns.
func (s *TSDB) scan(ctx context.Context, target string, names []string, from, to int64, fn func([]seriesChunks) error) (err error) {
	ms, err := seriesMatchers(target, names)
	if err != nil {
		return err
	}
	q, err := s.db.ChunkQuerier(from, to)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, q.Close()) }()
	// Untrimmed chunks are returned as stored; trimming would re-encode the chunks at the
	// range edges, and the decoders filter by time anyway.
	hints := &storage.SelectHints{Start: from, End: to, DisableTrimming: true}
	set := q.Select(ctx, false, hints, ms...)
	var (
		cit      chunks.Iterator
		selected []seriesChunks
	)
	for set.Next() {
		cs := set.At()
		sc := seriesChunks{name: cs.Labels().Get(model.MetricNameLabel)}
		cit = cs.Iterator(cit)
		for cit.Next() {
			sc.metas = append(sc.metas, cit.At())
		}
		if err := cit.Err(); err != nil {
			return err
		}
		if len(sc.metas) > 0 {
			selected = append(selected, sc)
		}
	}
	if err := set.Err(); err != nil {
		return err
	}
	return fn(selected)
}

// seriesMatchers selects target's series by name: one equality matcher for a single name, or
// a regular expression of quoted alternatives, which the TSDB turns into a set lookup in the
// postings index rather than a regex scan.
func seriesMatchers(target string, names []string) ([]*labels.Matcher, error) {
	tm, err := labels.NewMatcher(labels.MatchEqual, targetLabel, target)
	if err != nil {
		return nil, err
	}
	if len(names) == 1 {
		return []*labels.Matcher{tm, labels.MustNewMatcher(labels.MatchEqual, model.MetricNameLabel, names[0])}, nil
	}
	var re []byte
	for i, n := range names {
		if i > 0 {
			re = append(re, '|')
		}
		re = append(re, regexp.QuoteMeta(n)...)
	}
	nm, err := labels.NewMatcher(labels.MatchRegexp, model.MetricNameLabel, string(re))
	if err != nil {
		return nil, err
	}
	return []*labels.Matcher{tm, nm}, nil
}

// decodeAll decodes the selected series into out. Decoding is most of a long Select's cost
// and the series are independent, so a large selection is decoded by up to
// maxDecodeWorkers goroutines; a small one stays on the caller's goroutine, where starting
// goroutines would cost more than it saves.
func decodeAll(selected []seriesChunks, from, to int64, out map[string][]Point) error {
	total := 0
	for i := range selected {
		for j := range selected[i].metas {
			total += selected[i].metas[j].Chunk.NumSamples()
		}
	}
	workers := min(runtime.GOMAXPROCS(0), maxDecodeWorkers, len(selected))
	if total < parallelDecodeSamples {
		workers = 1
	}
	results := make([][]Point, len(selected))
	errs := make([]error, workers)
	var next atomic.Int64
	work := func(w int) {
		var it chunkenc.Iterator
		for {
			i := int(next.Add(1) - 1)
			if i >= len(selected) {
				return
			}
			var err error
			if results[i], it, err = decodeRange(selected[i].metas, from, to, it); err != nil {
				errs[w] = fmt.Errorf("decode %s: %w", selected[i].name, err)
				return
			}
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(func() { work(w) })
	}
	work(0)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, pts := range results {
		if len(pts) > 0 {
			out[selected[i].name] = pts
		}
	}
	return nil
}

// decodeRange decodes the samples within [from, to] of a series' chunks into one slice sized
// from the chunks' sample counts. Chunks entirely inside the range skip the per-sample bounds
// check. it is reused between calls to avoid allocating an iterator per chunk.
func decodeRange(metas []chunks.Meta, from, to int64, it chunkenc.Iterator) ([]Point, chunkenc.Iterator, error) {
	n := 0
	for i := range metas {
		if metas[i].MaxTime >= from && metas[i].MinTime <= to {
			n += metas[i].Chunk.NumSamples()
		}
	}
	if n == 0 {
		return nil, it, nil
	}
	pts := make([]Point, 0, n)
	for i := range metas {
		m := &metas[i]
		if m.MaxTime < from || m.MinTime > to {
			continue
		}
		it = m.Chunk.Iterator(it)
		if m.MinTime >= from && m.MaxTime <= to {
			for it.Next() == chunkenc.ValFloat {
				t, v := it.At()
				pts = append(pts, Point{T: t, V: v})
			}
		} else {
			for it.Next() == chunkenc.ValFloat {
				t, v := it.At()
				if t > to {
					break
				}
				if t >= from {
					pts = append(pts, Point{T: t, V: v})
				}
			}
		}
		if err := it.Err(); err != nil {
			return nil, it, err
		}
	}
	return pts, it, nil
}

// lastPoint returns the newest sample within [from, to] of a series' chunks, which the
// querier yields in time order, so the first chunk from the end holding one has the answer.
func lastPoint(metas []chunks.Meta, from, to int64, it chunkenc.Iterator) (Point, bool, chunkenc.Iterator, error) {
	for i := len(metas) - 1; i >= 0; i-- {
		m := &metas[i]
		if m.MaxTime < from || m.MinTime > to {
			continue
		}
		var p Point
		found := false
		it = m.Chunk.Iterator(it)
		for it.Next() == chunkenc.ValFloat {
			t, v := it.At()
			if t > to {
				break
			}
			if t >= from {
				p, found = Point{T: t, V: v}, true
			}
		}
		if err := it.Err(); err != nil {
			return Point{}, false, it, err
		}
		if found {
			return p, true, it, nil
		}
	}
	return Point{}, false, it, nil
}
