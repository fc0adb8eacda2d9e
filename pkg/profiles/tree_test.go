package profiles

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// synthProfile builds a profile with one sample type from stacks given root first; a stack
// entry "a+b" is one location in which a inlined b (b is the innermost frame).
func synthProfile(t *testing.T, stacks map[string]int64) *profile.Profile {
	t.Helper()
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}}}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	fn := func(name string) *profile.Function {
		if f, ok := funcs[name]; ok {
			return f
		}
		f := &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: name}
		funcs[name] = f
		p.Function = append(p.Function, f)
		return f
	}
	loc := func(frame string) *profile.Location {
		if l, ok := locs[frame]; ok {
			return l
		}
		l := &profile.Location{ID: uint64(len(locs) + 1)}
		var names []string
		for _, n := range splitPlus(frame) {
			names = append([]string{n}, names...)
		}
		for _, n := range names {
			l.Line = append(l.Line, profile.Line{Function: fn(n)})
		}
		locs[frame] = l
		p.Location = append(p.Location, l)
		return l
	}
	for stack, v := range stacks {
		frames := splitSpace(stack)
		s := &profile.Sample{Value: []int64{v}}
		for i := len(frames) - 1; i >= 0; i-- {
			s.Location = append(s.Location, loc(frames[i]))
		}
		p.Sample = append(p.Sample, s)
	}
	require.NoError(t, p.CheckValid())
	return p
}

func splitSpace(s string) []string { return splitOn(s, ' ') }
func splitPlus(s string) []string  { return splitOn(s, '+') }
func splitOn(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// rows renders a tree as "level label value self" lines for readable assertions.
func rows(tr *Tree) []string {
	out := make([]string, len(tr.Nodes))
	for i, n := range tr.Nodes {
		out[i] = fmt.Sprintf("%d %s %d %d", n.Level, tr.Names[n.Name], n.Value, n.Self)
		if tr.Diff {
			out[i] += fmt.Sprintf(" | %d %d", n.ValueRight, n.SelfRight)
		}
	}
	return out
}

func TestBuildTreeExpandsInlinedFramesAndSortsSiblings(t *testing.T) {
	p := synthProfile(t, map[string]int64{
		"main.main main.run+main.inner":                   30, // main.inner inlined into main.run
		"main.main main.run":                              5,
		"main.main main.alloc":                            10,
		"main.main main.run+main.inner main.rec main.rec": 7, // recursion makes a deeper node
	})
	tr, err := BuildTree(p, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"0 total 52 0",
		"1 main.main 52 0",
		"2 main.alloc 10 10",
		"2 main.run 42 5",
		"3 main.inner 37 30",
		"4 main.rec 7 0",
		"5 main.rec 7 7",
	}, rows(tr))
	assert.Equal(t, 0, tr.Folded)
}

func TestBuildTreeFoldsPrunedNodesIntoOtherKeepingTotals(t *testing.T) {
	stacks := map[string]int64{}
	for i := range 50 {
		stacks[fmt.Sprintf("main.main worker%02d leaf%02d", i, i)] = int64(i + 1)
	}
	p := synthProfile(t, stacks)
	for _, maxNodes := range []int{2, 3, 5, 10, 40, 99, 101, 1000} {
		tr, err := BuildTree(p, 0, maxNodes)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(tr.Nodes), maxNodes, "maxNodes %d", maxNodes)
		assert.Equal(t, Total(p, 0), tr.Nodes[0].Value)
		checkNestedSet(t, tr)
		full := 1 + 1 + 50*2
		if maxNodes >= full {
			assert.Equal(t, full, len(tr.Nodes))
			assert.Zero(t, tr.Folded)
		} else {
			assert.Positive(t, tr.Folded)
			assert.Contains(t, tr.Names, OtherLabel)
		}
	}
	// The heaviest workers survive the cut; their lighter siblings are in "other".
	tr, err := BuildTree(p, 0, 10)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"0 total 1275 0",
		"1 main.main 1275 0",
		"2 worker47 48 0",
		"3 leaf47 48 48",
		"2 worker48 49 0",
		"3 leaf48 49 49",
		"2 worker49 50 0",
		"3 leaf49 50 50",
		"2 other 1128 1128",
	}, rows(tr))
	last := tr.Nodes[len(tr.Nodes)-1]
	assert.Equal(t, OtherLabel, tr.Names[last.Name])
	assert.Equal(t, int32(2), last.Level)
	assert.Equal(t, last.Value, last.Self)
}

