package snapshots

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/pprof/profile"
)

// Memory is a Store that keeps snapshots in process memory, for when no durable storage can
// be had. Each profile is held as its serialized .pb.gz (a tenth of the parsed profile's
// memory, and an exact figure for MaxBytes); blobs are held as given. Retention, the size
// cap and pins behave as in DB, the cap counting those held bytes.
type Memory struct {
	mu     sync.RWMutex
	opts   Options
	reason string
	closed bool
	// series holds each (target, kind)'s snapshots in time order.
	series map[seriesID][]*memEntry
	pins   map[string]Pin
	bytes  int64

	stop chan struct{}
	done chan struct{}
}

type seriesID struct{ target, kind string }

type memEntry struct {
	ms   int64
	kind entryKind
	data []byte
	raw  int64
	pins []string
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store and starts its background maintenance.
func NewMemory(opts Options) *Memory {
	return NewMemoryWithReason(opts, "")
}

// NewMemoryWithReason is NewMemory whose Info().Reason says why no durable store is used.
func NewMemoryWithReason(opts Options, reason string) *Memory {
	m := &Memory{
		opts:   opts.withDefaults(),
		reason: reason,
		series: make(map[seriesID][]*memEntry),
		pins:   make(map[string]Pin),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	go m.maintainLoop()
	return m
}

func (m *Memory) maintainLoop() {
	defer close(m.done)
	if m.opts.MaintenanceInterval < 0 {
		<-m.stop
		return
	}
	t := time.NewTicker(m.opts.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			if err := m.Maintain(context.Background()); err != nil {
				m.opts.Logger.Warn("in-memory snapshot maintenance failed", "err", err)
			}
		}
	}
}

// Info reports the store as in memory, with the reason given at creation.
func (m *Memory) Info() Info {
	return Info{Durable: false, Reason: m.reason}
}

// Close stops the maintenance and drops all snapshots. Closing twice is a no-op; other
// methods return ErrClosed afterwards.
func (m *Memory) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.series, m.pins = nil, nil
	m.mu.Unlock()
	close(m.stop)
	<-m.done
	return nil
}

// find returns the index of ms in entries and whether it is there.
func find(entries []*memEntry, ms int64) (int, bool) {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].ms >= ms })
	return i, i < len(entries) && entries[i].ms == ms
}

func (m *Memory) put(ctx context.Context, key Key, e *memEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	id := seriesID{key.Target, key.Kind}
	s := m.series[id]
	i, ok := find(s, e.ms)
	if ok {
		return nil
	}
	m.series[id] = slices.Insert(s, i, e)
	m.bytes += int64(len(e.data))
	return nil
}

// PutProfile stores a serialized copy of p; see DB.PutProfile.
func (m *Memory) PutProfile(ctx context.Context, key Key, p *profile.Profile, rawBytes int64) error {
	if err := checkPut(key, p); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		return fmt.Errorf("put profile %s: serialize: %w", key, err)
	}
	if err := m.put(ctx, key, &memEntry{ms: key.Time.UnixMilli(), kind: kindProfile, data: buf.Bytes(), raw: rawBytes}); err != nil {
		return fmt.Errorf("put profile %s: %w", key, err)
	}
	return nil
}

// PutBlob stores a copy of data; see DB.PutBlob.
func (m *Memory) PutBlob(ctx context.Context, key Key, data []byte) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	e := &memEntry{ms: key.Time.UnixMilli(), kind: kindBlob, data: bytes.Clone(data), raw: int64(len(data))}
	if err := m.put(ctx, key, e); err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return nil
}

func (m *Memory) meta(target, kind string, e *memEntry) Meta {
	return Meta{Key: Key{Target: target, Kind: kind, Time: time.UnixMilli(e.ms).UTC()}, RawBytes: e.raw, Pins: slices.Clone(e.pins)}
}

// List returns the snapshots of one target and kind within [from, to], oldest first.
func (m *Memory) List(ctx context.Context, target, kind string, from, to time.Time) ([]Meta, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, fmt.Errorf("list snapshots of %s/%s: %w", target, kind, ErrClosed)
	}
	s := m.series[seriesID{target, kind}]
	var out []Meta
	for i, _ := find(s, from.UnixMilli()); i < len(s) && s[i].ms <= to.UnixMilli(); i++ {
		out = append(out, m.meta(target, kind, s[i]))
	}
	return out, nil
}

