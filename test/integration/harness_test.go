// Package integration runs the built plugin binary the way Grafana does (hashicorp go-plugin
// with Grafana's handshake, over gRPC) against the real demo service.
package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the plugin and the demo service once per test run.
func binaries(t *testing.T) (pluginBin, demoBin string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "pprof-it-")
		if buildErr != nil {
			return
		}
		root, err := filepath.Abs("../..")
		if err != nil {
			buildErr = err
			return
		}
		for pkg, out := range map[string]string{"./pkg": "gpx_pprof", "./examples/leakyapp": "leakyapp"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, out), pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
				return
			}
		}
	})
	require.NoError(t, buildErr)
	return filepath.Join(binDir, "gpx_pprof"), filepath.Join(binDir, "leakyapp")
}

// startDemo runs the demo service with the given flags and returns its base URL.
func startDemo(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "unexpected first line %q", line)
	go func() { _, _ = bufio.NewReader(out).WriteTo(discard{}) }()
	return url
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// pluginProc is the plugin binary launched as Grafana launches it.
type pluginProc struct {
	client *goplugin.Client
	data   pluginv2.DataClient
	diag   pluginv2.DiagnosticsClient
	res    pluginv2.ResourceClient
	pid    int
}

func startPlugin(t *testing.T, bin string) *pluginProc {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GF_PLUGIN_GRPC_ADDRESS=")
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		Plugins: goplugin.PluginSet{
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
			"stream":      &grpcplugin.StreamGRPCPlugin{},
		},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Managed:          false,
		SyncStdout:       os.Stderr,
		SyncStderr:       os.Stderr,
	})
	rpc, err := client.Client()
	require.NoError(t, err)
	p := &pluginProc{client: client, pid: client.ReattachConfig().Pid}
	raw, err := rpc.Dispense("data")
	require.NoError(t, err)
	p.data = raw.(pluginv2.DataClient)
	raw, err = rpc.Dispense("diagnostics")
	require.NoError(t, err)
	p.diag = raw.(pluginv2.DiagnosticsClient)
	raw, err = rpc.Dispense("resource")
	require.NoError(t, err)
	p.res = raw.(pluginv2.ResourceClient)
	t.Cleanup(client.Kill)
	return p
}

// killHard ends the plugin with SIGKILL, as a crash or an OOM kill would: no Dispose, no flush.
func (p *pluginProc) killHard(t *testing.T) {
	t.Helper()
	require.NotEqual(t, "windows", runtime.GOOS)
	require.NoError(t, syscall.Kill(p.pid, syscall.SIGKILL))
	p.client.Kill()
}

// settings describes one data source instance.
type settings struct {
	UID      string
	JSONData map[string]any
	Updated  time.Time
}

func (s settings) pluginContext() backend.PluginContext {
	j, _ := json.Marshal(s.JSONData)
	return backend.PluginContext{
		PluginID: "leakwatch-pprof-datasource",
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 1, UID: s.UID, Name: "Go pprof", JSONData: j, Updated: s.Updated,
			DecryptedSecureJSONData: map[string]string{},
		},
	}
}

func (p *pluginProc) query(t *testing.T, s settings, from, to time.Time, queries ...map[string]any) *backend.QueryDataResponse {
	t.Helper()
	req := &backend.QueryDataRequest{PluginContext: s.pluginContext()}
	for i, q := range queries {
		j, err := json.Marshal(q)
		require.NoError(t, err)
		qt, _ := q["queryType"].(string)
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID: fmt.Sprintf("Q%d", i), QueryType: qt, JSON: j, MaxDataPoints: 1000,
			Interval: time.Second, TimeRange: backend.TimeRange{From: from, To: to},
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	protoResp, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	require.NoError(t, err)
	resp, err := backend.FromProto().QueryDataResponse(protoResp)
	require.NoError(t, err)
	return resp
}

func (p *pluginProc) checkHealth(t *testing.T, s settings) *backend.CheckHealthResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pc := s.pluginContext()
	resp, err := p.diag.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pc)})
	require.NoError(t, err)
	return backend.FromProto().CheckHealthResponse(resp)
}

// callResource sends a GET resource call, as the editors do through Grafana.
func (p *pluginProc) callResource(t *testing.T, s settings, pathAndQuery string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path, _, _ := strings.Cut(pathAndQuery, "?")
	stream, err := p.res.CallResource(ctx, &pluginv2.CallResourceRequest{
		PluginContext: backend.ToProto().PluginContext(s.pluginContext()),
		Path:          path, Method: "GET", Url: pathAndQuery,
	})
	require.NoError(t, err)
	var status int
	var body []byte
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if msg.Code != 0 {
			status = int(msg.Code)
		}
		body = append(body, msg.Body...)
	}
	return status, body
}
