package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/compression"
)

// DefaultRetention is how long a store keeps samples when its options leave retention at zero.
const DefaultRetention = 7 * 24 * time.Hour

// DefaultMinBlockDuration is the sample-time span of the TSDB's smallest on-disk block, as in
// Prometheus: the head is written to a block once it spans one and a half of these.
const DefaultMinBlockDuration = 2 * time.Hour

// targetLabel is the label holding Sample.Target; Sample.Series is the metric name.
const targetLabel = "target"

// maxBlockDurationCap mirrors Prometheus, which never merges blocks beyond 31 days so that
// retention can still drop data in reasonably small steps.
const maxBlockDurationCap = 31 * 24 * time.Hour

// samplesPerChunk doubles the TSDB's default of 120: at a 15 s scrape interval a chunk then
// spans an hour, and the fewer chunk headers and index entries made this package's benchmarks
// store about 4 % fewer bytes per sample and select a day about 15 % faster, while a query of
// the last hour still decodes at most two hours per series.
const samplesPerChunk = 240

// maxDecodeWorkers bounds the goroutines decoding one Select, so that one large query leaves
// cores to the others a dashboard sends at the same time.
const maxDecodeWorkers = 4

// parallelDecodeSamples is the selection size from which decoding is spread over goroutines:
// about a millisecond of work.
const parallelDecodeSamples = 50_000

// lastWindow is the first look-back of Last; it grows eightfold per miss, so the common case
// (a series scraped moments ago) opens only the head and the newest block.
const lastWindow = time.Hour

// ErrNotWritable is wrapped by the error of OpenTSDB and Open when the storage path cannot
// be created or written to.
var ErrNotWritable = errors.New("not writable")

// ErrLocked is wrapped by the error of OpenTSDB and Open when another process (or another
// OpenTSDB in this process) holds the lock file of the storage path.
var ErrLocked = errors.New("in use by another process")

// TSDBOptions configures OpenTSDB.
type TSDBOptions struct {
	// Retention is how long samples are kept. The TSDB measures it back from the end of its
	// newest block and deletes whole blocks, so data lives up to one block longer than this.
	// Zero means DefaultRetention.
	Retention time.Duration
	// MaxBytes caps the disk use of blocks, WAL and memory-mapped head chunks; past it the
	// oldest blocks are deleted. Only blocks can be deleted, so a cap below the size of the
	// WAL and head leaves just the head (the last 2-3 block durations). Zero or less means no
	// size cap.
	MaxBytes int64
	// MinBlockDuration is the sample-time span of the smallest block. Zero means
	// DefaultMinBlockDuration; tests and benchmarks lower it so that blocks are written, and
	// retention can act, after minutes rather than hours of samples.
	MinBlockDuration time.Duration
	// Logger receives the TSDB's own log lines (WAL replay, compactions, deleted blocks);
	// nil discards them.
	Logger *slog.Logger
}

// TSDB is a durable Store on the Prometheus TSDB. Each sample is stored as the float sample
// of the series {__name__=Series, target=Target}. Every Append is one appender commit, written
// to the write-ahead log before Append returns, so a killed process loses at most the batch
// that was being appended; the log is replayed by the next OpenTSDB.
type TSDB struct {
	db  *tsdb.DB
	dir string

	// life guards db against Close: operations hold it shared and Close holds it exclusively,
	// so the TSDB is never closed under a running query or commit.
	life   sync.RWMutex
	closed bool

	// appendMu serialises Append so that the newest timestamp remembered per series always
	// matches what is committed, which is what lets duplicates be dropped and counted exactly.
	// A scrape batch is a few dozen samples, so the lock is held for microseconds.
	appendMu sync.Mutex
	series   map[seriesKey]*seriesState
	touched  []*seriesState
	// newestT and prunedT drive the forgetting of series not appended for a retention period.
	newestT, prunedT int64

	retentionMs atomic.Int64
	stats       appendCounters
}

// seriesState is what Append remembers about a series between batches.
type seriesState struct {
	lbls labels.Labels
	// ref lets the head skip the label lookup; a stale ref is harmless, the head falls back
	// to the labels.
	ref storage.SeriesRef
	// lastT is the newest committed timestamp, math.MinInt64 when the series has none in the head.
	lastT int64
	// batchT is the newest timestamp appended by the batch in progress, valid when inBatch.
	batchT  int64
	inBatch bool
}

