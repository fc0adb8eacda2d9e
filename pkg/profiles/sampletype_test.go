package profiles

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

func TestSampleIndexUsesTheProfileTypeDefaults(t *testing.T) {
	heap := readProfile(t, "testdata/heap-2.pb.gz")
	for _, c := range []struct {
		pt   models.ProfileType
		name string
		want int
	}{
		{models.ProfileHeap, "", 3},
		{models.ProfileAllocs, "", 1},
		{models.ProfileHeap, "inuse_objects", 2},
		{models.ProfileAllocs, "alloc_objects", 0},
	} {
		idx, err := SampleIndex(heap, c.pt, c.name)
		require.NoError(t, err)
		assert.Equal(t, c.want, idx, "%s %q", c.pt, c.name)
	}
	assert.Equal(t, "bytes", Unit(heap, 1))
	assert.Equal(t, "count", Unit(heap, 2))
	assert.Empty(t, Unit(heap, 9))

	block := readProfile(t, "testdata/block.pb.gz")
	idx, err := SampleIndex(block, models.ProfileBlock, "")
	require.NoError(t, err)
	assert.Equal(t, 1, idx)
	assert.Equal(t, "nanoseconds", Unit(block, idx))
}

func TestSampleIndexErrorListsValidNames(t *testing.T) {
	_, err := SampleIndex(readProfile(t, "testdata/goroutine.pb.gz"), models.ProfileGoroutine, "inuse_space")
	require.Error(t, err)
	assert.Equal(t, `sample type "inuse_space" is not in this goroutine profile; valid sample types: goroutine`, err.Error())
	_, err = SampleIndex(readProfile(t, "testdata/heap-1.pb.gz"), "heapz", "")
	assert.ErrorContains(t, err, `unknown profile type "heapz"`)
}

func TestSameBinaryComparesMainMappings(t *testing.T) {
	a, b := readProfile(t, "testdata/heap-1.pb.gz"), readProfile(t, "testdata/heap-2.pb.gz")
	same, why := SameBinary(a, b)
	assert.True(t, same, why)

	b.Mapping[0].BuildID = "feedface"
	same, why = SameBinary(a, b)
	assert.False(t, same)
	assert.Equal(t, "build ID feedface differs from 811ab305e7a6211ad0e724a02c34800da21f6554", why)

	a.Mapping[0].BuildID, b.Mapping[0].BuildID = "", ""
	b.Mapping[0].File = "/usr/local/bin/other"
	same, why = SameBinary(a, b)
	assert.False(t, same)
	assert.Equal(t, "binary /usr/local/bin/other differs from "+a.Mapping[0].File, why)

	b.Mapping = nil
	same, _ = SameBinary(a, b)
	assert.True(t, same, "without mappings there is nothing to compare")
}
