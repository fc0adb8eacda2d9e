package snapshots

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// TestReopenKeepsEverything closes and reopens a store and reads back profiles, blobs and
// pins, then keeps deduplicating against the reopened tables.
func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	ps, raws := heapSeries(t)
	db, err := Open(dir, Options{MaintenanceInterval: -1})
	require.NoError(t, err)
	for i := range 10 {
		require.NoError(t, db.PutProfile(bg, key("app", "heap", t0.Add(time.Duration(i)*time.Minute)), ps[i], int64(len(raws[i]))))
	}
	require.NoError(t, db.PutBlob(bg, key("app", "goroutine-dump", t0), []byte("goroutine 1 [running]:")))
	require.NoError(t, db.Pin(bg, "before deploy", key("app", "heap", t0.Add(3*time.Minute))))
	before := tableCounts(t, db, "app")
	require.NoError(t, db.Close())

	db, err = Open(dir, Options{MaintenanceInterval: -1})
	require.NoError(t, err)
	defer db.Close()
	metas, err := db.List(bg, "app", "heap", t0, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, metas, 10)
	assert.Equal(t, []string{"before deploy"}, metas[3].Pins)
	for i, m := range metas {
		assert.Equal(t, int64(len(raws[i])), m.RawBytes)
		got, err := db.Profile(bg, m.Key)
		require.NoError(t, err)
		requireEquivalent(t, ps[i], got)
	}
	blob, err := db.Blob(bg, key("app", "goroutine-dump", t0))
	require.NoError(t, err)
	assert.Equal(t, "goroutine 1 [running]:", string(blob))
	pins, err := db.Pins(bg)
	require.NoError(t, err)
	require.Len(t, pins, 1)
	assert.Equal(t, "before deploy", pins[0].Name)

	// Storing the first snapshot again under a new time adds no table entries.
	require.NoError(t, db.PutProfile(bg, key("app", "heap", t0.Add(time.Hour)), ps[0], 1))
	assert.Equal(t, before, tableCounts(t, db, "app"))
	info := db.Info()
	assert.True(t, info.Durable)
	assert.Equal(t, mustEval(t, dir), info.Path)
}

func mustEval(t *testing.T, dir string) string {
	p, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	return p
}

// TestSharedHandles opens one directory twice in the process, as Grafana does when a data
// source's settings change, and checks the handles share the file.
func TestSharedHandles(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, Options{MaintenanceInterval: -1})
	require.NoError(t, err)
	b, err := Open(filepath.Join(dir, "."), Options{MaintenanceInterval: -1})
	require.NoError(t, err)
	require.NoError(t, a.PutBlob(bg, key("app", "k", t0), []byte("x")))
	require.NoError(t, a.Close())
	got, err := b.Blob(bg, key("app", "k", t0))
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))
	_, err = a.Blob(bg, key("app", "k", t0))
	assert.ErrorIs(t, err, ErrClosed)
	require.NoError(t, b.Close())
}

// TestLockHeldByAnotherProcess starts a second process that holds the database and checks
// that Open fails quickly with ErrLocked, and that OpenOrMemory falls back to memory.
func TestLockHeldByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdLockEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "locked\n", line)

	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	require.ErrorIs(t, err, ErrLocked)
	assert.Contains(t, err.Error(), FileName)
	assert.Less(t, time.Since(start), 2*time.Second, "a held lock fails fast")

	s := OpenOrMemory(dir, Options{LockTimeout: 100 * time.Millisecond})
	defer s.Close()
	info := s.Info()
	assert.False(t, info.Durable)
	assert.Contains(t, info.Reason, "in use by another process")
	assert.Contains(t, info.Reason, "in memory only")
}

