package scrape

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The endpoints read, relative to a target's base URL. None of them ever carries gc=1:
// forcing a GC on the observed service would distort the very numbers being collected.
const (
	pathVars      = "/debug/vars"
	pathHeap      = "/debug/pprof/heap?debug=1"
	pathIndex     = "/debug/pprof/"
	pathGoroutine = "/debug/pprof/goroutine?debug=1"
)

// drainBytes is how much of an error body is read so the connection can be reused; longer
// error bodies are dropped with their connection.
const drainBytes = 4 << 10

// bounds limits one request: how long it may take and how many body bytes are read.
type bounds struct {
	timeout  time.Duration
	maxBytes int64
	// hint tells the user what to do about a body that is too large.
	hint string
}

// The hints of a too-large body.
const (
	hintResponseSize = "raise the maximum response size"
	hintProfileSize  = "raise the maximum profile size"
	hintDumpSize     = "more than a Go runtime ever writes"
)

// get sends one GET for endpoint to t and returns the body, never reading more than the
// configured maximum.
func (s *Scraper) get(ctx context.Context, t target, endpoint string) ([]byte, *TargetError) {
	return s.getBounded(ctx, t, endpoint, bounds{timeout: s.timeout, maxBytes: s.maxBytes, hint: hintResponseSize})
}

// getBounded is get with explicit bounds, for the profiles and dumps that are larger or
// slower than the runtime endpoints.
func (s *Scraper) getBounded(ctx context.Context, t target, endpoint string, b bounds) ([]byte, *TargetError) {
	limit := effectiveTimeout(ctx, b.timeout)
	// The context timeout bounds the request even with a client that has no Timeout of its
	// own, and it also covers reading the body.
	rctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(rctx, http.MethodGet, endpointURL(t.base, endpoint), nil)
	if err != nil {
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: KindNetwork, Err: because(err, "building the request: %s", innermost(err))}
	}
	res, err := s.client.Do(req)
	if err != nil {
		kind, why := classifyTransport(ctx, err, limit)
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: kind, Err: why}
	}
	defer res.Body.Close()

	if res.StatusCode < 200 || res.StatusCode > 299 {
		head, _ := io.ReadAll(io.LimitReader(res.Body, drainBytes))
		kind, why := classifyStatus(res, errorSnippet(res, head))
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: kind, Err: why}
	}

	// Reading one byte past the maximum tells "exactly at the limit" from "over it" without
	// ever buffering an unbounded body.
	body, err := io.ReadAll(io.LimitReader(res.Body, b.maxBytes+1))
	if err != nil {
		kind, why := classifyRead(ctx, err, limit, len(body))
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: kind, Err: why}
	}
	if int64(len(body)) > b.maxBytes {
		return nil, &TargetError{Target: t.name, Endpoint: endpoint, Kind: KindTooLarge,
			Err: because(nil, "body too large: more than %d bytes (%s)", b.maxBytes, b.hint)}
	}
	return body, nil
}

// endpointURL joins the base URL's path with endpoint, so a base of "http://h:1/app" or
// "http://h:1/app/" both give "http://h:1/app/debug/vars". A query in the base URL (some
// proxies authenticate that way) is kept and the endpoint's own query appended.
func endpointURL(base *url.URL, endpoint string) string {
	path, query, _ := strings.Cut(endpoint, "?")
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + path
	u.RawPath = ""
	u.Fragment, u.RawFragment = "", ""
	switch {
	case query == "":
	case u.RawQuery == "":
		u.RawQuery = query
	default:
		u.RawQuery += "&" + query
	}
	return u.String()
}

// effectiveTimeout is the time a request started now may take: the configured timeout, or
// less when the caller's deadline comes first. It makes "timed out after …" tell the truth.
func effectiveTimeout(ctx context.Context, timeout time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			return left.Round(time.Millisecond)
		}
	}
	return timeout
}
