package profiles

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilterReportsUnmatchedExpressions(t *testing.T) {
	p := readProfile(t, "testdata/heap-2.pb.gz")
	res, err := Filter(p, `^nosuchpkg\.`, `^alsonothing$`)
	require.NoError(t, err)
	assert.False(t, res.FocusMatched)
	assert.False(t, res.IgnoreMatched)
	assert.Empty(t, p.Sample, "a focus that matches nothing leaves no samples")
}

func TestFilterRejectsBadExpressionsNamingThem(t *testing.T) {
	p := readProfile(t, "testdata/heap-2.pb.gz")
	_, err := Filter(p, `main.(`, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `focus "main.("`)
	_, err = Filter(p, "", `[z-a]`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `ignore "[z-a]"`)
}
