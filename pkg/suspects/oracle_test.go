package suspects

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pprofFlat runs `go tool pprof -top` on a snapshot and returns the flat value per function
// for one sample type, without the units pprof would otherwise round to.
func pprofFlat(t *testing.T, file, sampleIndex string) map[string]int64 {
	t.Helper()
	cmd := exec.Command("go", "tool", "pprof", "-top", "-sample_index="+sampleIndex, "-unit=B",
		"-nodecount=1000000", "-nodefraction=0", "-edgefraction=0", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go tool pprof: %s", stderr.String())
	flat := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	table := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && fields[0] == "flat" {
			table = true
			continue
		}
		if !table || len(fields) < 6 {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(fields[0], "B"), 10, 64)
		require.NoError(t, err, sc.Text())
		name := strings.TrimSuffix(strings.Join(fields[5:], " "), " (inline)")
		if v != 0 {
			flat[name] += v
		}
	}
	require.True(t, table, "no table in pprof output:\n%s", out)
	return flat
}

// TestLatestValuesEqualPprofTopFlat checks the attribution to the allocating function
// against `go tool pprof -top` on real snapshots: every function's latest inuse_space,
// inuse_objects and alloc_space must equal its flat value there.
func TestLatestValuesEqualPprofTopFlat(t *testing.T) {
	names, err := filepath.Glob(filepath.Join(capturedDir, "heap-*.pb.gz"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, file := range []string{names[0], names[len(names)/2], names[len(names)-1]} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			p := captured(t)[indexOf(names, file)]
			res, err := Rank(context.Background(), timed([]*profile.Profile{p}), Options{})
			require.NoError(t, err)
			got := map[string][3]int64{}
			for _, s := range res.Suspects {
				got[s.Function] = [3]int64{s.InuseSpace, s.InuseObjects, s.AllocSpace}
			}
			for i, st := range []string{"inuse_space", "inuse_objects", "alloc_space"} {
				want := pprofFlat(t, file, st)
				for name, v := range got {
					assert.Equal(t, want[name], v[i], "%s of %s", st, name)
				}
				if i < 2 {
					// Every function holding memory is a suspect.
					for name, v := range want {
						assert.Contains(t, got, name, "%s %d", st, v)
					}
				}
			}
		})
	}
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}
