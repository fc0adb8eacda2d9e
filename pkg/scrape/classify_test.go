package scrape

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/status"
	"github.com/stretchr/testify/assert"
)

// TestClassifyTransport covers failures that are awkward to provoke for real (DNS needs a
// resolver), each as the error chain net/http produces, also wrapped by the SDK's
// error-source middleware.
func TestClassifyTransport(t *testing.T) {
	urlErr := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://h:1/debug/vars?token=secret", Err: err}
	}
	dial := func(err error) error {
		return urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)})
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name     string
		parent   context.Context
		err      error
		wantKind Kind
		wantMsg  string
	}{
		{"refused", context.Background(), dial(syscall.ECONNREFUSED), KindRefused, "connection refused"},
		{"refused via SDK", context.Background(), status.DownstreamError(dial(syscall.ECONNREFUSED)), KindRefused, "connection refused"},
		{"dns", context.Background(), urlErr(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "api.internal", IsNotFound: true}}),
			KindDNS, `cannot resolve host "api.internal": no such host`},
		{"deadline", context.Background(), urlErr(context.DeadlineExceeded), KindTimeout, "timed out after 10s"},
		{"caller canceled", canceled, urlErr(context.Canceled), KindCanceled, "canceled"},
		{"reset", context.Background(), urlErr(&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), KindNetwork, "connection closed by the target"},
		{"eof before headers", context.Background(), urlErr(io.EOF), KindNetwork, "connection closed by the target"},
		{"SDK response limit", context.Background(), fmt.Errorf("error: %w, response limit is set to: 10", httpclient.ErrResponseBodyTooLarge), KindTooLarge, "body too large: over Grafana's response size limit"},
		{"other", context.Background(), urlErr(errors.New("no route to host")), KindNetwork, "network error: no route to host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, why := classifyTransport(tt.parent, tt.err, 10*time.Second)
			assert.Equal(t, tt.wantKind, kind)
			assert.Equal(t, tt.wantMsg, why.Error())
			assert.ErrorIs(t, why, tt.err, "the cause stays reachable")
			assert.NotContains(t, why.Error(), "secret", "the URL (and any token in it) is not repeated")
		})
	}
}

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		code     int
		wantKind Kind
		wantMsg  string
	}{
		{401, KindUnauthorized, "HTTP 401 Unauthorized: check the data source's auth settings"},
		{403, KindUnauthorized, "HTTP 403 Forbidden: check the data source's auth settings"},
		{404, KindNotFound, "HTTP 404 Not Found"},
		{405, KindHTTPStatus, "HTTP 405 Method Not Allowed"},
		{503, KindHTTPStatus, "HTTP 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			kind, why := classifyStatus(&http.Response{StatusCode: tt.code, Header: http.Header{}}, "")
			assert.Equal(t, tt.wantKind, kind)
			assert.Equal(t, tt.wantMsg, why.Error())
		})
	}
}

func TestErrorSnippet(t *testing.T) {
	res := func(ct string) *http.Response {
		return &http.Response{Header: http.Header{"Content-Type": {ct}}}
	}
	assert.Equal(t, "Unknown profile", errorSnippet(res("text/plain; charset=utf-8"), []byte("Unknown profile\n")))
	assert.Equal(t, "ab", errorSnippet(res("text/plain"), []byte("a\x1bb\nsecond line")))
	assert.Empty(t, errorSnippet(res("text/html"), []byte("<html>")), "HTML says nothing useful in one line")
	long := make([]byte, 500)
	for i := range long {
		long[i] = 'x'
	}
	assert.Len(t, []rune(errorSnippet(res("text/plain"), long)), 121)
}
