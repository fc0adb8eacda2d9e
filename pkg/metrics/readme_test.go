package metrics

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeCatalogMatches keeps the README's metric table in step with the catalog.
func TestReadmeCatalogMatches(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, m := range Catalog() {
		assert.True(t, strings.Contains(readme, "| `"+m.Name+"` | "+m.Unit+" |"),
			"README metric catalog lacks a row for %s with unit %s", m.Name, m.Unit)
	}
}
