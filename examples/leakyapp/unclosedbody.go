package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// payloadPath is the endpoint the unclosedbody pattern requests from the program itself,
// so the leaked connections are real loopback TCP connections without any outside server.
const payloadPath = "/payload"

// payloadBytes is the size of the /payload body. Any non-empty body will do: the
// transport waits for the caller to finish with the body whatever its size.
const payloadBytes = 512

// payload is the body /payload serves.
var payload = strings.Repeat("x", payloadBytes)

// handlePayload serves GET /payload: a small fixed body with a Content-Length.
func handlePayload(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
	_, _ = w.Write([]byte(payload))
}

// newLeakyClient returns the client the unclosedbody pattern uses. Every setting here is
// chosen so that nothing but reading or closing the body would release a connection:
//
//   - DisableKeepAlives sends "Connection: close", so every request dials a new connection
//     (an unread body keeps its connection busy anyway) and the server side closes its end
//     and its goroutine after answering. What stays is exactly the client's two goroutines
//     per connection, net/http.(*persistConn).readLoop and writeLoop, both created by
//     net/http.(*Transport).dialConn, plus one socket in CLOSE_WAIT.
//   - No Client.Timeout and no IdleConnTimeout: a timeout would cancel the request context
//     and let readLoop exit, and an idle timeout only ever applies to pooled connections.
//   - The dial timeout bounds only connecting, which does not touch an established conn.
func newLeakyClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:       (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			DisableKeepAlives: true,
			IdleConnTimeout:   0,
		},
	}
}

// leakUnclosedBody requests url and drops the response without reading or closing its
// body: the most common goroutine leak in Go HTTP clients. The transport's readLoop waits
// for the body to be finished with, so the connection and its two goroutines live until
// the process exits. The request context is context.Background, so no deadline or cancel
// releases them either. This function does not appear in the leaked stacks: they start in
// net/http, which is why the README names it as the trigger.
//
//go:noinline
func leakUnclosedBody(client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		// Close this one, so a failure never leaks and the leak counts stay exact.
		resp.Body.Close()
		return fmt.Errorf("get %s: status %s", url, resp.Status)
	}
	// The bug on purpose: a real caller would defer resp.Body.Close() here.
	return nil
}

// loopbackURL turns the listener's address into a URL this process can dial: a wildcard
// listen address (":6060" is reported as "[::]:6060") is reached through loopback.
func loopbackURL(addr net.Addr, path string) (string, error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "", fmt.Errorf("build self url: listener address %v is not TCP", addr)
	}
	ip := tcp.IP
	switch {
	case ip == nil || ip.IsUnspecified() && ip.To4() != nil:
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port)) + path, nil
}
