package models

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProfileQueryDefaults(t *testing.T) {
	q, err := ParseProfileQuery(nil)
	require.NoError(t, err)
	assert.Equal(t, "heap", q.ProfileType)
	assert.Equal(t, "inuse_space", q.SampleType)
	assert.Equal(t, DefaultMaxNodes, q.MaxNodes)
	assert.Equal(t, ProfileOutputFlameGraph, q.Output)
	assert.True(t, q.AtTime.IsZero())
	assert.Equal(t, ProfileHeap, q.Info.StoredAs)

	q, err = ParseProfileQuery([]byte(`{"profileType":"allocs"}`))
	require.NoError(t, err)
	assert.Equal(t, "alloc_space", q.SampleType)
	assert.Equal(t, ProfileHeap, q.Info.StoredAs, "allocs reads the heap snapshots")
}

func TestParseProfileQueryParsesTimesAndBaselines(t *testing.T) {
	q, err := ParseProfileQuery([]byte(`{"at":"2026-11-01T12:00:00Z","baseline":"offset","baselineOffset":"1h","output":"top","maxNodes":100,"focus":"main\\."}`))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), q.AtTime)
	assert.Equal(t, time.Hour, q.Offset)
	assert.Equal(t, 100, q.MaxNodes)
	assert.Equal(t, ProfileOutputTop, q.Output)

	q, err = ParseProfileQuery([]byte(`{"at":"1793534400000"}`))
	require.NoError(t, err)
	assert.Equal(t, time.UnixMilli(1793534400000).UTC(), q.AtTime)

	q, err = ParseProfileQuery([]byte(`{"profileType":"block","delta":true,"baseline":"target","baselineTarget":"canary"}`))
	require.NoError(t, err)
	assert.Equal(t, "delay", q.SampleType)
	assert.True(t, q.Delta)
}

func TestParseProfileQueryErrorsNameTheField(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"profileType":"heapz"}`, `profileType "heapz" is not one of heap, allocs, goroutine, block, mutex, threadcreate, goroutineleak, cpu`},
		{`{"sampleType":"delay"}`, `sampleType "delay" is not a sample type of heap profiles; valid: alloc_objects, alloc_space, inuse_objects, inuse_space`},
		{`{"at":"yesterday"}`, `at "yesterday" is neither`},
		{`{"delta":true}`, `delta needs a cumulative profile type`},
		{`{"profileType":"allocs","delta":true,"at":"1000"}`, `cannot be combined with at`},
		{`{"focus":"main.("}`, `focus "main.(" is not a valid regular expression`},
		{`{"ignore":"[z-a]"}`, `ignore "[z-a]" is not a valid regular expression`},
		{`{"maxNodes":1}`, `maxNodes 1 is outside 2…1048576`},
		{`{"maxNodes":-5}`, `maxNodes -5`},
		{`{"output":"svg"}`, `output "svg" is not one of flamegraph, top`},
		{`{"baseline":"yesterday"}`, `baseline "yesterday" is not one of rangeStart, offset, pin, target`},
		{`{"baseline":"offset"}`, `baselineOffset is required`},
		{`{"baseline":"offset","baselineOffset":"-1h"}`, `baselineOffset "-1h" is not a positive duration`},
		{`{"baseline":"pin"}`, `baselinePin is required`},
		{`{"baseline":"target"}`, `baselineTarget is required`},
		{`{"profileType":"allocs","delta":true,"baseline":"rangeStart"}`, `cannot be combined with delta`},
		{`{"maxNodes":"many"}`, `could not parse query json`},
	} {
		_, err := ParseProfileQuery([]byte(c.json))
		require.Error(t, err, c.json)
		assert.Contains(t, err.Error(), c.want, c.json)
	}
}
