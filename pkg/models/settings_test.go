package models

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T, jsonData string, secure map[string]string) (*PluginSettings, error) {
	t.Helper()
	return LoadPluginSettings(backend.DataSourceInstanceSettings{UID: "u1", JSONData: json.RawMessage(jsonData), DecryptedSecureJSONData: secure})
}

func TestSettingsDefaults(t *testing.T) {
	s, err := load(t, `{"targets":[{"name":"api","url":"http://api:6060"}]}`, nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultScrapeInterval, s.ScrapeInterval)
	assert.Equal(t, DefaultRetention, s.Retention)
	assert.Equal(t, DefaultTimeout, s.Timeout)
	assert.Equal(t, int64(DefaultStorageMaxBytes), s.StorageMaxBytes)
	assert.Equal(t, int64(DefaultMaxResponseBytes), s.MaxResponseBytes)
	assert.Equal(t, "u1", s.UID)
	assert.Empty(t, s.BearerToken)

	s, err = load(t, ``, nil)
	require.NoError(t, err, "a brand-new data source has no jsonData yet")
	assert.Empty(t, s.Targets)
}

func TestSettingsParsesDurationsTimeoutAndSecrets(t *testing.T) {
	s, err := load(t, `{"targets":[{"name":"api","url":"https://api/x","labels":{"env":"prod"}}],
		"scrapeInterval":"5s","retention":"2d","timeout":2.5,"storageMaxBytes":1024,"maxResponseBytes":2048,
		"bearerToken":"in-json-must-be-ignored"}`, map[string]string{"bearerToken": "s3cret"})
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, s.ScrapeInterval)
	assert.Equal(t, 48*time.Hour, s.Retention)
	assert.Equal(t, 2500*time.Millisecond, s.Timeout)
	assert.Equal(t, int64(1024), s.StorageMaxBytes)
	assert.Equal(t, int64(2048), s.MaxResponseBytes)
	assert.Equal(t, "s3cret", s.BearerToken, "secrets come from secureJsonData only")
	tg, ok := s.TargetByName("api")
	require.True(t, ok)
	assert.Equal(t, "prod", tg.Labels["env"])

	s, err = load(t, `{"timeout":"7"}`, nil)
	require.NoError(t, err)
	assert.Equal(t, 7*time.Second, s.Timeout, "older editors store the timeout as a string")
}

func TestSettingsValidation(t *testing.T) {
	for name, tc := range map[string]struct{ json, want string }{
		"duplicate names":    {`{"targets":[{"name":"a","url":"http://h:1"},{"name":"a","url":"http://h:2"}]}`, `target name "a" is used more than once`},
		"empty name":         {`{"targets":[{"name":" ","url":"http://h:1"}]}`, "target 1 has no name"},
		"not http":           {`{"targets":[{"name":"a","url":"ftp://h"}]}`, `target "a": base URL "ftp://h" is not an http(s) URL`},
		"no host":            {`{"targets":[{"name":"a","url":"http://"}]}`, "is not an http(s) URL"},
		"credentials in url": {`{"targets":[{"name":"a","url":"http://u:s3cret@h:1"}]}`, `base URL http://u:xxxxx@h:1 carries credentials; set them under Authentication`},
		"query in url":       {`{"targets":[{"name":"a","url":"http://h:1/?debug=1"}]}`, "has a query or fragment"},
		"fragment in url":    {`{"targets":[{"name":"a","url":"http://h:1/#x"}]}`, "has a query or fragment"},
		"bad label":          {`{"targets":[{"name":"a","url":"http://h","labels":{"1x":"v"}}]}`, `"1x" cannot be used as a label name`},
		"reserved label":     {`{"targets":[{"name":"a","url":"http://h","labels":{"target":"v"}}]}`, `"target" cannot be used`},
		"bad interval":       {`{"scrapeInterval":"often"}`, "scrape interval"},
		"too fast interval":  {`{"scrapeInterval":"10ms"}`, "below the minimum"},
		"negative retention": {`{"retention":"-1h"}`, "retention"},
		"bad timeout":        {`{"timeout":true}`, "timeout: must be a number of seconds"},
		"not json":           {`{`, "could not unmarshal settings json"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, tc.json, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "s3cret", "a password in a URL is never echoed")
		})
	}
}

