package scrape

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// instanceSettings builds the settings Grafana would pass for one target at baseURL, with
// extra jsonData keys and secureJsonData.
func instanceSettings(t *testing.T, baseURL string, jsonData map[string]any, secure map[string]string) backend.DataSourceInstanceSettings {
	t.Helper()
	data := map[string]any{"targets": []models.Target{{Name: "api", URL: baseURL}}}
	for k, v := range jsonData {
		data[k] = v
	}
	raw, err := json.Marshal(data)
	require.NoError(t, err)
	return backend.DataSourceInstanceSettings{UID: "ds", Name: "pprof", Type: "leakwatch-pprof-datasource", JSONData: raw, DecryptedSecureJSONData: secure}
}

// scraperFor goes the way the plugin does: settings → NewHTTPClient → New.
func scraperFor(t *testing.T, ds backend.DataSourceInstanceSettings) *Scraper {
	t.Helper()
	ps, err := models.LoadPluginSettings(ds)
	require.NoError(t, err)
	client, err := NewHTTPClient(context.Background(), ds, ps)
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	return New(client, ps)
}

func TestNewHTTPClientTLS(t *testing.T) {
	srv, _ := newTLSServer(t, pprofMux())
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	t.Run("self-signed certificate is rejected by default", func(t *testing.T) {
		s := scraperFor(t, instanceSettings(t, srv.URL, nil, nil))
		_, err := s.ScrapeRuntime(context.Background(), "api")
		require.Error(t, err)
		assert.Equal(t, KindTLS, KindOf(err))
		assert.Contains(t, err.Error(), `target "api": GET /debug/vars: TLS certificate not accepted`)
		assert.Contains(t, err.Error(), "unknown authority")
	})
	t.Run("accepted with the CA from secureJsonData", func(t *testing.T) {
		s := scraperFor(t, instanceSettings(t, srv.URL,
			map[string]any{"tlsAuthWithCACert": true},
			map[string]string{"tlsCACert": caPEM}))
		snap, err := s.ScrapeRuntime(context.Background(), "api")
		require.NoError(t, err)
		assert.Equal(t, SourceExpvar, snap.Source)
		assert.True(t, snap.HasGoroutines)
	})
	t.Run("plain HTTP client against a TLS target", func(t *testing.T) {
		s := scraperFor(t, instanceSettings(t, strings.Replace(srv.URL, "https://", "http://", 1), nil, nil))
		_, err := s.ScrapeRuntime(context.Background(), "api")
		require.Error(t, err)
		assert.Equal(t, KindHTTPStatus, KindOf(err), "Go's TLS server answers plain HTTP with a 400: %v", err)
	})
	t.Run("an unparsable CA fails at construction, without echoing it", func(t *testing.T) {
		ds := instanceSettings(t, srv.URL,
			map[string]any{"tlsAuthWithCACert": true},
			map[string]string{"tlsCACert": "not-a-pem-secret"})
		ps, err := models.LoadPluginSettings(ds)
		require.NoError(t, err)
		_, err = NewHTTPClient(context.Background(), ds, ps)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "not-a-pem-secret")
	})
}

func TestNewHTTPClientTLSToPlainTarget(t *testing.T) {
	srv, _ := newServer(t, pprofMux())
	s := scraperFor(t, instanceSettings(t, strings.Replace(srv.URL, "http://", "https://", 1), nil, nil))
	_, err := s.ScrapeRuntime(context.Background(), "api")
	require.Error(t, err)
	assert.Equal(t, KindTLS, KindOf(err))
	assert.Contains(t, err.Error(), "use an http:// URL")
}

