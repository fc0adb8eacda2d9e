package snapshots

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPins(t *testing.T) {
	for name, s := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			k := key("app", "heap", t0)
			require.NoError(t, s.PutBlob(bg, k, []byte("x")))

			err := s.Pin(bg, "missing", key("app", "heap", t0.Add(time.Second)))
			assert.ErrorIs(t, err, ErrNotFound)
			for _, bad := range []string{"", "   ", strings.Repeat("é", MaxPinNameLength+1), "tab\there", "\xff"} {
				assert.Error(t, s.Pin(bg, bad, k), "%q", bad)
			}
			require.NoError(t, s.Pin(bg, strings.Repeat("é", MaxPinNameLength), k), "100 characters are allowed")
			require.NoError(t, s.Pin(bg, "release 1.2", k))
			require.NoError(t, s.Pin(bg, "another", k))
			err = s.Pin(bg, "release 1.2", k)
			require.ErrorIs(t, err, ErrPinTaken)
			assert.Contains(t, err.Error(), `"release 1.2"`)

			m, err := s.Nearest(bg, "app", "heap", t0)
			require.NoError(t, err)
			assert.Equal(t, []string{"another", "release 1.2", strings.Repeat("é", MaxPinNameLength)}, m.Pins)

			pins, err := s.Pins(bg)
			require.NoError(t, err)
			require.Len(t, pins, 3)
			assert.Equal(t, "another", pins[0].Name)
			assert.True(t, pins[0].Time.Equal(t0))
			assert.Equal(t, "heap", pins[0].Kind)
			assert.False(t, pins[0].Created.IsZero())

			require.NoError(t, s.Unpin(bg, "another"))
			assert.ErrorIs(t, s.Unpin(bg, "another"), ErrNotFound)
			m, err = s.Nearest(bg, "app", "heap", t0)
			require.NoError(t, err)
			assert.Equal(t, []string{"release 1.2", strings.Repeat("é", MaxPinNameLength)}, m.Pins)
		})
	}
}

// testStores returns an empty store of each implementation.
func testStores(t *testing.T) map[string]Store {
	db, _ := openTest(t, Options{})
	m := NewMemory(Options{MaintenanceInterval: -1})
	t.Cleanup(func() { _ = m.Close() })
	return map[string]Store{"bbolt": db, "memory": m}
}

func TestListAndNearest(t *testing.T) {
	for name, s := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			// Neighbouring series whose encoded keys share prefixes with the one queried.
			for _, other := range []Key{key("ap", "pheap", t0), key("app", "heapx", t0), key("app", "hea", t0.Add(time.Hour))} {
				require.NoError(t, s.PutBlob(bg, other, []byte("other")))
			}
			for i := 4; i >= 0; i-- { // stored newest first: order must come from the keys
				require.NoError(t, s.PutBlob(bg, key("app", "heap", t0.Add(time.Duration(i)*time.Minute)), []byte{byte(i)}))
			}
			require.NoError(t, s.PutBlob(bg, key("app", "heap", t0), []byte("dropped")), "a repeated key is dropped")
			b, err := s.Blob(bg, key("app", "heap", t0))
			require.NoError(t, err)
			assert.Equal(t, []byte{0}, b)

			metas, err := s.List(bg, "app", "heap", t0.Add(time.Minute), t0.Add(3*time.Minute))
			require.NoError(t, err)
			require.Len(t, metas, 3)
			for i, m := range metas {
				assert.True(t, m.Time.Equal(t0.Add(time.Duration(i+1)*time.Minute)))
				assert.Equal(t, "app", m.Target)
				assert.Equal(t, int64(1), m.RawBytes)
			}
			metas, err = s.List(bg, "app", "heap", t0.Add(-time.Hour), t0.Add(-time.Minute))
			require.NoError(t, err)
			assert.Empty(t, metas)

			for at, want := range map[time.Duration]time.Duration{
				90 * time.Second: time.Minute,
				2 * time.Minute:  2 * time.Minute,
				time.Hour:        4 * time.Minute,
			} {
				m, err := s.Nearest(bg, "app", "heap", t0.Add(at))
				require.NoError(t, err)
				assert.True(t, m.Time.Equal(t0.Add(want)), "at %s: %s", at, m.Time)
			}
			_, err = s.Nearest(bg, "app", "heap", t0.Add(-time.Millisecond))
			assert.ErrorIs(t, err, ErrNotFound)
			_, err = s.Nearest(bg, "nobody", "heap", t0)
			assert.ErrorIs(t, err, ErrNotFound)
			_, err = s.Profile(bg, key("app", "heap", t0))
			assert.ErrorIs(t, err, errWrongKind, "a blob is not a profile")
		})
	}
}