// checkNestedSet verifies the nested-set invariants Grafana's flame graph relies on: one root
// at level 0, each level at most one deeper than the previous row, and every node's value the
// sum of its self and its children's values.
func checkNestedSet(t *testing.T, tr *Tree) {
	t.Helper()
	require.NotEmpty(t, tr.Nodes)
	assert.Equal(t, int32(0), tr.Nodes[0].Level)
	assert.Equal(t, RootLabel, tr.Names[tr.Nodes[0].Name])
	for i := range tr.Nodes {
		n := tr.Nodes[i]
		if i > 0 {
			assert.Positive(t, n.Level, "only row 0 is a root")
			assert.LessOrEqual(t, n.Level, tr.Nodes[i-1].Level+1)
		}
		sum, sumR := n.Self, n.SelfRight
		for j := i + 1; j < len(tr.Nodes) && tr.Nodes[j].Level > n.Level; j++ {
			if tr.Nodes[j].Level == n.Level+1 {
				sum += tr.Nodes[j].Value
				sumR += tr.Nodes[j].ValueRight
			}
		}
		assert.Equal(t, n.Value, sum, "row %d: value = self + children", i)
		assert.Equal(t, n.ValueRight, sumR, "row %d: valueRight = selfRight + children", i)
	}
}

func TestBuildTreeOnCapturedProfilesIsANestedSet(t *testing.T) {
	for _, f := range []string{"testdata/heap-2.pb.gz", "testdata/goroutine.pb.gz", "testdata/allocs.pb.gz"} {
		p := readProfile(t, f)
		for idx := range p.SampleType {
			for _, maxNodes := range []int{0, 20} {
				tr, err := BuildTree(p, idx, maxNodes)
				require.NoError(t, err)
				checkNestedSet(t, tr)
				assert.Equal(t, Total(p, idx), tr.Nodes[0].Value, "%s %d", f, idx)
			}
		}
	}
}

func TestBuildTreeOfEmptyProfileIsARoot(t *testing.T) {
	p := readProfile(t, "testdata/block.pb.gz")
	require.Empty(t, p.Sample)
	tr, err := BuildTree(p, 1, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"0 total 0 0"}, rows(tr))
	assert.Equal(t, "delay", tr.SampleType)
	assert.Equal(t, "nanoseconds", tr.Unit)
}

func TestBuildTreeRejectsBadSampleIndex(t *testing.T) {
	p := readProfile(t, "testdata/heap-2.pb.gz")
	_, err := BuildTree(p, 4, 0)
	assert.ErrorContains(t, err, "sample index 4 is out of range")
}

func TestBuildDiffTreeCarriesBothSides(t *testing.T) {
	base := synthProfile(t, map[string]int64{"main.main main.a": 10, "main.main main.b": 5})
	cur := synthProfile(t, map[string]int64{"main.main main.a": 4, "main.main main.c": 20})
	tr, err := BuildDiffTree(base, cur, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"0 total 15 0 | 24 0",
		"1 main.main 15 0 | 24 0",
		"2 main.a 10 10 | 4 4",
		"2 main.b 5 5 | 0 0",
		"2 main.c 0 0 | 20 20",
	}, rows(tr))
	checkNestedSet(t, tr)
	pruned, err := BuildDiffTree(base, cur, 0, 4)
	require.NoError(t, err)
	checkNestedSet(t, pruned)
	assert.Equal(t, []string{
		"0 total 15 0 | 24 0",
		"1 main.main 15 0 | 24 0",
		"2 main.c 0 0 | 20 20",
		"2 other 15 15 | 4 4",
	}, rows(pruned))
}

func TestDiffOfIncompatibleProfilesIsAClearError(t *testing.T) {
	heap := readProfile(t, "testdata/heap-2.pb.gz")
	gr := readProfile(t, "testdata/goroutine.pb.gz")
	_, err := BuildDiffTree(heap, gr, 0, 0)
	require.ErrorIs(t, err, ErrIncompatible)
	assert.Contains(t, err.Error(), "alloc_objects/count")
	assert.Contains(t, err.Error(), "goroutine/count")
	_, err = TopDiff(heap, gr, 0)
	require.ErrorIs(t, err, ErrIncompatible)
	_, err = Delta(gr, heap)
	require.ErrorIs(t, err, ErrIncompatible)
	_, err = Merge([]*profile.Profile{heap, gr})
	require.ErrorIs(t, err, ErrIncompatible)
}

func TestSortStacksOrdersLexicographically(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, names := range []int{3, 1 << 16, 1 << 20} {
		stacks := make([][]int32, 2000)
		for i := range stacks {
			stacks[i] = make([]int32, rng.IntN(7))
			for j := range stacks[i] {
				// Few distinct values force long shared prefixes; the largest rank is names-1.
				if rng.IntN(2) == 0 {
					stacks[i][j] = int32(names - 1)
				} else {
					stacks[i][j] = int32(rng.IntN(3))
				}
			}
		}
		order := sortStacks(len(stacks), names, func(i int32) []int32 { return stacks[i] })
		require.Len(t, order, len(stacks))
		seen := map[int32]bool{}
		for k, i := range order {
			seen[i] = true
			if k > 0 {
				assert.LessOrEqual(t, slices.Compare(stacks[order[k-1]], stacks[i]), 0, "names %d: %v before %v", names, stacks[order[k-1]], stacks[i])
			}
		}
		assert.Len(t, seen, len(stacks))
	}
}