func TestParseRuntimeQuery(t *testing.T) {
	q, w, err := ParseRuntimeQuery(nil)
	require.NoError(t, err)
	assert.Equal(t, []string{DefaultMetric}, q.Metrics)
	assert.Equal(t, DefaultWindow, w)

	q, w, err = ParseRuntimeQuery(json.RawMessage(`{"queryType":"runtime","targets":["a","/b.*/"],"metrics":["goroutines"],"window":"30m","instant":true}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "/b.*/"}, q.Targets)
	assert.True(t, q.Instant)
	assert.Equal(t, 30*time.Minute, w)

	_, _, err = ParseRuntimeQuery(json.RawMessage(`{"window":"-5m"}`))
	require.ErrorContains(t, err, `window "-5m" is not a positive duration`)
}

func TestProfileSettingsDefaultsAndSchedules(t *testing.T) {
	s, err := LoadPluginSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"targets":[{"name":"a","url":"http://a:6060"}]}`)})
	require.NoError(t, err)
	assert.Equal(t, map[ProfileType]time.Duration{
		ProfileHeap: time.Minute, ProfileGoroutine: 5 * time.Minute, ProfileBlock: 5 * time.Minute,
		ProfileMutex: 5 * time.Minute, ProfileThreadcreate: 5 * time.Minute, ProfileGoroutineLeak: 5 * time.Minute,
	}, s.ProfileIntervals, "CPU is off and allocs shares heap by default")
	assert.Equal(t, DefaultGoroutineDumpInterval, s.GoroutineDumpInterval)
	assert.Equal(t, DefaultGoroutineDumpCeiling, s.GoroutineDumpCeiling)
	assert.Equal(t, int64(DefaultMaxProfileBytes), s.MaxProfileBytes)
	assert.Equal(t, DefaultSnapshotFullResolution, s.SnapshotFullResolution)

	s, err = LoadPluginSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"targets":[],
		"profileIntervals":{"heap":"10s","block":"off"},"cpuProfileInterval":"2m","cpuProfileSeconds":5,
		"goroutineDumpInterval":"off","goroutineDumpCeiling":500}`)})
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, s.ProfileIntervals[ProfileHeap])
	assert.NotContains(t, s.ProfileIntervals, ProfileBlock)
	assert.Equal(t, 2*time.Minute, s.ProfileIntervals[ProfileCPU])
	assert.Equal(t, 5, s.CPUProfileSeconds)
	assert.Zero(t, s.GoroutineDumpInterval)
	assert.Equal(t, 500, s.GoroutineDumpCeiling)
}

func TestProfileSettingsValidation(t *testing.T) {
	for name, tc := range map[string]struct{ json, want string }{
		"unknown type":      {`{"profileIntervals":{"bogus":"1m"}}`, `"bogus" is not a profile type`},
		"allocs has none":   {`{"profileIntervals":{"allocs":"1m"}}`, `"allocs" is not a profile type`},
		"bad duration":      {`{"profileIntervals":{"heap":"soon"}}`, "heap profile interval"},
		"too fast":          {`{"profileIntervals":{"heap":"1ms"}}`, "below the minimum"},
		"cpu too long":      {`{"cpuProfileInterval":"5m","cpuProfileSeconds":60}`, "above the maximum of 30"},
		"cpu overlaps":      {`{"cpuProfileInterval":"5s","cpuProfileSeconds":10}`, "must be longer than the 10 s profile"},
		"bad dump interval": {`{"goroutineDumpInterval":"-1m"}`, "goroutine dump interval"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadPluginSettings(backend.DataSourceInstanceSettings{JSONData: []byte(tc.json)})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