// holdLock is the second process of TestLockHeldByAnotherProcess, entered from TestMain:
// it opens the database in dir, says so, and holds it until its stdin closes.
func holdLock(dir string) int {
	db, err := Open(dir, Options{MaintenanceInterval: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestMain turns the test binary into the lock-holding process when asked to.
func TestMain(m *testing.M) {
	if dir := os.Getenv(holdLockEnv); dir != "" {
		os.Exit(holdLock(dir))
	}
	os.Exit(m.Run())
}

const holdLockEnv = "SNAPSHOTS_HOLD_LOCK_DIR"

// TestUnwritableDirFallsBackToMemory points the store below a regular file, which no user,
// root included, can create a directory in.
func TestUnwritableDirFallsBackToMemory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	dir := filepath.Join(file, "snapshots")
	_, err := Open(dir, Options{})
	require.ErrorIs(t, err, ErrNotWritable)

	s := OpenOrMemory(dir, Options{MaintenanceInterval: -1})
	defer s.Close()
	info := s.Info()
	assert.False(t, info.Durable)
	assert.Empty(t, info.Path)
	assert.Contains(t, info.Reason, dir)
	assert.Contains(t, info.Reason, "not writable")
	p, raw := readProfile(t, "heap.pb.gz")
	require.NoError(t, s.PutProfile(bg, key("app", "heap", t0), p, int64(len(raw))))
	got, err := s.Profile(bg, key("app", "heap", t0))
	require.NoError(t, err)
	requireEquivalent(t, p, got)

	empty := OpenOrMemory(" ", Options{MaintenanceInterval: -1})
	defer empty.Close()
	assert.Contains(t, empty.Info().Reason, "no storage path")
}

// TestClosedStore checks that every operation of a closed store returns ErrClosed.
func TestClosedStore(t *testing.T) {
	p, _ := readProfile(t, "heap.pb.gz")
	db, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	mem := NewMemory(Options{})
	for name, s := range map[string]Store{"bbolt": db, "memory": mem} {
		t.Run(name, func(t *testing.T) {
			k := key("app", "heap", t0)
			require.NoError(t, s.PutProfile(bg, k, p, 1))
			require.NoError(t, s.Close())
			require.NoError(t, s.Close(), "closing twice is a no-op")
			errs := []error{
				s.PutProfile(bg, k, p, 1),
				s.PutBlob(bg, k, nil),
				s.Pin(bg, "x", k),
				s.Unpin(bg, "x"),
			}
			_, err := s.List(bg, "app", "heap", t0, t0)
			errs = append(errs, err)
			_, err = s.Nearest(bg, "app", "heap", t0)
			errs = append(errs, err)
			_, err = s.Profile(bg, k)
			errs = append(errs, err)
			_, err = s.Blob(bg, k)
			errs = append(errs, err)
			_, err = s.Pins(bg)
			errs = append(errs, err)
			for i, err := range errs {
				assert.ErrorIs(t, err, ErrClosed, "operation %d", i)
			}
		})
	}
}

// TestCorruptedData damages a stored payload and a table entry on disk and checks that
// reads fail with an error naming the snapshot, and maintenance keeps what it cannot read.
func TestCorruptedData(t *testing.T) {
	dir := t.TempDir()
	p, _ := readProfile(t, "heap.pb.gz")
	g, _ := readProfile(t, "goroutine.pb.gz")
	db, err := Open(dir, Options{MaintenanceInterval: -1})
	require.NoError(t, err)
	require.NoError(t, db.PutProfile(bg, key("app", "heap", t0), p, 1))
	require.NoError(t, db.PutProfile(bg, key("other", "goroutine", t0), g, 1))
	require.NoError(t, db.Close())

	raw, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, raw.Update(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketData)
		k := encodeKey(key("app", "heap", t0))
		v := append([]byte(nil), data.Get(k)...)
		v[len(v)/2] ^= 0xff
		if err := data.Put(k, v); err != nil {
			return err
		}
		stacks := tx.Bucket(bucketTables).Bucket([]byte("other")).Bucket(dataBucketNames[tableStacks])
		return stacks.Delete(idKey(1))
	}))
	require.NoError(t, raw.Close())

	db, err = Open(dir, Options{MaintenanceInterval: -1})
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Profile(bg, key("app", "heap", t0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read profile app/heap@")
	assert.Contains(t, err.Error(), "decompress payload")

	_, err = db.Profile(bg, key("other", "goroutine", t0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stacks table has no entry 1")
	assert.True(t, errors.Is(err, errTruncated))

	_, err = db.Blob(bg, key("other", "goroutine", t0))
	assert.ErrorIs(t, err, errWrongKind)
}

// TestBadInput checks the errors of keys, profiles and pin names that cannot be stored.
func TestBadInput(t *testing.T) {
	db, _ := openTest(t, Options{})
	p, _ := readProfile(t, "heap.pb.gz")
	cases := map[string]error{
		"empty target": db.PutProfile(bg, key("", "heap", t0), p, 1),
		"empty kind":   db.PutBlob(bg, key("app", "", t0), nil),
		"no time":      db.PutProfile(bg, Key{Target: "app", Kind: "heap"}, p, 1),
		"nil profile":  db.PutProfile(bg, key("app", "heap", t0), nil, 1),
	}
	bad := p.Copy()
	bad.Sample[0].Value = bad.Sample[0].Value[:1]
	cases["invalid profile"] = db.PutProfile(bg, key("app", "heap", t0), bad, 1)
	for name, err := range cases {
		require.Error(t, err, name)
		assert.True(t, strings.HasPrefix(err.Error(), "put "), "%s: %v", name, err)
	}
	_, err := db.Profile(bg, key("app", "heap", t0))
	assert.ErrorIs(t, err, ErrNotFound, "nothing was stored")
}
