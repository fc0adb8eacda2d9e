// Package snapshots keeps the durable history of profile snapshots and goroutine summaries
// per target, behind narrow interfaces so that the collector and the query code never see
// the storage engine.
package snapshots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/pprof/profile"
)

// ErrNotFound is returned when no snapshot or pin matches.
var ErrNotFound = errors.New("snapshot not found")

// ErrClosed is returned by operations on a closed store.
var ErrClosed = errors.New("snapshot store is closed")

// ErrPinTaken is returned by Pin when another pin already has the name.
var ErrPinTaken = errors.New("pin name is already taken")

// Key identifies one snapshot. Kind is a models.ProfileType for profiles, or a blob kind such
// as "goroutine-dump" for goroutine summaries. Time has millisecond precision.
type Key struct {
	Target string
	Kind   string
	Time   time.Time
}

// String formats the key for error messages, e.g. "app/heap@2026-12-01T10:00:00.000Z".
func (k Key) String() string {
	return fmt.Sprintf("%s/%s@%s", k.Target, k.Kind, k.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
}

// Meta describes a stored snapshot.
type Meta struct {
	Key
	// RawBytes is the size of the body the target sent (for profiles, the .pb.gz).
	RawBytes int64
	// Pins are the names of the pins that keep this snapshot from retention.
	Pins []string
}

// Pin is a named snapshot that retention keeps.
type Pin struct {
	Name string
	Key
	Created time.Time
}

// Writer stores snapshots. A snapshot at an already stored key replaces nothing and is
// dropped without error.
type Writer interface {
	PutProfile(ctx context.Context, key Key, p *profile.Profile, rawBytes int64) error
	PutBlob(ctx context.Context, key Key, data []byte) error
}

// Reader reads stored snapshots.
type Reader interface {
	// List returns the snapshots of one target and kind within [from, to], oldest first.
	List(ctx context.Context, target, kind string, from, to time.Time) ([]Meta, error)
	// Nearest returns the newest snapshot at or before at, or ErrNotFound.
	Nearest(ctx context.Context, target, kind string, at time.Time) (Meta, error)
	// Profile rebuilds a stored profile; the result is the caller's to modify.
	Profile(ctx context.Context, key Key) (*profile.Profile, error)
	// Blob returns a stored blob.
	Blob(ctx context.Context, key Key) ([]byte, error)
}

// Pinner manages pins.
type Pinner interface {
	// Pin names an existing snapshot; a name is unique within the store.
	Pin(ctx context.Context, name string, key Key) error
	Unpin(ctx context.Context, name string) error
	Pins(ctx context.Context) ([]Pin, error)
}

// Store is the snapshot history of one data source instance.
type Store interface {
	Writer
	Reader
	Pinner
	// Info describes the engine for health messages, e.g. on disk at a path or in memory.
	Info() Info
	Close() error
}

// Info describes where and how a store keeps its snapshots.
type Info struct {
	// Durable is false when snapshots are kept in memory only and lost on restart.
	Durable bool
	// Path is the directory holding the data, empty for an in-memory store.
	Path string
	// Reason explains why a requested durable store fell back to memory.
	Reason string
}
