// Package models holds the plugin's typed settings and query model, shared by the
// backend handlers and (through generated TypeScript) the frontend editors.
package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
)

// Defaults applied when a setting is left empty.
const (
	DefaultScrapeInterval   = 15 * time.Second
	DefaultRetention        = 7 * 24 * time.Hour
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 16 << 20
	DefaultStorageMaxBytes  = 1 << 30
	// MinScrapeInterval keeps a misconfigured data source from hammering its targets.
	MinScrapeInterval = 100 * time.Millisecond
)

// SecureKeyBearerToken is the secureJsonData key of the optional bearer token sent to every target.
const SecureKeyBearerToken = "bearerToken"

// Target is one Go service whose pprof base URL the data source scrapes.
type Target struct {
	// Name is unique within the data source and becomes the `target` label.
	Name string `json:"name"`
	// URL is the base address under which /debug/pprof/ and /debug/vars are served.
	URL string `json:"url"`
	// Labels are extra labels (e.g. job, env) added to every series of this target.
	Labels map[string]string `json:"labels,omitempty"`
}

// rawSettings mirrors the jsonData the ConfigEditor writes; durations are strings such as "15s" or "7d".
type rawSettings struct {
	Targets          []Target `json:"targets"`
	ScrapeInterval   string   `json:"scrapeInterval"`
	Retention        string   `json:"retention"`
	StoragePath      string   `json:"storagePath"`
	StorageMaxBytes  int64    `json:"storageMaxBytes"`
	MaxResponseBytes int64    `json:"maxResponseBytes"`
	Timeout          any      `json:"timeout"`
}

// PluginSettings is the validated, defaulted configuration of one data source instance.
type PluginSettings struct {
	UID              string
	Targets          []Target
	ScrapeInterval   time.Duration
	Retention        time.Duration
	Timeout          time.Duration
	StoragePath      string
	StorageMaxBytes  int64
	MaxResponseBytes int64
	// BearerToken comes from secureJsonData only and is never logged or returned.
	BearerToken string
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// LoadPluginSettings parses and validates the instance settings, applying defaults.
func LoadPluginSettings(source backend.DataSourceInstanceSettings) (*PluginSettings, error) {
	var raw rawSettings
	if len(source.JSONData) > 0 {
		if err := json.Unmarshal(source.JSONData, &raw); err != nil {
			return nil, fmt.Errorf("could not unmarshal settings json: %w", err)
		}
	}
	s := &PluginSettings{
		UID:              source.UID,
		Targets:          raw.Targets,
		StoragePath:      strings.TrimSpace(raw.StoragePath),
		StorageMaxBytes:  raw.StorageMaxBytes,
		MaxResponseBytes: raw.MaxResponseBytes,
		BearerToken:      source.DecryptedSecureJSONData[SecureKeyBearerToken],
	}
	var err error
	if s.ScrapeInterval, err = durationOr(raw.ScrapeInterval, DefaultScrapeInterval); err != nil {
		return nil, fmt.Errorf("scrape interval: %w", err)
	}
	if s.ScrapeInterval < MinScrapeInterval {
		return nil, fmt.Errorf("scrape interval %s is below the minimum of %s", s.ScrapeInterval, MinScrapeInterval)
	}
	if s.Retention, err = durationOr(raw.Retention, DefaultRetention); err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	if s.Timeout, err = timeoutOf(raw.Timeout); err != nil {
		return nil, fmt.Errorf("timeout: %w", err)
	}
	if s.StorageMaxBytes <= 0 {
		s.StorageMaxBytes = DefaultStorageMaxBytes
	}
	if s.MaxResponseBytes <= 0 {
		s.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if err := validateTargets(s.Targets); err != nil {
		return nil, err
	}
	return s, nil
}

// TargetByName returns the configured target with that name.
func (s *PluginSettings) TargetByName(name string) (Target, bool) {
	for _, t := range s.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

func validateTargets(targets []Target) error {
	seen := make(map[string]bool, len(targets))
	for i, t := range targets {
		if strings.TrimSpace(t.Name) == "" {
			return fmt.Errorf("target %d has no name", i+1)
		}
		if seen[t.Name] {
			return fmt.Errorf("target name %q is used more than once", t.Name)
		}
		seen[t.Name] = true
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("target %q: base URL %q is not an http(s) URL", t.Name, t.URL)
		}
		for k := range t.Labels {
			if !labelNameRE.MatchString(k) || k == "target" || strings.HasPrefix(k, "__") {
				return fmt.Errorf("target %q: %q cannot be used as a label name", t.Name, k)
			}
		}
	}
	return nil
}

func durationOr(s string, def time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	d, err := gtime.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 15s, 5m or 7d: %w", s, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", s)
	}
	return d, nil
}

// timeoutOf reads the SDK's standard "timeout" key, which Grafana's HTTP settings store as seconds
// (a number, or a numeric string in older editors).
func timeoutOf(v any) (time.Duration, error) {
	switch t := v.(type) {
	case nil:
		return DefaultTimeout, nil
	case float64:
		if t <= 0 {
			return DefaultTimeout, nil
		}
		return time.Duration(t * float64(time.Second)), nil
	case string:
		if strings.TrimSpace(t) == "" {
			return DefaultTimeout, nil
		}
		var secs float64
		if _, err := fmt.Sscanf(t, "%g", &secs); err == nil && secs > 0 {
			return time.Duration(secs * float64(time.Second)), nil
		}
		return durationOr(t, DefaultTimeout)
	default:
		return 0, errors.New("must be a number of seconds")
	}
}
