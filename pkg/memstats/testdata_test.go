package memstats

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// captures are the sets of real payloads in testdata, each taken from one process within
// a few milliseconds (see testdata/README.md): "nogc" before any GC, "small" after 7
// forced GCs, "wrapped" after 300, so its pause rings have wrapped.
var captures = []string{"nogc", "small", "wrapped"}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	return b
}

// rawUint extracts one decimal from a capture with re (one capture group) and parses
// it with strconv, the independent oracle the parsers are compared against.
func rawUint(t *testing.T, body []byte, re string) uint64 {
	t.Helper()
	m := regexp.MustCompile(re).FindSubmatch(body)
	require.NotNil(t, m, "pattern %s not in capture", re)
	v, err := strconv.ParseUint(string(m[1]), 10, 64)
	require.NoError(t, err)
	return v
}

// rawRing extracts a pause ring (256 decimals separated by sep) the same way.
func rawRing(t *testing.T, body []byte, re string, sep *regexp.Regexp) [RingSize]uint64 {
	t.Helper()
	m := regexp.MustCompile(re).FindSubmatch(body)
	require.NotNil(t, m, "pattern %s not in capture", re)
	fields := sep.Split(string(m[1]), -1)
	require.Len(t, fields, RingSize)
	var ring [RingSize]uint64
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 10, 64)
		require.NoError(t, err)
		ring[i] = v
	}
	return ring
}

// checkIdentities asserts the runtime.MemStats invariants that hold in any consistent
// snapshot, which catches values landing in the wrong field.
func checkIdentities(t *testing.T, m *MemStats) {
	t.Helper()
	require.Equal(t, m.HeapSys, m.HeapInuse+m.HeapIdle, "HeapSys = HeapInuse + HeapIdle")
	require.Equal(t, m.Alloc, m.HeapAlloc, "Alloc = HeapAlloc")
	require.Equal(t, m.HeapObjects, m.Mallocs-m.Frees, "HeapObjects = Mallocs - Frees")
	require.LessOrEqual(t, m.HeapReleased, m.HeapIdle)
	require.LessOrEqual(t, m.HeapAlloc, m.HeapInuse)
	require.LessOrEqual(t, m.HeapSys+m.StackSys, m.Sys)
	require.LessOrEqual(t, m.NumForcedGC, m.NumGC)
	if m.NumGC > 0 {
		pause, end, ok := m.Pause(m.NumGC)
		require.True(t, ok)
		require.Equal(t, m.LastGC, end, "the newest PauseEnd is LastGC")
		require.Positive(t, pause)
		require.Greater(t, m.LastGC, uint64(1)<<53, "LastGC is Unix ns, beyond float64 precision")
	}
}
