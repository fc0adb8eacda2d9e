package scrape

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
)

// classifyTransport turns an error of http.Client.Do, or of reading a body, into a Kind and
// a plain-words reason. parent is the caller's context, used to tell a caller that gave up
// from a target that was too slow; limit is the timeout the request ran under.
func classifyTransport(parent context.Context, err error, limit time.Duration) (Kind, error) {
	var (
		dnsErr  *net.DNSError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
		alert   tls.AlertError
		netErr  net.Error
	)
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return KindCanceled, because(err, "canceled")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout, because(err, "timed out after %s", limit)
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused, because(err, "connection refused")
	case errors.As(err, &dnsErr):
		return KindDNS, because(err, "cannot resolve host %q: %s", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid), errors.As(err, &verify):
		return KindTLS, because(err, "TLS certificate not accepted (%s): check the data source's TLS settings", x509Reason(err))
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return KindTLS, because(err, "TLS handshake failed: the target speaks plain HTTP, use an http:// URL")
	case errors.As(err, &alert):
		return KindTLS, because(err, "TLS handshake failed: the target sent alert %q (client certificate required?)", alert.Error())
	case errors.Is(err, httpclient.ErrResponseBodyTooLarge):
		return KindTooLarge, because(err, "body too large: over Grafana's response size limit")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return KindNetwork, because(err, "connection closed by the target")
	}
	return KindNetwork, because(err, "network error: %s", innermost(err))
}

// classifyRead is classifyTransport for a failure while reading a body whose headers already
// arrived: an early end of the stream means the body was truncated.
func classifyRead(parent context.Context, err error, limit time.Duration, n int) (Kind, error) {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
		return KindMalformed, because(err, "truncated body: the connection ended after %d bytes", n)
	}
	return classifyTransport(parent, err, limit)
}

// classifyStatus explains a non-2xx status. snippet is the start of a text/plain error body,
// which is how net/http/pprof explains its own errors ("Unknown profile").
func classifyStatus(res *http.Response, snippet string) (Kind, error) {
	status := fmt.Sprintf("HTTP %d %s", res.StatusCode, http.StatusText(res.StatusCode))
	switch {
	case res.StatusCode == http.StatusUnauthorized, res.StatusCode == http.StatusForbidden:
		return KindUnauthorized, errors.New(status + ": check the data source's auth settings")
	case res.StatusCode == http.StatusNotFound:
		return KindNotFound, errors.New(status)
	case res.StatusCode >= 300 && res.StatusCode < 400:
		// Only redirects to another host stop here (see sameHostRedirects); name the host so
		// the user can fix the base URL, but not the full location, which may carry tokens.
		where := "another host"
		if loc, err := res.Location(); err == nil {
			where = loc.Host
		}
		return KindHTTPStatus, fmt.Errorf("%s: redirect to %s not followed, use that host in the base URL", status, where)
	}
	if snippet != "" {
		return KindHTTPStatus, fmt.Errorf("%s: %s", status, snippet)
	}
	return KindHTTPStatus, errors.New(status)
}

// errorSnippet returns the first line of a plain-text error body, cut short and stripped of
// control characters so it is safe to show in one line of a health check or a panel.
func errorSnippet(res *http.Response, body []byte) string {
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		return ""
	}
	line, _, _ := strings.Cut(string(body), "\n")
	line = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.TrimSpace(line))
	const maxLen = 120
	if len(line) > maxLen {
		line = line[:maxLen] + "…"
	}
	return line
}

// x509Reason returns the x509 package's own words for a certificate failure.
func x509Reason(err error) string {
	var (
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknown):
		return unknown.Error()
	case errors.As(err, &host):
		return host.Error()
	case errors.As(err, &invalid):
		return invalid.Error()
	}
	return innermost(err)
}

// innermost strips *url.Error, whose text repeats the full URL (and with it any token in
// the base URL's query), leaving the underlying cause.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
