package store

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"
)

// Memory is a Store that keeps samples in process memory only. The data source uses it when
// its storage path cannot be used, and tests use it as a fake; it follows the TSDB's rules for
// duplicates and out-of-order samples, so code tested against it behaves the same on disk.
type Memory struct {
	retentionMs int64
	reason      string

	mu     sync.RWMutex
	closed bool
	series map[seriesKey]*memSeries
	// newestT is the newest timestamp appended to any series; retention is measured back
	// from it, like the TSDB measures it back from its newest block.
	newestT int64
	// sweptT is newestT at the last sweep of series that retention emptied.
	sweptT int64
	stats  appendCounters
}

// memSeries holds one series' points in ascending time order.
type memSeries struct {
	pts []Point
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store keeping samples for retention (DefaultRetention
// when zero or less), measured back from the newest sample appended.
func NewMemory(retention time.Duration) *Memory {
	return NewMemoryWithReason(retention, "")
}

// NewMemoryWithReason is NewMemory for a store that replaces a durable one: reason, reported
// by Info, tells the user why history is not kept on disk.
func NewMemoryWithReason(retention time.Duration, reason string) *Memory {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Memory{
		retentionMs: retention.Milliseconds(),
		reason:      reason,
		series:      make(map[seriesKey]*memSeries),
		newestT:     math.MinInt64,
		sweptT:      math.MinInt64,
	}
}

// Info reports the store as not durable, with the reason given to NewMemoryWithReason.
func (m *Memory) Info() Info {
	return Info{Durable: false, Reason: m.reason}
}

// AppendStats reports how many samples were stored and dropped since the store was created.
func (m *Memory) AppendStats() AppendStats {
	return m.stats.snapshot()
}

// Close discards all samples; other methods return ErrClosed afterwards. Closing twice is a no-op.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.series = nil
	return nil
}

// Append stores the samples atomically. Samples at a timestamp their series already has, older
// than the newest sample of their series, or older than the retention, are dropped and counted.
func (m *Memory) Append(ctx context.Context, samples []Sample) error {
	if err := validateSamples(samples); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if len(samples) == 0 {
		return nil
	}
	for i := range samples {
		m.newestT = max(m.newestT, samples[i].T)
	}
	cutoff := m.cutoff()

	var tally AppendStats
	for i := range samples {
		sm := &samples[i]
		k := seriesKey{target: sm.Target, series: sm.Series}
		s := m.series[k]
		if s != nil && len(s.pts) > 0 {
			last := s.pts[len(s.pts)-1].T
			if sm.T == last {
				tally.Duplicates++
				continue
			}
			if sm.T < last {
				tally.OutOfOrder++
				continue
			}
		}
		if sm.T < cutoff {
			tally.TooOld++
			continue
		}
		if s == nil {
			s = &memSeries{}
			m.series[k] = s
		}
		s.trim(cutoff)
		s.pts = append(s.pts, Point{T: sm.T, V: sm.V})
		tally.Appended++
	}
	m.stats.add(tally)
	m.sweep(cutoff)
	return nil
}

// cutoff is the oldest timestamp retention keeps.
func (m *Memory) cutoff() int64 {
	if m.newestT < math.MinInt64+m.retentionMs {
		return math.MinInt64
	}
	return m.newestT - m.retentionMs
}

// trim drops the points older than cutoff. Re-slicing keeps the old array alive only until
// the next growth of the slice copies the live points, so memory stays proportional to them.
func (s *memSeries) trim(cutoff int64) {
	if len(s.pts) == 0 || s.pts[0].T >= cutoff {
		return
	}
	i := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].T >= cutoff })
	s.pts = s.pts[i:]
}

// sweep trims every series, and removes the emptied ones, once retention has advanced by an
// eighth since the last sweep: series no longer appended to are trimmed only here.
func (m *Memory) sweep(cutoff int64) {
	if m.sweptT != math.MinInt64 && m.newestT-m.sweptT < m.retentionMs/8 {
		return
	}
	m.sweptT = m.newestT
	for k, s := range m.series {
		s.trim(cutoff)
		if len(s.pts) == 0 {
			delete(m.series, k)
		}
	}
}

// Select returns copies of the points of the requested series of target within [fromMs, toMs].
func (m *Memory) Select(ctx context.Context, target string, series []string, fromMs, toMs int64) (map[string][]Point, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make(map[string][]Point, len(series))
	if fromMs > toMs {
		return out, nil
	}
	fromMs = max(fromMs, m.cutoff())
	for _, name := range series {
		s := m.series[seriesKey{target: target, series: name}]
		if s == nil {
			continue
		}
		lo := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].T >= fromMs })
		hi := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].T > toMs })
		if lo < hi {
			// A copy, because later appends may write into the spare capacity of s.pts.
			out[name] = append([]Point(nil), s.pts[lo:hi]...)
		}
	}
	return out, nil
}

// Last returns the newest point of the series at or before toMs within the retention.
func (m *Memory) Last(ctx context.Context, target, series string, toMs int64) (Point, bool, error) {
	if err := ctx.Err(); err != nil {
		return Point{}, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return Point{}, false, ErrClosed
	}
	s := m.series[seriesKey{target: target, series: series}]
	if s == nil {
		return Point{}, false, nil
	}
	i := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].T > toMs })
	if i == 0 || s.pts[i-1].T < m.cutoff() {
		return Point{}, false, nil
	}
	return s.pts[i-1], true, nil
}
