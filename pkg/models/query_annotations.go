package models

import (
	"encoding/json"
	"fmt"
	"slices"
)

// The event kinds of an annotations query.
const (
	EventRestarts     = "restarts"
	EventGCCycles     = "gcCycles"
	EventSkippedDumps = "skippedDumps"
	EventPins         = "pins"
)

// AnnotationEvents lists every event kind; DefaultAnnotationEvents leaves out the dense GC cycles.
var (
	AnnotationEvents        = []string{EventRestarts, EventGCCycles, EventSkippedDumps, EventPins}
	DefaultAnnotationEvents = []string{EventRestarts, EventSkippedDumps, EventPins}
)

// ParseAnnotationsQuery decodes, defaults and validates an annotations query.
func ParseAnnotationsQuery(raw json.RawMessage) (*AnnotationsQuery, error) {
	var q AnnotationsQuery
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &q); err != nil {
			return nil, fmt.Errorf("could not parse query json: %w", err)
		}
	}
	if len(q.Events) == 0 {
		q.Events = slices.Clone(DefaultAnnotationEvents)
	}
	for _, e := range q.Events {
		if !slices.Contains(AnnotationEvents, e) {
			return nil, fmt.Errorf("event %q is not one of %v", e, AnnotationEvents)
		}
	}
	return &q, nil
}