// Nearest returns the newest snapshot at or before at, or an error wrapping ErrNotFound.
func (m *Memory) Nearest(ctx context.Context, target, kind string, at time.Time) (Meta, error) {
	if err := ctx.Err(); err != nil {
		return Meta{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	wrap := func(err error) error {
		return fmt.Errorf("nearest snapshot of %s/%s at %s: %w", target, kind, at.UTC().Format(time.RFC3339), err)
	}
	if m.closed {
		return Meta{}, wrap(ErrClosed)
	}
	s := m.series[seriesID{target, kind}]
	i, ok := find(s, at.UnixMilli())
	if !ok {
		i--
	}
	if i < 0 {
		return Meta{}, wrap(ErrNotFound)
	}
	return m.meta(target, kind, s[i]), nil
}

func (m *Memory) get(key Key, want entryKind) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	s := m.series[seriesID{key.Target, key.Kind}]
	i, ok := find(s, key.Time.UnixMilli())
	if !ok {
		return nil, ErrNotFound
	}
	if s[i].kind != want {
		return nil, wrongKind(s[i].kind)
	}
	return s[i].data, nil
}

// Profile parses the stored copy of the profile at key.
func (m *Memory) Profile(ctx context.Context, key Key) (*profile.Profile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := m.get(key, kindProfile)
	if err == nil {
		var p *profile.Profile
		if p, err = profile.ParseData(data); err == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("read profile %s: %w", key, err)
}

// Blob returns a copy of the blob at key.
func (m *Memory) Blob(ctx context.Context, key Key) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := m.get(key, kindBlob)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", key, err)
	}
	return bytes.Clone(data), nil
}

// Pin names the snapshot at key; see DB.Pin.
func (m *Memory) Pin(ctx context.Context, name string, key Key) error {
	if err := checkPinName(name); err != nil {
		return fmt.Errorf("pin %q: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	wrap := func(err error) error { return fmt.Errorf("pin %q on %s: %w", name, key, err) }
	if m.closed {
		return wrap(ErrClosed)
	}
	if _, taken := m.pins[name]; taken {
		return wrap(ErrPinTaken)
	}
	s := m.series[seriesID{key.Target, key.Kind}]
	i, ok := find(s, key.Time.UnixMilli())
	if !ok {
		return wrap(ErrNotFound)
	}
	s[i].pins = addPin(s[i].pins, name)
	k := Key{Target: key.Target, Kind: key.Kind, Time: time.UnixMilli(s[i].ms).UTC()}
	m.pins[name] = Pin{Name: name, Key: k, Created: time.UnixMilli(m.opts.Now().UnixMilli()).UTC()}
	return nil
}

// Unpin removes a pin; see DB.Unpin.
func (m *Memory) Unpin(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("unpin %q: %w", name, ErrClosed)
	}
	p, ok := m.pins[name]
	if !ok {
		return fmt.Errorf("unpin %q: %w", name, ErrNotFound)
	}
	delete(m.pins, name)
	s := m.series[seriesID{p.Target, p.Kind}]
	if i, ok := find(s, p.Time.UnixMilli()); ok {
		s[i].pins = removePin(s[i].pins, name)
	}
	return nil
}

// Pins returns all pins, sorted by name.
func (m *Memory) Pins(ctx context.Context) ([]Pin, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, fmt.Errorf("list pins: %w", ErrClosed)
	}
	out := make([]Pin, 0, len(m.pins))
	for _, name := range sortedKeys(m.pins) {
		out = append(out, m.pins[name])
	}
	return out, nil
}

// InUseBytes returns the bytes of the stored payloads, which MaxBytes caps.
func (m *Memory) InUseBytes() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.bytes
}

// Maintain applies retention and the size cap once, as DB.Maintain does.
func (m *Memory) Maintain(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	ids := make([]seriesID, 0, len(m.series))
	for id := range m.series {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b seriesID) int {
		if a.target != b.target {
			return cmpString(a.target, b.target)
		}
		return cmpString(a.kind, b.kind)
	})
	list := func() ([]candidate, []*memEntry, []seriesID) {
		var cands []candidate
		var entries []*memEntry
		var owners []seriesID
		for _, id := range ids {
			for _, e := range m.series[id] {
				cands = append(cands, candidate{series: id.target + "\x00" + id.kind, ms: e.ms, size: int64(len(e.data)), pinned: len(e.pins) > 0})
				entries = append(entries, e)
				owners = append(owners, id)
			}
		}
		return cands, entries, owners
	}
	cands, entries, owners := list()
	m.drop(entries, owners, retentionVictims(cands, m.opts.Now(), m.opts))
	if m.opts.MaxBytes > 0 && m.bytes > m.opts.MaxBytes {
		cands, entries, owners = list()
		m.drop(entries, owners, capVictims(cands, m.bytes-m.opts.MaxBytes))
		if m.bytes > m.opts.MaxBytes {
			return fmt.Errorf("in-memory snapshots use %d bytes, over their cap of %d, and only pinned snapshots are left", m.bytes, m.opts.MaxBytes)
		}
	}
	return nil
}

// drop deletes the picked entries from their series.
func (m *Memory) drop(entries []*memEntry, owners []seriesID, picked []int) {
	gone := make(map[*memEntry]bool, len(picked))
	touched := make(map[seriesID]bool)
	for _, i := range picked {
		gone[entries[i]] = true
		touched[owners[i]] = true
		m.bytes -= int64(len(entries[i].data))
	}
	for id := range touched {
		s := slices.DeleteFunc(m.series[id], func(e *memEntry) bool { return gone[e] })
		if len(s) == 0 {
			delete(m.series, id)
		} else {
			m.series[id] = s
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
