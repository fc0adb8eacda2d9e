package profiles

import (
	"fmt"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// SampleIndex returns the index of the named sample type in p. An empty name selects the
// profile type's default (models.ProfileTypeInfo.DefaultSampleType), so an allocs query over a
// stored heap snapshot reads alloc_space rather than the heap's inuse_space. The error of an
// unknown name lists the names p has.
func SampleIndex(p *profile.Profile, t models.ProfileType, name string) (int, error) {
	if name == "" {
		info, ok := models.LookupProfileType(t)
		if !ok {
			return 0, fmt.Errorf("unknown profile type %q", t)
		}
		name = info.DefaultSampleType
	}
	for i, st := range p.SampleType {
		if st.Type == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("sample type %q is not in this %s profile; valid sample types: %s", name, t, strings.Join(SampleTypeNames(p), ", "))
}

// SampleTypeNames lists the sample types of p in protobuf order.
func SampleTypeNames(p *profile.Profile) []string {
	names := make([]string, len(p.SampleType))
	for i, st := range p.SampleType {
		names[i] = st.Type
	}
	return names
}

// Unit returns the unit of sample type idx ("bytes", "nanoseconds", "count", ...).
func Unit(p *profile.Profile, idx int) string {
	if idx < 0 || idx >= len(p.SampleType) {
		return ""
	}
	return p.SampleType[idx].Unit
}

// checkIndex reports a sample index outside p's sample types.
func checkIndex(p *profile.Profile, idx int) error {
	if idx < 0 || idx >= len(p.SampleType) {
		return fmt.Errorf("sample index %d is out of range: the profile has %d sample types", idx, len(p.SampleType))
	}
	return nil
}

// Total is the sum of sample type idx over all samples: the flame graph's root value.
func Total(p *profile.Profile, idx int) int64 {
	var t int64
	for _, s := range p.Sample {
		t += s.Value[idx]
	}
	return t
}
