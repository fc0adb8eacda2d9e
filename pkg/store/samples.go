package store

import (
	"errors"
	"fmt"
)

// errEmptyName rejects samples that could not be selected again: a series is found by its
// target and series name, and the TSDB treats an empty label value as an absent label.
var errEmptyName = errors.New("sample has an empty target or series name")

// validateSamples checks a whole batch before anything is written, so that a malformed batch
// fails as a unit instead of being half stored.
func validateSamples(samples []Sample) error {
	for i := range samples {
		if samples[i].Target == "" || samples[i].Series == "" {
			return fmt.Errorf("sample %d (target %q, series %q): %w", i, samples[i].Target, samples[i].Series, errEmptyName)
		}
	}
	return nil
}

// seriesKey identifies a series within a store; a struct of two strings keeps map lookups on
// the append path free of allocations.
type seriesKey struct {
	target, series string
}
