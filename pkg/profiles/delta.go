package profiles

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/pprof/profile"
)

// ErrIncompatible means two profiles cannot be combined: their sample types or period types
// differ, e.g. a heap snapshot diffed against a goroutine profile.
var ErrIncompatible = errors.New("profiles are not compatible")

// Delta returns cur minus base with the semantics of `go tool pprof -base`: base is scaled by
// -1 and merged with cur, so identical stacks cancel and what remains is what accumulated
// between the two. Delta scales base in place; pass a copy to keep it.
func Delta(base, cur *profile.Profile) (*profile.Profile, error) {
	if err := Compatible(base, cur); err != nil {
		return nil, err
	}
	base.Scale(-1)
	p, err := profile.Merge([]*profile.Profile{cur, base})
	if err != nil {
		return nil, fmt.Errorf("merging profiles: %w", err)
	}
	return p, nil
}

// Merge adds profiles of the same kind, e.g. the CPU profiles taken over a range.
func Merge(ps []*profile.Profile) (*profile.Profile, error) {
	if len(ps) == 0 {
		return nil, errors.New("no profiles to merge")
	}
	for _, p := range ps[1:] {
		if err := Compatible(ps[0], p); err != nil {
			return nil, err
		}
	}
	p, err := profile.Merge(ps)
	if err != nil {
		return nil, fmt.Errorf("merging profiles: %w", err)
	}
	return p, nil
}

// Compatible reports, wrapping ErrIncompatible, whether a and b have different sample types
// or period types, naming both sides.
func Compatible(a, b *profile.Profile) error {
	if !sameValueTypes(a.SampleType, b.SampleType) {
		return fmt.Errorf("%w: sample types [%s] and [%s] differ", ErrIncompatible, valueTypes(a.SampleType), valueTypes(b.SampleType))
	}
	if (a.PeriodType == nil) != (b.PeriodType == nil) ||
		a.PeriodType != nil && (a.PeriodType.Type != b.PeriodType.Type || a.PeriodType.Unit != b.PeriodType.Unit) {
		return fmt.Errorf("%w: period types [%s] and [%s] differ", ErrIncompatible, valueTypes([]*profile.ValueType{a.PeriodType}), valueTypes([]*profile.ValueType{b.PeriodType}))
	}
	return nil
}

func sameValueTypes(a, b []*profile.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Unit != b[i].Unit {
			return false
		}
	}
	return true
}

func valueTypes(vts []*profile.ValueType) string {
	parts := make([]string, 0, len(vts))
	for _, vt := range vts {
		if vt == nil {
			parts = append(parts, "none")
			continue
		}
		parts = append(parts, vt.Type+"/"+vt.Unit)
	}
	return strings.Join(parts, " ")
}
