package scrape

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// maxRedirects matches net/http's default limit.
const maxRedirects = 10

// NewHTTPClient builds the client used for every target of a data source instance from the
// standard Grafana HTTP settings (basic auth, TLS client auth and CA, skip-verify, server
// name, custom headers, timeout), plus the data source's optional bearer token.
//
// Precedence for the Authorization header, highest first: a custom header named
// Authorization, the bearer token, basic auth; this follows the SDK, whose custom headers
// already override basic auth. The client timeout is ps.Timeout, which reads the same
// "timeout" key but keeps fractions of a second. TLS certificates are verified unless the
// user turns on tlsSkipVerify.
func NewHTTPClient(ctx context.Context, ds backend.DataSourceInstanceSettings, ps *models.PluginSettings) (*http.Client, error) {
	opts, err := ds.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the HTTP settings: %w", err)
	}

	// Copy before changing: without settings the SDK falls back to a shared default.
	timeouts := httpclient.DefaultTimeoutOptions
	if opts.Timeouts != nil {
		timeouts = *opts.Timeouts
	}
	if ps.Timeout > 0 {
		timeouts.Timeout = ps.Timeout
	}
	opts.Timeouts = &timeouts

	if ps.BearerToken != "" {
		if opts.Header == nil {
			opts.Header = http.Header{}
		}
		if opts.Header.Get("Authorization") == "" {
			opts.Header.Set("Authorization", "Bearer "+ps.BearerToken)
		}
	}

	client, err := httpclient.New(opts)
	if err != nil {
		// The SDK's errors name the failing setting (e.g. an unparsable CA certificate)
		// without echoing its content.
		return nil, fmt.Errorf("creating the HTTP client: %w", err)
	}
	client.Timeout = timeouts.Timeout
	client.CheckRedirect = sameHostRedirects
	return client, nil
}

// sameHostRedirects follows redirects within the target's host only. The SDK adds the auth
// and custom headers in the transport, below the redirect logic, so following a redirect
// to another host (or from https to http) would hand it the credentials; such a redirect is
// reported instead.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if req.URL.Host != first.Host || first.Scheme == "https" && req.URL.Scheme != "https" {
		return http.ErrUseLastResponse
	}
	return nil
}
