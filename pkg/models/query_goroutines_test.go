package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseGoroutinesQuerySignals(t *testing.T) {
	q, err := ParseGoroutinesQuery([]byte(`{"output":"signals","signals":["stale","leaked"]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"stale", "leaked"}, q.Signals)

	_, err = ParseGoroutinesQuery([]byte(`{"output":"signals","signals":["stuck"]}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `signal "stuck" is not one of stale, growing, leaked`)
}
