package collector

import (
	"errors"
	"fmt"
	"time"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/scrape"
)

// NotServedReprobe is how rarely a profile or dump the target does not serve (it answered
// 404) is asked for again: on every NotServedReprobe-th tick of its schedule, so a target
// that is upgraded (say, to a Go with goroutineleak) is noticed without asking every time.
const NotServedReprobe = 10

// FetchStatus is the outcome of the latest fetches of one kind of data (a profile type,
// goroutine?debug=1 or goroutine?debug=2) from one target, for Save & test and frame notices.
type FetchStatus struct {
	// LastAttempt is when the latest fetch finished, successful or not.
	LastAttempt time.Time
	// LastSuccess is when a body was last fetched and accepted by the sink.
	LastSuccess time.Time
	// LastError is nil when the latest attempt succeeded. It is the fetch error (naming the
	// target and the endpoint, see scrape.TargetError) or, when SinkFailed, the sink's.
	LastError error
	// SinkFailed is set when the latest body was fetched but the sink refused it (a corrupt
	// or oversized profile, a storage failure).
	SinkFailed bool
	// NotServed is set when the latest attempt got a 404: the target does not serve this
	// profile. It is then asked again only every NotServedReprobe-th interval.
	NotServed bool
	// LastBytes is the size of the latest body fetched.
	LastBytes int
}

// DumpStatus is FetchStatus for goroutine?debug=2 dumps, plus the ceiling decision.
type DumpStatus struct {
	FetchStatus
	// Skipping is set when the latest tick took no dump; SkipReason says why.
	Skipping bool
	// LastSkip is when a dump was last skipped, and SkipReason why, e.g. "12000 goroutines
	// is above the dump ceiling of 10000"; they are kept after dumps resume.
	LastSkip   time.Time
	SkipReason string
	// Count is the goroutine count the latest decision was based on, read at CountTime;
	// HasCount is false while no count is known.
	Count     int
	CountTime time.Time
	HasCount  bool
	// Ceiling is the largest count at which a dump is taken.
	Ceiling int
}

// profileKey names one profile schedule.
type profileKey struct {
	target string
	pt     models.ProfileType
}

// ProfileStatus returns the latest fetch status of a target's profile type, and false
// before its first attempt (or when the type is not collected).
func (c *Collector) ProfileStatus(target string, pt models.ProfileType) (FetchStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.profiles[profileKey{target, pt}]
	return s, ok
}

// GoroutineGroupsStatus returns the latest goroutine?debug=1 fetch status of a target, and false
// before its first attempt (or when goroutine collection is off).
func (c *Collector) GoroutineGroupsStatus(target string) (FetchStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.groups[target]
	return s, ok
}

// DumpStatus returns the latest goroutine?debug=2 status of a target, and false before the
// first tick of its dump schedule (or when dumps are off).
func (c *Collector) DumpStatus(target string) (DumpStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.dumps[target]
	return s, ok
}

// advance returns st updated with one finished attempt that fetched size bytes and ended
// with err, logging only changes of state: a target that stays broken is logged once.
func (c *Collector) advance(st FetchStatus, target, what string, now time.Time, size int, err error, sinkFailed bool) FetchStatus {
	notServed := errors.Is(err, scrape.ErrNotServed)
	changed := (err == nil) != (st.LastError == nil) || err != nil && !sameFailure(err, st.LastError)
	switch {
	case !changed:
	case notServed:
		c.logger.Info(fmt.Sprintf("%s not served by the target, asking again every %d intervals", what, NotServedReprobe), "target", target)
	case err != nil:
		c.logger.Warn(what+" failed", "target", target, "error", err)
	default:
		c.logger.Info(what+" collected again", "target", target)
	}
	st.LastAttempt = now
	st.LastError = err
	st.SinkFailed = sinkFailed
	st.NotServed = notServed
	st.LastBytes = size
	if err == nil {
		st.LastSuccess = now
	}
	return st
}

// sameFailure reports whether two errors describe the same state of a target: equal text,
// or the same kind of failure of the same request ("timed out after 9.8s" and "… after 10s").
func sameFailure(a, b error) bool {
	if a.Error() == b.Error() {
		return true
	}
	var ta, tb *scrape.TargetError
	return errors.As(a, &ta) && errors.As(b, &tb) && ta.Target == tb.Target && ta.Endpoint == tb.Endpoint && ta.Kind == tb.Kind
}

// backoff spaces the attempts of a schedule whose data the target does not serve.
type backoff struct{ skip int }

// due reports whether the current tick should fetch.
func (b *backoff) due() bool {
	if b.skip > 0 {
		b.skip--
		return false
	}
	return true
}

// after takes the outcome of a fetch.
func (b *backoff) after(err error) {
	if errors.Is(err, scrape.ErrNotServed) {
		b.skip = NotServedReprobe - 1
	}
}