var _ Store = (*TSDB)(nil)

// OpenTSDB opens (creating it if needed) the TSDB in dir, replays its write-ahead log and
// starts background compaction and retention. It fails at once, without waiting, when another
// process holds the directory; use Open to share one directory within a process.
func OpenTSDB(dir string, opts TSDBOptions) (*TSDB, error) {
	if dir == "" {
		return nil, errors.New("open tsdb: the storage path is empty")
	}
	if err := ensureWritable(dir); err != nil {
		return nil, err
	}
	retention := opts.Retention
	if retention <= 0 {
		retention = DefaultRetention
	}
	minBlock := opts.MinBlockDuration
	if minBlock <= 0 {
		minBlock = DefaultMinBlockDuration
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	to := tsdb.DefaultOptions()
	to.RetentionDuration = retention.Milliseconds()
	to.MaxBytes = max(opts.MaxBytes, 0)
	to.MinBlockDuration = minBlock.Milliseconds()
	to.MaxBlockDuration = maxBlockDuration(retention, minBlock).Milliseconds()
	// Snappy roughly halves the WAL, which counts against MaxBytes, for little CPU.
	to.WALCompression = compression.Snappy
	to.SamplesPerChunk = samplesPerChunk

	db, err := tsdb.Open(dir, logger, nil, to, nil)
	if err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
			return nil, fmt.Errorf("storage path %q is %w: %w", dir, ErrLocked, err)
		}
		if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return nil, fmt.Errorf("storage path %q is %w: %w", dir, ErrNotWritable, err)
		}
		return nil, fmt.Errorf("open tsdb at %q: %w", dir, err)
	}
	s := &TSDB{
		db:      db,
		dir:     dir,
		series:  make(map[seriesKey]*seriesState),
		newestT: math.MinInt64,
		prunedT: math.MinInt64,
	}
	s.retentionMs.Store(to.RetentionDuration)
	return s, nil
}

// maxBlockDuration follows Prometheus: blocks are merged up to a tenth of the retention, so
// that a 7-day history is read from a handful of blocks while retention still frees space in
// steps of a tenth.
func maxBlockDuration(retention, minBlock time.Duration) time.Duration {
	return min(max(retention/10, minBlock), maxBlockDurationCap)
}

// ensureWritable creates dir and proves a file can be written in it, so that a read-only or
// impossible path is reported as such instead of as whatever the TSDB first tripped over.
func ensureWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("storage path %q is %w: %w", dir, ErrNotWritable, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("storage path %q is %w: %w", dir, ErrNotWritable, err)
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// Info reports the store as durable, at its directory.
func (s *TSDB) Info() Info {
	return Info{Durable: true, Path: s.dir}
}

// AppendStats reports how many samples were stored and dropped since OpenTSDB.
func (s *TSDB) AppendStats() AppendStats {
	return s.stats.snapshot()
}

// Close stops compaction and closes the TSDB, waiting for running queries and appends.
// Closing twice is a no-op; other methods return ErrClosed afterwards.
func (s *TSDB) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close tsdb at %q: %w", s.dir, err)
	}
	return nil
}

// setLimits changes retention and size cap of the open TSDB; the TSDB applies them at its
// next block reload (at most a minute later) or compaction.
func (s *TSDB) setLimits(retention time.Duration, maxBytes int64) error {
	if retention <= 0 {
		retention = DefaultRetention
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return ErrClosed
	}
	cfg := &config.Config{StorageConfig: config.StorageConfig{TSDBConfig: &config.TSDBConfig{
		Retention: &config.TSDBRetentionConfig{
			Time: model.Duration(retention),
			Size: units.Base2Bytes(max(maxBytes, 0)),
		},
	}}}
	if err := s.db.ApplyConfig(cfg); err != nil {
		return fmt.Errorf("apply retention %s and size cap %d bytes to tsdb at %q: %w", retention, maxBytes, s.dir, err)
	}
	s.retentionMs.Store(retention.Milliseconds())
	return nil
}

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
