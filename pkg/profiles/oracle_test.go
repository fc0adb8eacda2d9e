package profiles

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pprofRow is one row of `go tool pprof -top` output.
type pprofRow struct {
	name            string
	flat, cum       int64
	flatPct, cumPct float64
}

var topRowRE = regexp.MustCompile(`^\s*(-?[0-9.]+)[a-zA-Z]*\s+(-?[0-9.e+-]+)%\s+\S+%\s+(-?[0-9.]+)[a-zA-Z]*\s+(-?[0-9.e+-]+)%\s+(.*)$`)

// pprofUnit is the -unit that makes pprof print exact integers for a sample unit.
func pprofUnit(unit string) string {
	switch unit {
	case "bytes":
		return "B"
	case "nanoseconds":
		return "ns"
	default:
		return "count"
	}
}

// runPprofTop runs `go tool pprof -top` with flags that show every function with exact values.
func runPprofTop(t *testing.T, unit string, args ...string) []pprofRow {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the oracle tests need the go command")
	full := append([]string{"tool", "pprof", "-top", "-nodecount=0", "-nodefraction=0", "-unit=" + pprofUnit(unit)}, args...)
	cmd := exec.Command(goBin, full...)
	cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go %s: %s", strings.Join(full, " "), stderr.String())
	var rows []pprofRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		if !inTable {
			inTable = strings.Contains(line, "flat%") && strings.Contains(line, "cum%")
			continue
		}
		m := topRowRE.FindStringSubmatch(line)
		require.NotNil(t, m, "unexpected pprof line %q", line)
		name := strings.TrimSuffix(strings.TrimSuffix(m[5], " (inline)"), " (partial-inline)")
		rows = append(rows, pprofRow{name: name, flat: parseInt(t, m[1]), flatPct: parseFloat(t, m[2]), cum: parseInt(t, m[3]), cumPct: parseFloat(t, m[4])})
	}
	return rows
}

func parseInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "pprof printed a non-integer value %q", s)
	return v
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	return v
}

// assertPct compares a percentage with pprof's rendering of it: %5.2f above 1 %, two
// significant digits below, always unsigned.
func assertPct(t *testing.T, want float64, got float64, msg string) {
	t.Helper()
	got = math.Abs(got)
	tol := 0.006
	if want < 1 {
		tol = math.Max(want*0.06, 1e-9)
	}
	if want >= 99.95 && want <= 100.05 {
		tol = 0.051
	}
	assert.InDelta(t, want, got, tol, msg)
}

func readProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	p, err := Decode(f, 64<<20)
	require.NoError(t, err, path)
	return p
}

// checkTopAgainstPprof compares Top with pprof for every sample type of a file.
func checkTopAgainstPprof(t *testing.T, path string) {
	p := readProfile(t, path)
	for idx, st := range p.SampleType {
		t.Run(filepath.Base(path)+"/"+st.Type, func(t *testing.T) {
			want := runPprofTop(t, st.Unit, "-sample_index="+st.Type, path)
			got, err := Top(readProfile(t, path), idx)
			require.NoError(t, err)
			require.Len(t, got, len(want), "row count of %s", st.Type)
			for i, w := range want {
				g := got[i]
				assert.Equal(t, w.name, g.Function, "row %d", i)
				assert.Equal(t, w.flat, g.Flat, "flat of %s", w.name)
				assert.Equal(t, w.cum, g.Cum, "cum of %s", w.name)
				assertPct(t, w.flatPct, g.FlatPct, "flat% of "+w.name)
				assertPct(t, w.cumPct, g.CumPct, "cum% of "+w.name)
			}
			tree, err := BuildTree(readProfile(t, path), idx, 0)
			require.NoError(t, err)
			require.NotEmpty(t, tree.Nodes)
			assert.Equal(t, Total(p, idx), tree.Nodes[0].Value, "flame graph root equals the profile total")
		})
	}
}

func TestTopEqualsPprofOnCapturedProfiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.pb.gz")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		checkTopAgainstPprof(t, f)
	}
}

