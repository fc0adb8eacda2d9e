package plugin

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/leakwatch/pprof-datasource/pkg/collector"
	"github.com/leakwatch/pprof-datasource/pkg/goroutines"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/profiles"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

// Blob kinds of the goroutine summaries in the snapshot store.
const (
	// kindGoroutineDump holds summaries of goroutine?debug=2 dumps (states, waits, creators).
	kindGoroutineDump = "goroutine-dump"
	// kindGoroutineGroups holds summaries of goroutine?debug=1 profiles (counts per stack).
	kindGoroutineGroups = "goroutine-groups"
)

var (
	_ collector.ProfileSink   = (*ingest)(nil)
	_ collector.GoroutineSink = (*ingest)(nil)
)

// ingest decodes what the collector fetches and stores it as snapshots. It is the only
// place target bodies are parsed, so a corrupt body fails here, is recorded in the
// collector's status and never reaches a query.
type ingest struct {
	store           snapshots.Writer
	maxProfileBytes int64
	logger          log.Logger

	mu sync.Mutex
	// binaries keeps the mappings of each target's latest profile, to notice a target that
	// starts serving a different program.
	binaries map[string]*profile.Profile
	// changes says, per target, when it last started serving a different binary.
	changes map[string]binaryChange
}

// binaryChange records a target switching to another program, for Save & test.
type binaryChange struct {
	Time   time.Time
	Detail string
}

func newIngest(st snapshots.Writer, maxProfileBytes int64, logger log.Logger) *ingest {
	return &ingest{
		store: st, maxProfileBytes: maxProfileBytes, logger: logger,
		binaries: make(map[string]*profile.Profile), changes: make(map[string]binaryChange),
	}
}

// noteBinary compares a profile's main binary with the target's previous one. A change is
// not an error: the new program's profiles are stored like any other, but diffs across the
// change compare different programs, which queries and Save & test point out.
func (in *ingest) noteBinary(target string, p *profile.Profile, t time.Time) {
	if len(p.Mapping) == 0 {
		return
	}
	cur := &profile.Profile{Mapping: p.Mapping[:1]}
	in.mu.Lock()
	defer in.mu.Unlock()
	if prev, ok := in.binaries[target]; ok {
		if same, detail := profiles.SameBinary(prev, cur); !same {
			in.changes[target] = binaryChange{Time: t, Detail: detail}
			in.logger.Warn("target serves a different binary", "target", target, "detail", detail)
		}
	}
	in.binaries[target] = cur
}

// binaryChangeOf returns when a target last started serving a different binary.
func (in *ingest) binaryChangeOf(target string) (binaryChange, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	c, ok := in.changes[target]
	return c, ok
}

// StoreProfile decodes a debug=0 or CPU profile (capping its decompressed size) and stores it.
func (in *ingest) StoreProfile(ctx context.Context, target string, pt models.ProfileType, t time.Time, body []byte) error {
	p, err := profiles.Decode(bytes.NewReader(body), in.maxProfileBytes)
	if err != nil {
		return fmt.Errorf("target %q sent a %s profile that cannot be read: %w", target, pt, err)
	}
	in.noteBinary(target, p, t)
	key := snapshots.Key{Target: target, Kind: string(pt), Time: t}
	if err := in.store.PutProfile(ctx, key, p, int64(len(body))); err != nil {
		return fmt.Errorf("could not store the %s profile of target %q: %w", pt, target, err)
	}
	return nil
}

// StoreGoroutines parses a goroutine?debug=1 profile or debug=2 dump and stores its summary;
// the bodies themselves are too large to keep.
func (in *ingest) StoreGoroutines(ctx context.Context, target string, debug int, t time.Time, body []byte) error {
	var (
		sum  *goroutines.Summary
		kind string
	)
	switch debug {
	case 1:
		g, err := goroutines.ParseGrouped(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("target %q sent a goroutine?debug=1 profile that cannot be read: %w", target, err)
		}
		sum, kind = goroutines.SummarizeGrouped(g), kindGoroutineGroups
	case 2:
		d, err := goroutines.ParseDump(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("target %q sent a goroutine?debug=2 dump that cannot be read: %w", target, err)
		}
		sum, kind = goroutines.SummarizeDump(d), kindGoroutineDump
	default:
		return fmt.Errorf("goroutine debug level %d is not stored", debug)
	}
	blob, err := sum.Marshal()
	if err != nil {
		return fmt.Errorf("could not encode the goroutine summary of target %q: %w", target, err)
	}
	if err := in.store.PutBlob(ctx, snapshots.Key{Target: target, Kind: kind, Time: t}, blob); err != nil {
		return fmt.Errorf("could not store the goroutine summary of target %q: %w", target, err)
	}
	return nil
}
