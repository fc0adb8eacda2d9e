package snapshots

import (
	"log/slog"
	"time"
)

// DefaultFullResolution is how long every snapshot is kept before its history is thinned
// to one snapshot per hour.
const DefaultFullResolution = 24 * time.Hour

// DefaultRetention is how long thinned snapshots are kept.
const DefaultRetention = 7 * 24 * time.Hour

// DefaultMaintenanceInterval is how often the background maintenance applies retention and
// the size cap: often enough that a day's snapshots of a busy data source never overshoot
// the cap by more than a few minutes' worth.
const DefaultMaintenanceInterval = 5 * time.Minute

// DefaultLockTimeout is how long Open waits for another process to release the database
// file before it fails.
const DefaultLockTimeout = 200 * time.Millisecond

// Options configures Open, NewMemory and OpenOrMemory. Zero values mean the defaults.
type Options struct {
	// FullResolution is how long all snapshots are kept; older ones are thinned to the
	// first of each hour per target and kind.
	FullResolution time.Duration
	// Retention is how long thinned snapshots are kept (the data source retention).
	Retention time.Duration
	// MaxBytes caps the bytes in use by the store (see DB.InUseBytes); past it the oldest
	// unpinned snapshots are deleted. Zero or less means no cap.
	MaxBytes int64
	// MaintenanceInterval is the period of the background Maintain; negative disables the
	// background run (tests call Maintain themselves).
	MaintenanceInterval time.Duration
	// LockTimeout is how long Open waits for a database file locked by another process.
	LockTimeout time.Duration
	// Now is the clock of retention; nil means time.Now.
	Now func() time.Time
	// Logger receives maintenance failures; nil discards them.
	Logger *slog.Logger
}

// withDefaults returns o with its zero fields set.
func (o Options) withDefaults() Options {
	if o.FullResolution <= 0 {
		o.FullResolution = DefaultFullResolution
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = DefaultMaintenanceInterval
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
