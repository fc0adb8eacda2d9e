package collector

import (
	"context"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// ProfileSink takes the profiles the collector fetches, to decode and store them. body is the
// target's debug=0 (or CPU) response as sent: gzip-compressed protobuf, already capped at the
// data source's maximum profile size but not decompressed, so the sink must cap the
// decompressed size itself. t is the tick the fetch was scheduled for, so one type's
// snapshots of a target lie on a regular grid (a CPU profile covers the seconds after t).
// An error (say, a corrupt profile) is recorded in the type's FetchStatus; the collector
// does not retry.
type ProfileSink interface {
	StoreProfile(ctx context.Context, target string, pt models.ProfileType, t time.Time, body []byte) error
}

// GoroutineSink takes goroutine?debug=1 (debug 1, on every runtime tick; t is that tick, as
// for the runtime samples) and goroutine?debug=2 dumps (debug 2, on the dump schedule), to
// parse and store them. Its errors are recorded like ProfileSink's.
type GoroutineSink interface {
	StoreGoroutines(ctx context.Context, target string, debug int, t time.Time, body []byte) error
}
