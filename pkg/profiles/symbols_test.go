package profiles

import (
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
)

func TestDisplayNameShortensLikePprof(t *testing.T) {
	for in, want := range map[string]string{
		"main.leakIntoRegistry":        "main.leakIntoRegistry",
		"net/http.(*conn).serve":       "net/http.(*conn).serve",
		"pkg.(*List[go.shape.int]).Do": "pkg.(*List[go.shape.int]).Do",
		"encoding/json.typeEncoder.OnceValue[go.shape.func(*encoding/json.encodeState, reflect.Value)].func3": "encoding/json.typeEncoder.OnceValue[go.shape.func].func3",
		"slices.Grow[go.shape.[]uint8,go.shape.uint8]":                                                        "slices.Grow[go.shape.[]uint8,go.shape.uint8]",
		"ns::Fn<int>(long)":    "ns::Fn",
		"java.lang.Foo.<init>": "java.lang.Foo.<init>",
		"x(y)z)w(v)[]":         "xz)w(v)[]",
	} {
		assert.Equal(t, want, displayName(&profile.Function{Name: in, SystemName: in}), in)
	}
	assert.Equal(t, "Demangled(x)", displayName(&profile.Function{Name: "Demangled(x)", SystemName: "_Z1xv"}), "names already demangled stay")
}

func TestFrameNameFallsBackToTheBinary(t *testing.T) {
	l := &profile.Location{Mapping: &profile.Mapping{File: "/usr/bin/app"}}
	assert.Equal(t, "[app]", frameName(l, nil))
	assert.Equal(t, "[app]", frameName(l, &profile.Line{Function: &profile.Function{}}))
	assert.Equal(t, "<unknown>", frameName(&profile.Location{}, nil))
}