// checkDiffAgainstPprof compares TopDiff and BuildDiffTree with -diff_base for every sample type.
func checkDiffAgainstPprof(t *testing.T, basePath, curPath string) {
	base := readProfile(t, basePath)
	for idx, st := range base.SampleType {
		t.Run(st.Type, func(t *testing.T) {
			want := runPprofTop(t, st.Unit, "-sample_index="+st.Type, "-diff_base="+basePath, curPath)
			got, err := TopDiff(readProfile(t, basePath), readProfile(t, curPath), idx)
			require.NoError(t, err)
			require.Len(t, got, len(want))
			for i, w := range want {
				g := got[i]
				assert.Equal(t, w.name, g.Function, "row %d", i)
				assert.Equal(t, w.flat, g.Delta, "flat delta of %s", w.name)
				assert.Equal(t, w.cum, g.CumDelta, "cum delta of %s", w.name)
				assert.Equal(t, g.Current-g.Baseline, g.Delta)
				assertPct(t, w.flatPct, g.DeltaPct, "delta% of "+w.name)
				assertPct(t, w.cumPct, g.CumDeltaPct, "cum delta% of "+w.name)
			}
			tree, err := BuildDiffTree(readProfile(t, basePath), readProfile(t, curPath), idx, 0)
			require.NoError(t, err)
			assert.Equal(t, Total(readProfile(t, basePath), idx), tree.Nodes[0].Value, "diff root left = baseline total")
			assert.Equal(t, Total(readProfile(t, curPath), idx), tree.Nodes[0].ValueRight, "diff root right = current total")
		})
	}
}

func TestTopDiffEqualsPprofDiffBase(t *testing.T) {
	checkDiffAgainstPprof(t, "testdata/heap-1.pb.gz", "testdata/heap-2.pb.gz")
}

func TestDeltaEqualsPprofBase(t *testing.T) {
	base, cur := "testdata/heap-1.pb.gz", "testdata/heap-2.pb.gz"
	d, err := Delta(readProfile(t, base), readProfile(t, cur))
	require.NoError(t, err)
	for idx, st := range d.SampleType {
		want := runPprofTop(t, st.Unit, "-sample_index="+st.Type, "-base="+base, cur)
		got, err := Top(d, idx)
		require.NoError(t, err)
		require.Len(t, got, len(want), st.Type)
		for i, w := range want {
			assert.Equal(t, w.name, got[i].Function)
			assert.Equal(t, w.flat, got[i].Flat, "%s flat of %s", st.Type, w.name)
			assert.Equal(t, w.cum, got[i].Cum, "%s cum of %s", st.Type, w.name)
		}
	}
}

func TestFilterEqualsPprofFocusIgnore(t *testing.T) {
	path := "testdata/heap-2.pb.gz"
	for _, c := range []struct{ focus, ignore string }{
		{focus: `main\.`},
		{ignore: `runtime/pprof`},
		{focus: `leaker`, ignore: `Registry`},
	} {
		p := readProfile(t, path)
		idx, err := p.SampleIndexByName("alloc_space")
		require.NoError(t, err)
		total := AbsTotal(p, idx)
		res, err := Filter(p, c.focus, c.ignore)
		require.NoError(t, err)
		assert.True(t, res.FocusMatched)
		assert.True(t, res.IgnoreMatched)
		args := []string{"-sample_index=alloc_space"}
		if c.focus != "" {
			args = append(args, "-focus="+c.focus)
		}
		if c.ignore != "" {
			args = append(args, "-ignore="+c.ignore)
		}
		want := runPprofTop(t, "bytes", append(args, path)...)
		got, err := Top(p, idx)
		require.NoError(t, err)
		RelativeTo(got, total)
		require.Len(t, got, len(want), "focus %q ignore %q", c.focus, c.ignore)
		for i, w := range want {
			assert.Equal(t, w.name, got[i].Function)
			assert.Equal(t, w.flat, got[i].Flat)
			assert.Equal(t, w.cum, got[i].Cum)
			assertPct(t, w.flatPct, got[i].FlatPct, w.name)
		}
	}
}

func TestMergeEqualsPprofOnSeveralCPUProfiles(t *testing.T) {
	a, b := "testdata/cpu-1.pb.gz", "testdata/cpu-2.pb.gz"
	merged, err := Merge([]*profile.Profile{readProfile(t, a), readProfile(t, b)})
	require.NoError(t, err)
	idx, err := merged.SampleIndexByName("cpu")
	require.NoError(t, err)
	want := runPprofTop(t, "nanoseconds", "-sample_index=cpu", a, b)
	got, err := Top(merged, idx)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i, w := range want {
		assert.Equal(t, w.name, got[i].Function)
		assert.Equal(t, w.flat, got[i].Flat, w.name)
		assert.Equal(t, w.cum, got[i].Cum, w.name)
	}
	tree, err := BuildTree(merged, idx, 0)
	require.NoError(t, err)
	assert.Equal(t, Total(readProfile(t, a), idx)+Total(readProfile(t, b), idx), tree.Nodes[0].Value)
}
