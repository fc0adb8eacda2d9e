package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// registry shares one TSDB per directory within the process. Grafana builds a new data source
// instance on every settings change and disposes of the old one seconds later, so two
// instances routinely want the same directory at once, and the TSDB's lock file admits one.
var registry = struct {
	mu  sync.Mutex
	dbs map[string]*sharedTSDB
}{dbs: make(map[string]*sharedTSDB)}

// sharedTSDB is a TSDB with the number of open handles on it; both fields of all entries are
// guarded by registry.mu.
type sharedTSDB struct {
	db   *TSDB
	key  string
	refs int
}

// handle is one reference to a shared TSDB, returned by Open.
type handle struct {
	shared *sharedTSDB
	closed atomic.Bool
}

var (
	_ Store         = (*handle)(nil)
	_ StatsReporter = (*handle)(nil)
)

// Open returns a handle on the TSDB in dir, opening it with OpenTSDB unless this process has
// it open already, in which case the handle shares it: directories are told apart by their
// absolute, symlink-resolved path. The TSDB is closed when its last handle is closed.
//
// When the TSDB is already open, the Retention and MaxBytes of this call replace the current
// ones (the newest settings win, as the newest data source instance is the one that stays);
// MinBlockDuration and Logger cannot change on an open TSDB and keep the values of the Open
// that opened it.
func Open(dir string, opts TSDBOptions) (Store, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("open tsdb: the storage path is empty")
	}
	key, err := canonicalDir(dir)
	if err != nil {
		return nil, err
	}

	registry.mu.Lock()
	defer registry.mu.Unlock()
	if sh := registry.dbs[key]; sh != nil {
		if err := sh.db.setLimits(opts.Retention, opts.MaxBytes); err != nil {
			return nil, err
		}
		sh.refs++
		return &handle{shared: sh}, nil
	}
	db, err := OpenTSDB(key, opts)
	if err != nil {
		return nil, err
	}
	sh := &sharedTSDB{db: db, key: key, refs: 1}
	registry.dbs[key] = sh
	return &handle{shared: sh}, nil
}

// OpenOrMemory returns Open(dir, opts) or, when the directory cannot be created, written or
// opened (or dir is empty), an in-memory store whose Info().Reason says why in plain words,
// so the data source keeps working and its health check can tell the user what to fix.
func OpenOrMemory(dir string, opts TSDBOptions) Store {
	if strings.TrimSpace(dir) == "" {
		return NewMemoryWithReason(opts.Retention, "no storage path is configured; keeping history in memory only")
	}
	s, err := Open(dir, opts)
	if err == nil {
		return s
	}
	reason := err.Error() + "; keeping history in memory only"
	if opts.Logger != nil {
		opts.Logger.Warn("durable storage unavailable", "path", dir, "err", err)
	}
	return NewMemoryWithReason(opts.Retention, reason)
}

// canonicalDir creates dir and returns its absolute path with symlinks resolved, so that two
// spellings of one directory share one TSDB instead of failing on its lock. The directory is
// created first because only an existing path can be resolved.
func canonicalDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve storage path %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("storage path %q is %w: %w", dir, ErrNotWritable, err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("resolve storage path %q: %w", dir, err)
	}
	return resolved, nil
}

// db returns the shared TSDB, or ErrClosed once this handle is closed.
func (h *handle) db() (*TSDB, error) {
	if h.closed.Load() {
		return nil, ErrClosed
	}
	return h.shared.db, nil
}

// Append appends through the shared TSDB.
func (h *handle) Append(ctx context.Context, samples []Sample) error {
	db, err := h.db()
	if err != nil {
		return err
	}
	return db.Append(ctx, samples)
}

// Select reads through the shared TSDB.
func (h *handle) Select(ctx context.Context, target string, series []string, fromMs, toMs int64) (map[string][]Point, error) {
	db, err := h.db()
	if err != nil {
		return nil, err
	}
	return db.Select(ctx, target, series, fromMs, toMs)
}

// Last reads through the shared TSDB.
func (h *handle) Last(ctx context.Context, target, series string, toMs int64) (Point, bool, error) {
	db, err := h.db()
	if err != nil {
		return Point{}, false, err
	}
	return db.Last(ctx, target, series, toMs)
}

// Info describes the shared TSDB.
func (h *handle) Info() Info {
	return h.shared.db.Info()
}

// AppendStats reports the counts of the shared TSDB, that is of all handles on the directory.
func (h *handle) AppendStats() AppendStats {
	return h.shared.db.AppendStats()
}

// Close releases this handle, closing the TSDB if it was the last one. It is idempotent. The
// registry stays locked while the TSDB closes, so an Open of the same directory waits for the
// lock file to be released instead of failing on it.
func (h *handle) Close() error {
	if !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	sh := h.shared
	sh.refs--
	if sh.refs > 0 {
		return nil
	}
	delete(registry.dbs, sh.key)
	return sh.db.Close()
}
