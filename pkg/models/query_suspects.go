package models

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MaxSuspectsTopN bounds a suspects query's TopN: every series is an alert instance, and a
// table longer than this is no longer a list of suspects.
const MaxSuspectsTopN = 1000

// ParseSuspectsQuery decodes, validates and defaults a suspects query: By "function", Output
// "table" and TopN DefaultTopN when they are left empty.
func ParseSuspectsQuery(raw json.RawMessage) (*SuspectsQuery, error) {
	var q SuspectsQuery
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &q); err != nil {
			return nil, fmt.Errorf("could not parse query json: %w", err)
		}
	}
	q.Target = strings.TrimSpace(q.Target)
	switch q.By {
	case "":
		q.By = "function"
	case "function", "stack":
	default:
		return nil, fmt.Errorf("by %q: want \"function\" or \"stack\"", q.By)
	}
	switch q.Output {
	case "":
		q.Output = "table"
	case "table", "series":
	default:
		return nil, fmt.Errorf("output %q: want \"table\" or \"series\"", q.Output)
	}
	switch {
	case q.TopN == 0:
		q.TopN = DefaultTopN
	case q.TopN < 0 || q.TopN > MaxSuspectsTopN:
		return nil, fmt.Errorf("topN %d: want 1 to %d (0 means %d)", q.TopN, MaxSuspectsTopN, DefaultTopN)
	}
	return &q, nil
}
