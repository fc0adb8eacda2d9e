// Package suspects ranks leak suspects: the allocation sites whose in-use heap keeps growing
// across a sequence of heap snapshots of one process.
//
// The snapshots are consumed one at a time (see Ranker), so a day of one-a-minute snapshots
// never has to be held in memory: per allocation site the ranker keeps running counters and
// an in-use series of at most Options.MaxPoints points.
//
// Definitions, per key (the allocating function, or the full allocation stack):
//
//   - The allocating function is the leaf frame after inlining, Location[0].Line[0], which is
//     where `go tool pprof -top` attributes flat values.
//   - A key absent from a snapshot holds nothing in it (value 0): sites appear and disappear.
//   - Slope: the Theil–Sen estimate of inuse_space (and inuse_objects) over time, in units per
//     hour. With restarts, each segment is estimated alone and the segment slopes are combined
//     by their median weighted by the number of point pairs in each segment.
//   - Monotonicity: up / (up + down) over the snapshot-to-snapshot steps within a segment.
//     Flat steps do not count either way: heap profiles describe the heap as of the last
//     completed GC, so an unchanged value mostly means no GC touched the site between two
//     snapshots, not that it stopped growing. A key that never changed has monotonicity 0.
//   - Growth: the inuse_space change from the first to the last snapshot of each segment,
//     summed over segments. Growth share is a key's growth divided by the sum of the growth
//     of every key that grew; the net heap growth would be a poor divisor, since memory freed
//     elsewhere can bring it near zero or below.
//   - Retention: inuse_space / alloc_space in the latest snapshot (0 when nothing was
//     allocated). A leak retains nearly all it allocates; churn retains almost nothing.
//   - Score: max(slope, 0) × max(2·monotonicity − 1, 0), in bytes per hour. 2m − 1 is the net
//     direction (up − down) / (up + down): a random walk scores 0 however steep its slope
//     happens to be, a site that only grows keeps its whole slope.
//
// Suspects are ranked by score, then latest inuse_space, then key. Keys that held no in-use
// memory in any snapshot are not suspects at all and are left out.
//
// A process restart (the cumulative alloc_objects or alloc_space totals fall, or the main
// binary's build ID changes) starts a new segment: steps and slopes never span it.
package suspects

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/google/pprof/profile"

	"github.com/leakwatch/pprof-datasource/pkg/store"
)

// By selects what a suspect is.
type By string

const (
	// ByFunction ranks allocating functions (the leaf frame after inlining).
	ByFunction By = "function"
	// ByStack ranks full allocation stacks.
	ByStack By = "stack"
)

// DefaultMaxPoints bounds the in-use series kept per key when Options.MaxPoints is 0: 24 h of
// one-a-minute snapshots keep every fourth snapshot.
const DefaultMaxPoints = 512

// MinSnapshots is the fewest snapshots that give a slope and a monotonicity worth reading.
const MinSnapshots = 3

// Options configures a ranking.
type Options struct {
	// By is ByFunction (also when empty) or ByStack.
	By By
	// TopN limits the returned suspects; 0 or less returns all of them.
	TopN int
	// MaxPoints bounds the points kept per key (at least 4, rounded down to even; 0 means
	// DefaultMaxPoints). When a range has more snapshots, the kept points are thinned by
	// halves, each kept point being a real snapshot's value (the latest of the ones it
	// stands for), never an average.
	MaxPoints int
}

// Suspect is one ranked key.
type Suspect struct {
	// Rank is 1 for the strongest suspect.
	Rank int
	// Key is the function name, or the stack's function names root first joined by ";".
	Key string
	// Function is the allocating (leaf) function.
	Function string
	// Stack lists the function names root first (ByStack only).
	Stack []string
	// Score is the ranking score, in bytes per hour (see the package comment).
	Score float64
	// SpaceSlope and ObjectsSlope are the Theil–Sen slopes of inuse_space (bytes per hour)
	// and inuse_objects (objects per hour).
	SpaceSlope   float64
	ObjectsSlope float64
	// Monotonicity is up / (up + down) over the steps in which the key's inuse_space changed.
	Monotonicity float64
	// Up, Down and Flat count the snapshot-to-snapshot steps by direction.
	Up, Down, Flat int
	// Growth is the inuse_space gained over the range (per segment, summed), in bytes.
	Growth int64
	// GrowthShare is Growth over the summed growth of every key that grew.
	GrowthShare float64
	// Retention is inuse_space / alloc_space in the latest snapshot.
	Retention float64
	// FirstSeen is the first snapshot in which the key held in-use memory.
	FirstSeen time.Time
	// InuseSpace, InuseObjects and AllocSpace are the latest snapshot's values.
	InuseSpace, InuseObjects, AllocSpace int64
	// Series is the in-use space over the range, one point per kept snapshot.
	Series []store.Point
}

// Restart records where a new process segment began.
type Restart struct {
	// Time is the first snapshot of the new segment.
	Time time.Time
	// Reason says how the restart was recognised.
	Reason string
}

// Result is a ranking.
type Result struct {
	By By
	// Snapshots is how many snapshots were ranked; From and To are the first and the last.
	Snapshots int
	From, To  time.Time
	// Restarts lists the process restarts seen; there are len(Restarts)+1 segments.
	Restarts []Restart
	// Keys is how many keys held in-use memory at some point.
	Keys int
	// GrowthOfGrowing is the summed growth of every key that grew, the GrowthShare divisor.
	GrowthOfGrowing int64
	// Suspects are the top Options.TopN keys, strongest first.
	Suspects []Suspect
}

// Rank ranks the snapshots snaps yields, which must come oldest first.
func Rank(ctx context.Context, snaps iter.Seq2[time.Time, *profile.Profile], opts Options) (*Result, error) {
	r, err := NewRanker(opts)
	if err != nil {
		return nil, err
	}
	for t, p := range snaps {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("ranking suspects: %w", err)
		}
		if err := r.Add(t, p); err != nil {
			return nil, err
		}
	}
	return r.Result(), nil
}
