package store

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
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
