package plugin

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/leakwatch/pprof-datasource/pkg/frames"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
	"github.com/leakwatch/pprof-datasource/pkg/suspects"
)

// suspectsQuerier ranks leak suspects over the stored heap snapshots of a query's range. It
// reads one snapshot at a time, so a day of snapshots is never in memory at once.
type suspectsQuerier struct {
	// snapshots is nil when the instance stores no profile snapshots.
	snapshots snapshots.Reader
	targets   []models.Target
	// heapInterval is the heap collection interval; 0 when heap collection is off.
	heapInterval time.Duration
	// workers bounds the snapshot reads in flight; 0 means GOMAXPROCS.
	workers int
}

func (d *Datasource) suspectsQuerier() *suspectsQuerier {
	q := &suspectsQuerier{targets: d.settings.Targets, heapInterval: d.settings.ProfileIntervals[models.ProfileHeap]}
	// A nil Store must stay a nil Reader, not an interface holding a nil.
	if d.snapshots != nil {
		q.snapshots = d.snapshots
	}
	return q
}

func (s *suspectsQuerier) query(ctx context.Context, q *models.SuspectsQuery, dq backend.DataQuery) backend.DataResponse {
	if s.snapshots == nil {
		return backend.ErrDataResponseWithSource(backend.StatusNotImplemented, backend.ErrorSourcePlugin,
			"leak suspects are ranked over stored heap snapshots, and this data source instance has no snapshot storage")
	}
	target, err := s.target(q.Target)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	r, err := suspects.NewRanker(suspects.Options{By: suspects.By(q.By), TopN: q.TopN})
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	metas, err := s.snapshots.List(ctx, target.Name, string(models.ProfileHeap), dq.TimeRange.From, dq.TimeRange.To)
	if err != nil {
		return storeFailure(fmt.Errorf("listing the heap snapshots of target %q: %w", target.Name, err))
	}
	workers := s.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	err = readInOrder(ctx, s.snapshots, metas, workers, func(m snapshots.Meta, p *profile.Profile, err error) error {
		if errors.Is(err, snapshots.ErrNotFound) {
			// Retention removed it after List: the range simply has one snapshot less.
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the heap snapshot of target %q at %s: %w", target.Name, m.Time.UTC().Format(time.RFC3339), err)
		}
		if err := r.Add(m.Time, p); err != nil {
			return &rankError{fmt.Errorf("target %q: %w", target.Name, err)}
		}
		return nil
	})
	var re *rankError
	switch {
	case errors.As(err, &re):
		return backend.ErrDataResponseWithSource(backend.StatusBadGateway, backend.ErrorSourceDownstream, re.Error())
	case err != nil:
		return storeFailure(err)
	}
	res := r.Result()
	var fs data.Frames
	if q.Output == "series" {
		fs = frames.SuspectsSeries(target.Name, res)
	} else {
		fs = data.Frames{frames.SuspectsTable(res)}
	}
	fs[0].Meta.Notices = append(fs[0].Meta.Notices, s.notices(target.Name, res)...)
	return backend.DataResponse{Frames: fs}
}

// rankError marks snapshots the ranker refused: the target's data, not the store, is at fault.
type rankError struct{ err error }

func (e *rankError) Error() string { return e.err.Error() }
func (e *rankError) Unwrap() error { return e.err }

// readInOrder decodes the snapshots' profiles with up to workers reads in flight, because
// decoding dominates a ranking and each snapshot decodes alone, and hands them to fn one at a
// time in List order; at most workers decoded profiles wait at once. The first error fn
// returns stops the reads and is returned.
func readInOrder(ctx context.Context, r snapshots.Reader, metas []snapshots.Meta, workers int,
	fn func(snapshots.Meta, *profile.Profile, error) error) error {
	type read struct {
		p   *profile.Profile
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan read, len(metas))
	for i := range results {
		results[i] = make(chan read, 1)
	}
	slots := make(chan struct{}, max(1, workers))
	go func() {
		for i, m := range metas {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				p, err := r.Profile(ctx, m.Key)
				results[i] <- read{p, err}
			}()
		}
	}()
	for i, m := range metas {
		var res read
		select {
		case res = <-results[i]:
		case <-ctx.Done():
			return fmt.Errorf("reading heap snapshots: %w", ctx.Err())
		}
		<-slots
		if err := fn(m, res.p, res.err); err != nil {
			return err
		}
	}
	return nil
}

// storeFailure answers a query the snapshot store failed: the plugin's fault, not the target's.
func storeFailure(err error) backend.DataResponse {
	return backend.DataResponse{Error: err, Status: backend.StatusInternal, ErrorSource: backend.ErrorSourcePlugin}
}

// target resolves the query's target: empty means the first configured one. A suspects
// query ranks one process's history, so a selector matching several targets is refused.
func (s *suspectsQuerier) target(name string) (models.Target, error) {
	if len(s.targets) == 0 {
		return models.Target{}, errors.New("no targets are configured in this data source")
	}
	if name == "" {
		return s.targets[0], nil
	}
	ts, err := selectTargets([]string{name}, s.targets)
	if err != nil {
		return models.Target{}, err
	}
	if len(ts) != 1 {
		return models.Target{}, fmt.Errorf("target %q selects %d targets; a suspects query ranks one", name, len(ts))
	}
	return ts[0], nil
}

// notices explain a ranking that has too little to go on, and restarts within the range.
func (s *suspectsQuerier) notices(target string, res *suspects.Result) []data.Notice {
	var out []data.Notice
	if res.Snapshots < suspects.MinSnapshots {
		why := "heap profile collection is switched off in the data source settings"
		if s.heapInterval > 0 {
			why = "the collector takes one every " + every(s.heapInterval)
		}
		out = append(out, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
			"need at least %d heap snapshots; %s (target %q has %d in this range)", suspects.MinSnapshots, why, target, res.Snapshots)})
	}
	for _, rs := range res.Restarts {
		out = append(out, data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
			"target %q restarted at %s (%s): steps, slopes and growth are computed within each process",
			target, rs.Time.UTC().Format(time.RFC3339), rs.Reason)})
	}
	return out
}

// every formats a collection interval for a notice: "60 s", "5 min".
func every(d time.Duration) string {
	if d >= 2*time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%g s", d.Seconds())
}
