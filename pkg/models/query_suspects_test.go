package models

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSuspectsQueryDefaults(t *testing.T) {
	for _, raw := range []string{``, `{}`, `{"queryType":"suspects"}`} {
		q, err := ParseSuspectsQuery(json.RawMessage(raw))
		require.NoError(t, err, raw)
		assert.Equal(t, "function", q.By)
		assert.Equal(t, "table", q.Output)
		assert.Equal(t, DefaultTopN, q.TopN)
		assert.Empty(t, q.Target)
	}
	q, err := ParseSuspectsQuery(json.RawMessage(`{"target":" api ","by":"stack","output":"series","topN":3}`))
	require.NoError(t, err)
	assert.Equal(t, SuspectsQuery{Target: "api", By: "stack", Output: "series", TopN: 3}, *q)
}

func TestParseSuspectsQueryRejectsBadInput(t *testing.T) {
	for raw, want := range map[string]string{
		`{"by":"line"}`:      `by "line": want "function" or "stack"`,
		`{"output":"flame"}`: `output "flame": want "table" or "series"`,
		`{"topN":-1}`:        "topN -1: want 1 to 1000",
		`{"topN":1001}`:      "topN 1001: want 1 to 1000",
		`{"topN":"ten"}`:     "could not parse query json",
		`{"target":`:         "could not parse query json",
	} {
		_, err := ParseSuspectsQuery(json.RawMessage(raw))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want, raw)
	}
}
