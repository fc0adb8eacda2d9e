package store

import "sync/atomic"

// AppendStats counts what the Append calls of a store did with the samples they were given,
// since the store was opened. Dropped samples are not errors: a scraper that re-reads a
// GC ring or retries a scrape produces them routinely, so they are counted instead of failing
// the whole batch.
type AppendStats struct {
	// Appended is the number of samples stored.
	Appended uint64
	// Duplicates is the number of samples dropped because their series already had a sample
	// at that timestamp, whatever its value.
	Duplicates uint64
	// OutOfOrder is the number of samples dropped because they were older than the newest
	// stored sample of their series.
	OutOfOrder uint64
	// TooOld is the number of samples of a series without newer samples that were dropped
	// because they fell before what the store still accepts: beyond the retention of the
	// memory store, or before the append window of the TSDB head (half a block below its newest
	// sample, or before its newest block).
	TooOld uint64
}

// StatsReporter is implemented by every store of this package, including the handles of
// Open and OpenOrMemory, so callers can report dropped samples without knowing the engine.
type StatsReporter interface {
	AppendStats() AppendStats
}

// appendCounters is the lock-free form of AppendStats, so that reading the statistics never
// waits for an append in progress.
type appendCounters struct {
	appended, duplicates, outOfOrder, tooOld atomic.Uint64
}

func (c *appendCounters) snapshot() AppendStats {
	return AppendStats{
		Appended:   c.appended.Load(),
		Duplicates: c.duplicates.Load(),
		OutOfOrder: c.outOfOrder.Load(),
		TooOld:     c.tooOld.Load(),
	}
}

// add folds the tally of one committed batch into the counters.
func (c *appendCounters) add(s AppendStats) {
	c.appended.Add(s.Appended)
	c.duplicates.Add(s.Duplicates)
	c.outOfOrder.Add(s.OutOfOrder)
	c.tooOld.Add(s.TooOld)
}
