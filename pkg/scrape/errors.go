package scrape

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies a failed request to a target in words a user can act on.
type Kind string

// The kinds of TargetError. Each tells the user where to look: the network, the auth
// settings, the target's mux, or the data source's limits.
const (
	// KindRefused means nothing listens at the target's address.
	KindRefused Kind = "refused"
	// KindTimeout means the target did not answer within the configured timeout.
	KindTimeout Kind = "timeout"
	// KindUnauthorized means the target answered 401 or 403.
	KindUnauthorized Kind = "unauthorized"
	// KindNotFound means the target answered 404: the endpoint is not registered on its mux.
	KindNotFound Kind = "not-found"
	// KindHTTPStatus means any other non-2xx answer, including a redirect that was not followed.
	KindHTTPStatus Kind = "http-status"
	// KindNotPprof means the answer is not what a Go pprof or expvar endpoint serves.
	KindNotPprof Kind = "not-pprof"
	// KindTooLarge means the body exceeded the data source's maximum response size.
	KindTooLarge Kind = "too-large"
	// KindMalformed means the body looked like the right endpoint but could not be parsed,
	// typically because it was truncated.
	KindMalformed Kind = "malformed"
	// KindTLS means the TLS handshake failed, usually on certificate verification.
	KindTLS Kind = "tls"
	// KindDNS means the target's host name could not be resolved.
	KindDNS Kind = "dns"
	// KindNetwork means any other transport failure, such as a reset connection.
	KindNetwork Kind = "network"
	// KindCanceled means the caller gave up (for example the instance was disposed); it says
	// nothing about the target.
	KindCanceled Kind = "canceled"
)

// ErrUnknownTarget is returned for a target name that is not in the data source's settings.
var ErrUnknownTarget = errors.New("unknown target")

// TargetError is a failed request to one endpoint of one target. Its message names the
// target and the endpoint and then says in plain words what went wrong, e.g.
// `target "api": GET /debug/vars: connection refused`.
type TargetError struct {
	// Target is the configured target name.
	Target string
	// Endpoint is the path (and query) relative to the target's base URL, such as
	// "/debug/vars"; it is empty when the failure happened before any request.
	Endpoint string
	// Kind classifies the failure.
	Kind Kind
	// Err holds the plain-words reason; the low-level cause stays reachable through it
	// with errors.Is and errors.As.
	Err error
}

// Error returns the target, the endpoint and the reason on one line.
func (e *TargetError) Error() string {
	if e.Endpoint == "" {
		return fmt.Sprintf("target %q: %s", e.Target, e.Detail())
	}
	return fmt.Sprintf("target %q: GET %s: %s", e.Target, e.Endpoint, e.Detail())
}

// Detail returns the reason without the target and endpoint, as probe reports list it.
func (e *TargetError) Detail() string {
	if e.Err == nil {
		return string(e.Kind)
	}
	return e.Err.Error()
}

// Unwrap returns the reason, so errors.Is reaches the low-level cause.
func (e *TargetError) Unwrap() error { return e.Err }

// FallbackError reports that every source tried for one datum (MemStats or the goroutine
// count) failed. Attempts are ordered most telling first: an endpoint that answered with a
// real problem explains more than one that simply is not registered.
type FallbackError struct {
	// Target is the configured target name.
	Target string
	// Datum names what was being read, e.g. "MemStats".
	Datum string
	// Attempts holds one error per endpoint tried; it has at least two entries.
	Attempts []*TargetError
}

// Error lists every attempt on one line, saying a reason shared by all attempts (a 401 on
// every endpoint, say) only once.
func (e *FallbackError) Error() string {
	gets := make([]string, len(e.Attempts))
	parts := make([]string, len(e.Attempts))
	same := true
	for i, a := range e.Attempts {
		gets[i] = "GET " + a.Endpoint
		parts[i] = gets[i] + ": " + a.Detail()
		same = same && a.Detail() == e.Attempts[0].Detail()
	}
	if same && len(e.Attempts) > 0 {
		return fmt.Sprintf("target %q: no %s source answered: %s: %s", e.Target, e.Datum, strings.Join(gets, " and "), e.Attempts[0].Detail())
	}
	return fmt.Sprintf("target %q: no %s source answered: %s", e.Target, e.Datum, strings.Join(parts, "; "))
}

// Unwrap returns the attempts in order, so errors.As finds the most telling one first.
func (e *FallbackError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a
	}
	return errs
}

// KindOf returns the Kind of the first TargetError in err's chain, or "" when there is none.
func KindOf(err error) Kind {
	var te *TargetError
	if errors.As(err, &te) {
		return te.Kind
	}
	return ""
}

// IsDownstream reports whether err is the target's fault (or the network's) rather than the
// plugin's, so the caller can wrap it with backend.DownstreamError.
func IsDownstream(err error) bool {
	k := KindOf(err)
	return k != "" && k != KindCanceled
}

// hostWide reports whether a failure concerns the whole host rather than one endpoint, so
// trying another endpoint of the same target would only repeat it (and, for a timeout, make
// the scrape twice as slow).
func (k Kind) hostWide() bool {
	switch k {
	case KindRefused, KindTimeout, KindDNS, KindTLS, KindNetwork, KindCanceled:
		return true
	}
	return false
}

// relevance ranks a failure for FallbackError: "not registered" explains least, because the
// other endpoint is usually the one meant to answer.
func (k Kind) relevance() int {
	switch k {
	case KindNotFound:
		return 0
	case KindNotPprof:
		return 1
	}
	return 2
}

// reason is a plain-words explanation that keeps the low-level cause reachable through
// errors.Is and errors.As without repeating its noisy text (full URLs, dial addresses).
type reason struct {
	msg   string
	cause error
}

func (r *reason) Error() string { return r.msg }
func (r *reason) Unwrap() error { return r.cause }

func because(cause error, format string, args ...any) error {
	return &reason{msg: fmt.Sprintf(format, args...), cause: cause}
}
