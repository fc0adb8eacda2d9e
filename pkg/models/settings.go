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

	// DefaultGoroutineDumpInterval spaces the goroutine?debug=2 dumps, which stop the
	// observed service's world while they are written.
	DefaultGoroutineDumpInterval = 5 * time.Minute
	// DefaultGoroutineDumpCeiling is the goroutine count above which no debug=2 dump is taken.
	DefaultGoroutineDumpCeiling = 10000
	// DefaultCPUProfileSeconds is the length of an opt-in CPU profile.
	DefaultCPUProfileSeconds = 10
	// MaxCPUProfileSeconds bounds how long a CPU profile may keep the target profiling.
	MaxCPUProfileSeconds = 30
	// DefaultMaxProfileBytes caps a profile's decompressed size, so a gzip bomb is refused
	// before it is read to the end.
	DefaultMaxProfileBytes = 256 << 20
	// DefaultSnapshotFullResolution is how long every profile snapshot is kept before the
	// history is thinned to one snapshot per hour.
	DefaultSnapshotFullResolution = 24 * time.Hour
	// DefaultSnapshotMaxBytes caps the profile snapshot store on disk.
	DefaultSnapshotMaxBytes = 1 << 30
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

	ProfileIntervals       map[string]string `json:"profileIntervals"`
	CPUProfileInterval     string            `json:"cpuProfileInterval"`
	CPUProfileSeconds      int               `json:"cpuProfileSeconds"`
	GoroutineDumpInterval  string            `json:"goroutineDumpInterval"`
	GoroutineDumpCeiling   int               `json:"goroutineDumpCeiling"`
	MaxProfileBytes        int64             `json:"maxProfileBytes"`
	SnapshotFullResolution string            `json:"snapshotFullResolution"`
	SnapshotMaxBytes       int64             `json:"snapshotMaxBytes"`
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

	// ProfileIntervals is the collection interval of every collected profile type (see
	// CollectedProfileTypes); a type that is switched off is absent. CPU is present only
	// when enabled.
	ProfileIntervals map[ProfileType]time.Duration
	// CPUProfileSeconds is the length of each CPU profile, at most MaxCPUProfileSeconds.
	CPUProfileSeconds int
	// GoroutineDumpInterval spaces the goroutine?debug=2 dumps; 0 switches them off.
	GoroutineDumpInterval time.Duration
	// GoroutineDumpCeiling is the last goroutine count above which a dump is skipped.
	GoroutineDumpCeiling int
	// MaxProfileBytes caps the decompressed size of one profile.
	MaxProfileBytes int64
	// SnapshotFullResolution is how long all profile snapshots are kept before thinning.
	SnapshotFullResolution time.Duration
	// SnapshotMaxBytes caps the profile snapshot store.
	SnapshotMaxBytes int64
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
	if err := loadProfileSettings(&raw, s); err != nil {
		return nil, err
	}
	return s, nil
}

// loadProfileSettings reads the profile and goroutine-dump schedules and the snapshot limits.
func loadProfileSettings(raw *rawSettings, s *PluginSettings) error {
	s.ProfileIntervals = make(map[ProfileType]time.Duration)
	for name := range raw.ProfileIntervals {
		info, ok := LookupProfileType(ProfileType(name))
		if !ok || info.StoredAs != info.Type || info.Type == ProfileCPU {
			return fmt.Errorf("profile interval: %q is not a profile type with its own schedule", name)
		}
	}
	for _, pt := range CollectedProfileTypes() {
		info, _ := LookupProfileType(pt)
		if pt == ProfileCPU {
			continue
		}
		d, off, err := intervalOrOff(raw.ProfileIntervals[string(pt)], info.DefaultInterval)
		if err != nil {
			return fmt.Errorf("%s profile interval: %w", pt, err)
		}
		if !off {
			s.ProfileIntervals[pt] = d
		}
	}
	cpu, off, err := intervalOrOff(raw.CPUProfileInterval, "off")
	if err != nil {
		return fmt.Errorf("cpu profile interval: %w", err)
	}
	s.CPUProfileSeconds = raw.CPUProfileSeconds
	if s.CPUProfileSeconds <= 0 {
		s.CPUProfileSeconds = DefaultCPUProfileSeconds
	}
	if s.CPUProfileSeconds > MaxCPUProfileSeconds {
		return fmt.Errorf("cpu profile seconds %d is above the maximum of %d", s.CPUProfileSeconds, MaxCPUProfileSeconds)
	}
	if !off {
		if cpu <= time.Duration(s.CPUProfileSeconds)*time.Second {
			return fmt.Errorf("cpu profile interval %s must be longer than the %d s profile it takes", cpu, s.CPUProfileSeconds)
		}
		s.ProfileIntervals[ProfileCPU] = cpu
	}
	dump, off, err := intervalOrOff(raw.GoroutineDumpInterval, DefaultGoroutineDumpInterval.String())
	if err != nil {
		return fmt.Errorf("goroutine dump interval: %w", err)
	}
	if !off {
		s.GoroutineDumpInterval = dump
	}
	s.GoroutineDumpCeiling = raw.GoroutineDumpCeiling
	if s.GoroutineDumpCeiling <= 0 {
		s.GoroutineDumpCeiling = DefaultGoroutineDumpCeiling
	}
	s.MaxProfileBytes = raw.MaxProfileBytes
	if s.MaxProfileBytes <= 0 {
		s.MaxProfileBytes = DefaultMaxProfileBytes
	}
	if s.SnapshotFullResolution, err = durationOr(raw.SnapshotFullResolution, DefaultSnapshotFullResolution); err != nil {
		return fmt.Errorf("snapshot full resolution: %w", err)
	}
	s.SnapshotMaxBytes = raw.SnapshotMaxBytes
	if s.SnapshotMaxBytes <= 0 {
		s.SnapshotMaxBytes = DefaultSnapshotMaxBytes
	}
	return nil
}

// intervalOrOff reads a schedule: a duration, or "off"/"0" to switch it off; empty takes def.
func intervalOrOff(v, def string) (time.Duration, bool, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		v = def
	}
	if v == "off" || v == "0" {
		return 0, true, nil
	}
	d, err := durationOr(v, 0)
	if err != nil {
		return 0, false, err
	}
	if d < MinScrapeInterval {
		return 0, false, fmt.Errorf("%s is below the minimum of %s", d, MinScrapeInterval)
	}
	return d, false, nil
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
			if u != nil && u.User != nil {
				return fmt.Errorf("target %q: base URL %q is not an http(s) URL", t.Name, u.Redacted())
			}
			return fmt.Errorf("target %q: base URL %q is not an http(s) URL", t.Name, t.URL)
		}
		// jsonData is stored in plain text and shown to every editor: a password in the URL
		// would be neither encrypted nor hidden, so it is refused (and not echoed back).
		if u.User != nil {
			return fmt.Errorf("target %q: base URL %s carries credentials; set them under Authentication, where they are stored encrypted", t.Name, u.Redacted())
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("target %q: base URL %q has a query or fragment; give only scheme, host, port and path prefix", t.Name, t.URL)
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
