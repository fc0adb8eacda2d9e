package snapshots

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside the storage directory.
const FileName = "snapshots.db"

// ErrNotWritable is wrapped by the error of Open when the storage path cannot be created or
// written to.
var ErrNotWritable = errors.New("not writable")

// ErrLocked is wrapped by the error of Open when another process holds the database file.
var ErrLocked = errors.New("in use by another process")

// The root buckets. Metadata has its own bucket, keyed by target, kind and big-endian time,
// so List and Nearest walk small values in key order and never touch a payload.
var (
	bucketMeta   = []byte("meta")
	bucketData   = []byte("data")
	bucketTables = []byte("tables")
	bucketPins   = []byte("pins")
)

// sequentialFill is the fill percent of buckets whose keys are mostly appended in order
// (snapshot times, table ids): bbolt's default of one half would leave every page of an
// append-only bucket half empty after a split.
const sequentialFill = 0.95

// registry shares one bbolt database per directory within the process: Grafana builds a new
// data source instance on every settings change while the old one is still open, and the
// database file's lock admits one opener.
var registry = struct {
	mu  sync.Mutex
	dbs map[string]*sharedDB
}{dbs: make(map[string]*sharedDB)}

// sharedDB is one open database file and its background maintenance.
type sharedDB struct {
	bolt *bolt.DB
	dir  string
	// refs counts the open handles; guarded by registry.mu.
	refs int
	// opts holds the newest options: the newest data source instance is the one that stays.
	opts atomic.Pointer[Options]

	stop chan struct{}
	done chan struct{}
	// life guards bolt against Close: operations hold it shared, close holds it exclusively.
	life   sync.RWMutex
	closed bool
}

// DB is a durable Store in one bbolt file. Every write is one bbolt transaction, committed
// with fsync before it returns, so a killed process loses nothing that was acknowledged
// and never leaves a half-written snapshot.
type DB struct {
	sh     *sharedDB
	closed atomic.Bool
}

var _ Store = (*DB)(nil)

// Open returns a handle on the snapshot database in dir, creating both if needed, and starts
// its background maintenance. A directory this process has open already is shared, told
// apart by its absolute, symlink-resolved path; the retention options of the newest Open then
// replace the current ones (MaintenanceInterval and LockTimeout keep the values of the Open
// that opened the file). Open fails after opts.LockTimeout, wrapping ErrLocked, when another
// process holds the file, and wraps ErrNotWritable when dir cannot be created or written.
func Open(dir string, opts Options) (*DB, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("open snapshot store: the storage path is empty")
	}
	o := opts.withDefaults()
	key, err := canonicalDir(dir)
	if err != nil {
		return nil, err
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if sh := registry.dbs[key]; sh != nil {
		sh.opts.Store(&o)
		sh.refs++
		return &DB{sh: sh}, nil
	}
	sh, err := openShared(key, o)
	if err != nil {
		return nil, err
	}
	registry.dbs[key] = sh
	return &DB{sh: sh}, nil
}

func openShared(dir string, o Options) (*sharedDB, error) {
	if err := ensureWritable(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.LockTimeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open snapshot store %q: the database file is %w (still locked after %s)", path, ErrLocked, o.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open snapshot store %q: %w", path, err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketData, bucketTables, bucketPins} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open snapshot store %q: create buckets: %w", path, err), b.Close())
	}
	sh := &sharedDB{bolt: b, dir: dir, refs: 1, stop: make(chan struct{}), done: make(chan struct{})}
	sh.opts.Store(&o)
	go sh.maintainLoop()
	return sh, nil
}

// OpenOrMemory returns Open(dir, opts) or, when dir is empty or cannot be opened, an
// in-memory store whose Info().Reason says why, so the data source keeps working and its
// health check can tell the user what to fix.
func OpenOrMemory(dir string, opts Options) Store {
	if strings.TrimSpace(dir) == "" {
		return NewMemoryWithReason(opts, "no storage path is configured; keeping snapshots in memory only")
	}
	db, err := Open(dir, opts)
	if err == nil {
		return db
	}
	if opts.Logger != nil {
		opts.Logger.Warn("durable snapshot storage unavailable", "path", dir, "err", err)
	}
	return NewMemoryWithReason(opts, err.Error()+"; keeping snapshots in memory only")
}

// canonicalDir creates dir and returns its absolute path with symlinks resolved, so that two
// spellings of one directory share one database instead of failing on its lock.
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

// ensureWritable fails early, with the path in the message, where bbolt would fail on its
// first write or not at all (an existing file in a read-only directory opens fine).
func ensureWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("storage path %q is %w: %w", dir, ErrNotWritable, err)
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// acquire returns the shared database, held open until release is called, or ErrClosed.
func (d *DB) acquire() (*sharedDB, func(), error) {
	if d.closed.Load() {
		return nil, nil, ErrClosed
	}
	sh := d.sh
	sh.life.RLock()
	if sh.closed {
		sh.life.RUnlock()
		return nil, nil, ErrClosed
	}
	return sh, sh.life.RUnlock, nil
}

// view runs fn in a read transaction of the open database.
func (d *DB) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh, release, err := d.acquire()
	if err != nil {
		return err
	}
	defer release()
	return sh.bolt.View(fn)
}

// update runs fn in a write transaction of the open database.
func (d *DB) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sh, release, err := d.acquire()
	if err != nil {
		return err
	}
	defer release()
	return sh.bolt.Update(fn)
}

// Info reports the store as durable, at its directory.
func (d *DB) Info() Info {
	return Info{Durable: true, Path: d.sh.dir}
}

// Close releases this handle; the last handle on a directory stops the maintenance, waits
// for running operations and closes the file. Closing twice is a no-op; other methods
// return ErrClosed afterwards.
func (d *DB) Close() error {
	if !d.closed.CompareAndSwap(false, true) {
		return nil
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	sh := d.sh
	sh.refs--
	if sh.refs > 0 {
		return nil
	}
	delete(registry.dbs, sh.dir)
	close(sh.stop)
	<-sh.done
	sh.life.Lock()
	defer sh.life.Unlock()
	sh.closed = true
	if err := sh.bolt.Close(); err != nil {
		return fmt.Errorf("close snapshot store %q: %w", sh.dir, err)
	}
	return nil
}

// InUseBytes is what MaxBytes caps: the database file's size less its free pages. bbolt
// reuses freed pages but never shrinks the file, so the file size itself stays at its
// high-water mark while this figure falls as retention deletes snapshots.
func (d *DB) InUseBytes() (int64, error) {
	sh, release, err := d.acquire()
	if err != nil {
		return 0, err
	}
	defer release()
	return sh.inUseBytes()
}

func (sh *sharedDB) inUseBytes() (int64, error) {
	var size int64
	if err := sh.bolt.View(func(tx *bolt.Tx) error {
		size = tx.Size()
		return nil
	}); err != nil {
		return 0, err
	}
	st := sh.bolt.Stats()
	return size - int64(st.FreePageN+st.PendingPageN)*int64(sh.bolt.Info().PageSize), nil
}
