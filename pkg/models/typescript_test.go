package models

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypeScriptModelIsCurrent fails when the committed frontend model differs from the Go
// model; run `go generate ./pkg/models` after changing a query struct.
func TestTypeScriptModelIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("../../src/types/query.gen.ts")
	require.NoError(t, err)
	assert.Equal(t, TypeScript(), string(committed), "src/types/query.gen.ts is stale: run go generate ./pkg/models")
}
