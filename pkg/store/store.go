// Package store keeps the durable history of scraped runtime samples behind a narrow
// interface, so the collector and the query code never see the storage engine.
package store

import (
	"context"
	"errors"
)

// ErrClosed is returned by operations on a closed store.
var ErrClosed = errors.New("store is closed")

// Sample is one value of one raw series of one target at a millisecond Unix timestamp.
type Sample struct {
	Target string
	Series string
	T      int64
	V      float64
}

// Point is a stored (time, value) pair; T is in Unix milliseconds.
type Point struct {
	T int64
	V float64
}

// Appender writes samples. Samples of one series must be appended in increasing time order;
// a sample at an already stored (target, series, time) is dropped without error.
type Appender interface {
	Append(ctx context.Context, samples []Sample) error
}

// Querier reads stored samples.
type Querier interface {
	// Select returns, for one target, the points of each requested series within
	// [fromMs, toMs] in ascending time order. Series without points are absent from the map.
	Select(ctx context.Context, target string, series []string, fromMs, toMs int64) (map[string][]Point, error)
	// Last returns the newest point of a series at or before toMs, and false when there is none.
	Last(ctx context.Context, target, series string, toMs int64) (Point, bool, error)
}

// Store is the durable history of one data source instance.
type Store interface {
	Appender
	Querier
	// Info describes the engine for health messages, e.g. "on disk at /path" or "in memory".
	Info() Info
	Close() error
}

// Info describes where and how a store keeps its data.
type Info struct {
	// Durable is false when samples are kept in memory only and lost on restart.
	Durable bool
	// Path is the directory holding the data, empty for an in-memory store.
	Path string
	// Reason explains why a requested durable store fell back to memory.
	Reason string
}