func TestNewHTTPClientAuth(t *testing.T) {
	tests := []struct {
		name     string
		jsonData map[string]any
		secure   map[string]string
		wantAuth string
	}{
		{
			name:     "basic auth",
			jsonData: map[string]any{"basicAuth": true, "basicAuthUser": "grafana"},
			secure:   map[string]string{"basicAuthPassword": "s3cret"},
			wantAuth: "Basic Z3JhZmFuYTpzM2NyZXQ=",
		},
		{
			name:     "bearer token",
			secure:   map[string]string{models.SecureKeyBearerToken: "tok-123"},
			wantAuth: "Bearer tok-123",
		},
		{
			name:     "bearer token wins over basic auth",
			jsonData: map[string]any{"basicAuth": true, "basicAuthUser": "grafana"},
			secure:   map[string]string{"basicAuthPassword": "s3cret", models.SecureKeyBearerToken: "tok-123"},
			wantAuth: "Bearer tok-123",
		},
		{
			name:     "a custom Authorization header wins over the bearer token",
			jsonData: map[string]any{"httpHeaderName1": "Authorization"},
			secure:   map[string]string{"httpHeaderValue1": "Token abc", models.SecureKeyBearerToken: "tok-123"},
			wantAuth: "Token abc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := pprofMux()
			srv, rec := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != tt.wantAuth {
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				mux.ServeHTTP(w, r)
			}))
			s := scraperFor(t, instanceSettings(t, srv.URL, tt.jsonData, tt.secure))
			snap, err := s.ScrapeRuntime(context.Background(), "api")
			require.NoError(t, err)
			assert.True(t, snap.HasGoroutines)
			for _, got := range rec.authHeaders() {
				assert.Equal(t, tt.wantAuth, got)
			}
		})
	}
}

func TestNewHTTPClientCustomHeaderAndSecretsNotInErrors(t *testing.T) {
	srv, rec := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Scope-OrgID") != "team-a" {
			http.Error(w, "missing scope", http.StatusBadRequest)
			return
		}
		http.Error(w, "denied", http.StatusForbidden)
	}))
	s := scraperFor(t, instanceSettings(t, srv.URL,
		map[string]any{"httpHeaderName1": "X-Scope-OrgID", "basicAuth": true, "basicAuthUser": "grafana"},
		map[string]string{"httpHeaderValue1": "team-a", "basicAuthPassword": "pw-xyz", models.SecureKeyBearerToken: "tok-xyz"}))
	_, err := s.ScrapeRuntime(context.Background(), "api")
	require.Error(t, err)
	assert.Equal(t, KindUnauthorized, KindOf(err), "the custom header arrived, so the target got past its scope check: %v", err)
	assert.NotContains(t, err.Error(), "pw-xyz")
	assert.NotContains(t, err.Error(), "tok-xyz")
	assert.NotEmpty(t, rec.take())
}

func TestNewHTTPClientTimeout(t *testing.T) {
	srv, _ := newServer(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	// Grafana's timeout key is in seconds; fractions must survive (the SDK would truncate).
	ds := instanceSettings(t, srv.URL, map[string]any{"timeout": 0.2}, nil)
	ps, err := models.LoadPluginSettings(ds)
	require.NoError(t, err)
	client, err := NewHTTPClient(context.Background(), ds, ps)
	require.NoError(t, err)
	assert.Equal(t, 200*time.Millisecond, client.Timeout)

	start := time.Now()
	_, err = New(client, ps).ScrapeRuntime(context.Background(), "api")
	assert.Equal(t, KindTimeout, KindOf(err))
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestSameHostRedirects(t *testing.T) {
	target := pprofMux()
	srv, rec := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/old/") {
			http.Redirect(w, r, strings.TrimPrefix(r.URL.RequestURI(), "/old"), http.StatusMovedPermanently)
			return
		}
		target.ServeHTTP(w, r)
	}))
	s := scraperFor(t, instanceSettings(t, srv.URL+"/old", nil, map[string]string{models.SecureKeyBearerToken: "tok"}))
	snap, err := s.ScrapeRuntime(context.Background(), "api")
	require.NoError(t, err, "redirects within the target's host are followed")
	assert.Equal(t, SourceExpvar, snap.Source)
	assert.Equal(t, []string{"/old/debug/vars", "/debug/vars", "/old/debug/pprof/", "/debug/pprof/"}, rec.take())
}
