package goroutines

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	update  = flag.Bool("update", false, "rewrite the golden files under testdata")
	capture = flag.Bool("capture", false, "rewrite the dumps under testdata that this runtime produces")
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// checkGoldenJSON compares v, as indented JSON, with testdata/<name>; -update rewrites it.
func checkGoldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	if !bytes.Equal(want, got) {
		require.JSONEq(t, string(want), string(got), "%s differs; run go test -update if the change is intended", path)
	}
}
