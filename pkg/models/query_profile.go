package models

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/gtime"
)

// MaxProfileMaxNodes bounds a profile query's maxNodes: more nodes than this would make a
// frame too large for the browser to lay out.
const MaxProfileMaxNodes = 1 << 20

// Profile query outputs and baselines, as the query JSON spells them.
const (
	ProfileOutputFlameGraph = "flamegraph"
	ProfileOutputTop        = "top"

	BaselineRangeStart = "rangeStart"
	BaselineOffset     = "offset"
	BaselinePin        = "pin"
	BaselineTarget     = "target"
)

// ParsedProfileQuery is a validated ProfileQuery with its defaults applied: ProfileType,
// SampleType, MaxNodes and Output are always set.
type ParsedProfileQuery struct {
	ProfileQuery
	// Info describes ProfileType; Info.StoredAs is the kind of snapshot to read.
	Info ProfileTypeInfo
	// AtTime is At parsed; zero means the end of the panel's range.
	AtTime time.Time
	// Offset is BaselineOffset parsed, for Baseline "offset".
	Offset time.Duration
}

// ParseProfileQuery decodes, defaults and validates a profile query. Errors name the field
// that is wrong and, where there is a choice, list the valid values.
func ParseProfileQuery(raw json.RawMessage) (*ParsedProfileQuery, error) {
	var q ParsedProfileQuery
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &q.ProfileQuery); err != nil {
			return nil, fmt.Errorf("could not parse query json: %w", err)
		}
	}
	q.Target = strings.TrimSpace(q.Target)
	if q.ProfileType == "" {
		q.ProfileType = string(DefaultProfileType)
	}
	info, ok := LookupProfileType(ProfileType(q.ProfileType))
	if !ok {
		return nil, fmt.Errorf("profileType %q is not one of %s", q.ProfileType, strings.Join(profileTypeNames(), ", "))
	}
	q.Info = info
	if q.SampleType == "" {
		q.SampleType = info.DefaultSampleType
	}
	if !contains(info.SampleTypes, q.SampleType) {
		return nil, fmt.Errorf("sampleType %q is not a sample type of %s profiles; valid: %s", q.SampleType, info.Type, strings.Join(info.SampleTypes, ", "))
	}
	if at := strings.TrimSpace(q.At); at != "" {
		t, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("at %q is neither an RFC 3339 time nor Unix milliseconds", q.At)
		}
		q.AtTime = t
	}
	if q.Delta {
		if !info.Cumulative {
			return nil, fmt.Errorf("delta needs a cumulative profile type (allocs, block, mutex, cpu); %s profiles are snapshots: compare two with a baseline instead", info.Type)
		}
		if !q.AtTime.IsZero() {
			return nil, fmt.Errorf("delta covers the panel's range and cannot be combined with at")
		}
	}
	for _, f := range []struct{ name, expr string }{{"focus", q.Focus}, {"ignore", q.Ignore}} {
		if f.expr == "" {
			continue
		}
		if _, err := regexp.Compile(f.expr); err != nil {
			return nil, fmt.Errorf("%s %q is not a valid regular expression: %w", f.name, f.expr, err)
		}
	}
	switch {
	case q.MaxNodes == 0:
		q.MaxNodes = DefaultMaxNodes
	case q.MaxNodes < 2 || q.MaxNodes > MaxProfileMaxNodes:
		return nil, fmt.Errorf("maxNodes %d is outside 2…%d (0 means %d)", q.MaxNodes, MaxProfileMaxNodes, DefaultMaxNodes)
	}
	switch q.Output {
	case "":
		q.Output = ProfileOutputFlameGraph
	case ProfileOutputFlameGraph, ProfileOutputTop:
	default:
		return nil, fmt.Errorf("output %q is not one of %s, %s", q.Output, ProfileOutputFlameGraph, ProfileOutputTop)
	}
	if err := q.parseBaseline(); err != nil {
		return nil, err
	}
	return &q, nil
}

func (q *ParsedProfileQuery) parseBaseline() error {
	switch q.Baseline {
	case "":
		return nil
	case BaselineRangeStart:
		if q.Delta {
			return fmt.Errorf("baseline %s compares two snapshots and cannot be combined with delta; use offset or target", BaselineRangeStart)
		}
	case BaselineOffset:
		s := strings.TrimSpace(q.BaselineOffset)
		if s == "" {
			return fmt.Errorf("baselineOffset is required for baseline %s, e.g. 1h", BaselineOffset)
		}
		d, err := gtime.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("baselineOffset %q is not a positive duration such as 30m or 1h", q.BaselineOffset)
		}
		q.Offset = d
	case BaselinePin:
		if strings.TrimSpace(q.BaselinePin) == "" {
			return fmt.Errorf("baselinePin is required for baseline %s", BaselinePin)
		}
	case BaselineTarget:
		if strings.TrimSpace(q.BaselineTarget) == "" {
			return fmt.Errorf("baselineTarget is required for baseline %s", BaselineTarget)
		}
	default:
		return fmt.Errorf("baseline %q is not one of %s, %s, %s, %s", q.Baseline, BaselineRangeStart, BaselineOffset, BaselinePin, BaselineTarget)
	}
	return nil
}

// parseTime reads RFC 3339 or Unix milliseconds.
func parseTime(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func profileTypeNames() []string {
	names := make([]string, len(ProfileTypeInfos))
	for i, info := range ProfileTypeInfos {
		names[i] = string(info.Type)
	}
	return names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
