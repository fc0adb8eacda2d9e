package suspects

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mib = 1 << 20

// mixed is n snapshots of a leak (1 MiB more per minute, all of it retained), a random walk,
// churn (huge allocation, tiny in-use) and a constant site.
func mixed(n int) []*profile.Profile {
	rng := rand.New(rand.NewPCG(1, 2))
	var ps []*profile.Profile
	walk := int64(5 * mib)
	var churnAlloc int64
	for i := range n {
		walk += rng.Int64N(400<<10) - 200<<10
		churnAlloc += 100 * mib
		churnInuse := rng.Int64N(64 << 10)
		ps = append(ps, heapProfile("b1",
			fn("main.leak", int64(i+1)*16, int64(i+1)*mib, int64(i+1)*16, int64(i+1)*mib),
			fn("main.walk", 1000+int64(i)*10, 50*mib+int64(i)*mib, walk/1024, walk),
			fn("main.churn", churnAlloc/4096, churnAlloc, churnInuse/4096, churnInuse),
			fn("main.static", 10, 10*mib, 10, 10*mib),
		))
	}
	return ps
}

func TestRankPutsTheLeakFirst(t *testing.T) {
	res, err := Rank(context.Background(), snapshots(mixed(30)), Options{})
	require.NoError(t, err)
	require.Equal(t, 30, res.Snapshots)
	assert.Equal(t, at(0), res.From)
	assert.Equal(t, at(29), res.To)
	assert.Equal(t, 4, res.Keys)
	require.Len(t, res.Suspects, 4)

	leak := res.Suspects[0]
	assert.Equal(t, "main.leak", leak.Key)
	assert.Equal(t, 1, leak.Rank)
	assert.InDelta(t, 60*mib, leak.SpaceSlope, 1, "1 MiB a minute")
	assert.InDelta(t, 16*60, leak.ObjectsSlope, 1e-6)
	assert.Equal(t, 1.0, leak.Monotonicity)
	assert.Equal(t, 29, leak.Up)
	assert.Equal(t, 0, leak.Down)
	assert.InDelta(t, leak.SpaceSlope, leak.Score, 1e-6, "a site that only grows keeps its whole slope")
	assert.Equal(t, int64(29*mib), leak.Growth)
	assert.Equal(t, 1.0, leak.Retention)
	assert.Equal(t, at(0), leak.FirstSeen)
	assert.Equal(t, int64(30*mib), leak.InuseSpace)
	assert.Equal(t, int64(30*16), leak.InuseObjects)
	require.Len(t, leak.Series, 30)
	assert.Equal(t, float64(mib), leak.Series[0].V)
	assert.Equal(t, at(29).UnixMilli(), leak.Series[29].T)

	static := find(res, "main.static")
	require.NotNil(t, static)
	assert.Zero(t, static.Score)
	assert.Zero(t, static.SpaceSlope)
	assert.Zero(t, static.Monotonicity, "a site that never changed has no direction")
	assert.Equal(t, 29, static.Flat)
	assert.Equal(t, 1.0, static.Retention)

	churn := find(res, "main.churn")
	require.NotNil(t, churn)
	assert.Less(t, churn.Retention, 0.001)
	assert.Less(t, churn.Score, leak.Score/100)

	var shares float64
	for _, s := range res.Suspects {
		if s.Growth > 0 {
			shares += s.GrowthShare
		}
	}
	assert.InDelta(t, 1, shares, 1e-9, "the shares of the sites that grew add up to 1")
	assert.Greater(t, leak.GrowthShare, 0.5)
}

func TestFlatStepsDoNotCountAgainstMonotonicity(t *testing.T) {
	// The heap profile changes only when a GC completes: here every third snapshot.
	var ps []*profile.Profile
	for i := range 30 {
		v := int64(i/3+1) * mib
		ps = append(ps, heapProfile("", fn("main.slow", v/1024, v, v/1024, v)))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	s := res.Suspects[0]
	assert.Equal(t, 9, s.Up)
	assert.Equal(t, 20, s.Flat)
	assert.Equal(t, 1.0, s.Monotonicity)
	assert.Greater(t, s.Score, 0.0)
}

func TestRandomWalkScoresBelowALeakWithAShallowerSlope(t *testing.T) {
	// A saw tooth that rises steeply but falls back every other step versus a steady leak
	// growing a tenth as fast.
	var ps []*profile.Profile
	for i := range 40 {
		saw := int64(10*mib + (i%2)*8*mib + i*2*mib)
		steady := int64(i+1) * 200 << 10
		ps = append(ps, heapProfile("",
			fn("main.saw", int64(i+1)*100, int64(i+1)*100*mib, saw/1024, saw),
			fn("main.steady", int64(i+1), steady, int64(i+1), steady)))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	saw := find(res, "main.saw")
	require.NotNil(t, saw)
	assert.Greater(t, saw.SpaceSlope, 5*find(res, "main.steady").SpaceSlope)
	assert.InDelta(t, 20.0/39, saw.Monotonicity, 1e-9)
	assert.Equal(t, "main.steady", res.Suspects[0].Key)
}

func TestSitesAppearAndDisappear(t *testing.T) {
	var ps []*profile.Profile
	for i := range 10 {
		sites := []site{fn("main.always", 1, mib, 1, mib)}
		if i >= 4 {
			v := int64(i-3) * mib
			sites = append(sites, fn("main.late", int64(i), v, int64(i), v))
		}
		// A site whose memory was freed stays in the profile with its allocations: the
		// runtime never forgets a stack, so a vanished sample would mean a restart.
		if i < 6 {
			sites = append(sites, fn("main.gone", 1, 2*mib, 1, 2*mib))
		} else {
			sites = append(sites, fn("main.gone", 1, 2*mib, 0, 0))
		}
		ps = append(ps, heapProfile("", sites...))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	assert.Empty(t, res.Restarts)

	late := find(res, "main.late")
	require.NotNil(t, late)
	assert.Equal(t, 1, late.Rank)
	assert.Equal(t, at(4), late.FirstSeen)
	assert.Equal(t, 6, late.Up, "appearing is a step up from nothing")
	assert.Equal(t, int64(6*mib), late.Growth)
	assert.Zero(t, late.Series[3].V)

	gone := find(res, "main.gone")
	require.NotNil(t, gone)
	assert.Equal(t, 1, gone.Down)
	assert.Equal(t, int64(-2*mib), gone.Growth)
	assert.Zero(t, gone.InuseSpace)
	assert.Zero(t, gone.Retention, "nothing of what it allocated is retained")
	assert.Zero(t, gone.Series[9].V)
	assert.Zero(t, gone.Score)
}

func TestRestartStartsANewSegment(t *testing.T) {
	// The process restarts at snapshot 10: cumulative allocations start from zero again.
	var ps []*profile.Profile
	for i := range 20 {
		j := i % 10
		v := int64(50*mib + j*mib)
		ps = append(ps, heapProfile("b1",
			fn("main.leak", int64(j+1)*10, v, int64(j+1)*10, v),
			fn("main.init", 5, 4*mib, 5, 4*mib)))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	require.Len(t, res.Restarts, 1)
	assert.Equal(t, at(10), res.Restarts[0].Time)
	assert.Contains(t, res.Restarts[0].Reason, "alloc_objects fell")

	leak := res.Suspects[0]
	assert.Equal(t, "main.leak", leak.Key)
	assert.Equal(t, 18, leak.Up, "9 steps up in each segment")
	assert.Equal(t, 0, leak.Down, "the drop at the restart is no step")
	assert.Equal(t, 1.0, leak.Monotonicity)
	assert.InDelta(t, 60*mib, leak.SpaceSlope, 1, "slopes never span the restart")
	assert.Equal(t, int64(18*mib), leak.Growth, "growth sums the segments")
	assert.Equal(t, at(10), res.Suspects[0].FirstSeen.Add(10*time.Minute))
}

func TestBuildIDChangeIsARestart(t *testing.T) {
	ps := []*profile.Profile{
		heapProfile("old", fn("main.a", 1, mib, 1, mib)),
		heapProfile("old", fn("main.a", 2, 2*mib, 2, 2*mib)),
		heapProfile("new", fn("main.a", 3, 3*mib, 1, mib)),
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	require.Len(t, res.Restarts, 1)
	assert.Contains(t, res.Restarts[0].Reason, "build ID changed from old to new")
	assert.Equal(t, 1, res.Suspects[0].Up)
	assert.Equal(t, 0, res.Suspects[0].Down)
}

func TestByStackSeparatesCallersOfOneFunction(t *testing.T) {
	var ps []*profile.Profile
	for i := range 10 {
		v := int64(i+1) * mib
		ps = append(ps, heapProfile("",
			site{stack: [][]string{{"main.alloc"}, {"main.cache"}, {"main.main"}}, vals: [4]int64{int64(i + 1), v, int64(i + 1), v}},
			site{stack: [][]string{{"main.alloc"}, {"main.handler"}, {"main.main"}}, vals: [4]int64{1, 3 * mib, 1, 3 * mib}},
		))
	}
	byFn, err := Rank(context.Background(), snapshots(ps), Options{By: ByFunction})
	require.NoError(t, err)
	require.Len(t, byFn.Suspects, 1)
	assert.Equal(t, int64(13*mib), byFn.Suspects[0].InuseSpace)
	assert.Nil(t, byFn.Suspects[0].Stack)

	byStack, err := Rank(context.Background(), snapshots(ps), Options{By: ByStack, TopN: 1})
	require.NoError(t, err)
	require.Len(t, byStack.Suspects, 1)
	s := byStack.Suspects[0]
	assert.Equal(t, "main.main;main.cache;main.alloc", s.Key)
	assert.Equal(t, "main.alloc", s.Function)
	assert.Equal(t, []string{"main.main", "main.cache", "main.alloc"}, s.Stack)
	assert.Equal(t, 2, byStack.Keys)
}

func TestInlinedLeafIsTheAllocatingFunction(t *testing.T) {
	// One location whose lines are the inlined callee then its caller, as the runtime writes
	// them: pprof -top attributes flat to the callee.
	var ps []*profile.Profile
	for i := range 5 {
		v := int64(i+1) * mib
		ps = append(ps, heapProfile("", site{stack: [][]string{{"bytes.growSlice", "bytes.(*Buffer).grow"}, {"main.main"}},
			vals: [4]int64{1, v, 1, v}}))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	assert.Equal(t, "bytes.growSlice", res.Suspects[0].Key)
	res, err = Rank(context.Background(), snapshots(ps), Options{By: ByStack})
	require.NoError(t, err)
	assert.Equal(t, "main.main;bytes.(*Buffer).grow;bytes.growSlice", res.Suspects[0].Key)
}

func TestLongRangesKeepBoundedRealPoints(t *testing.T) {
	var ps []*profile.Profile
	for i := range 100 {
		v := int64(i+1) * mib
		ps = append(ps, heapProfile("", fn("main.leak", int64(i+1), v, int64(i+1), v)))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{MaxPoints: 9})
	require.NoError(t, err)
	s := res.Suspects[0]
	assert.LessOrEqual(t, len(s.Series), 8)
	assert.GreaterOrEqual(t, len(s.Series), 4)
	for _, p := range s.Series {
		i := int(time.UnixMilli(p.T).Sub(t0) / time.Minute)
		assert.Equal(t, float64(i+1)*mib, p.V, "each kept point is the value of the snapshot at its time")
	}
	assert.Equal(t, at(99).UnixMilli(), s.Series[len(s.Series)-1].T, "the newest snapshot is always kept")
	assert.InDelta(t, 60*mib, s.SpaceSlope, 1)
	assert.Equal(t, 99, s.Up, "steps are counted on every snapshot, not on the kept points")
}

func TestTopNAndTies(t *testing.T) {
	var ps []*profile.Profile
	for range 5 {
		ps = append(ps, heapProfile("", fn("main.b", 1, mib, 1, mib), fn("main.a", 1, mib, 1, mib), fn("main.big", 1, 9*mib, 1, 9*mib)))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{TopN: 2})
	require.NoError(t, err)
	require.Len(t, res.Suspects, 2)
	assert.Equal(t, "main.big", res.Suspects[0].Key, "without growth, the biggest holder comes first")
	assert.Equal(t, "main.a", res.Suspects[1].Key, "then by name")
	assert.Equal(t, 3, res.Keys)
}

func TestSitesThatNeverHeldMemoryAreNoSuspects(t *testing.T) {
	var ps []*profile.Profile
	for i := range 4 {
		ps = append(ps, heapProfile("", fn("main.tmp", int64(i+1)*100, int64(i+1)*mib, 0, 0), fn("main.keep", 1, mib, 1, mib)))
	}
	res, err := Rank(context.Background(), snapshots(ps), Options{})
	require.NoError(t, err)
	require.Len(t, res.Suspects, 1)
	assert.Equal(t, "main.keep", res.Suspects[0].Key)
}

func TestEmptyRange(t *testing.T) {
	res, err := Rank(context.Background(), snapshots(nil), Options{})
	require.NoError(t, err)
	assert.Zero(t, res.Snapshots)
	assert.Empty(t, res.Suspects)

	res, err = Rank(context.Background(), snapshots([]*profile.Profile{heapProfile(""), heapProfile("")}), Options{})
	require.NoError(t, err, "profiles without samples are valid snapshots of an idle heap")
	assert.Equal(t, 2, res.Snapshots)
	assert.Empty(t, res.Suspects)
}

func TestBadSnapshotsAreRefusedByTime(t *testing.T) {
	good := func() *profile.Profile { return heapProfile("", fn("main.a", 1, mib, 1, mib)) }
	cpu := &profile.Profile{SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}}
	reordered := good()
	reordered.SampleType[0], reordered.SampleType[1] = reordered.SampleType[1], reordered.SampleType[0]
	short := good()
	short.Sample[0].Value = short.Sample[0].Value[:2]

	for name, tc := range map[string]struct {
		add  func(r *Ranker) error
		want string
	}{
		"not a heap profile": {func(r *Ranker) error { return r.Add(at(0), cpu) },
			"heap snapshot at 2026-11-01T12:00:00.000Z has sample types [samples/count cpu/nanoseconds]; a heap profile has alloc_objects, alloc_space, inuse_objects, inuse_space"},
		"sample types differ": {func(r *Ranker) error {
			require.NoError(t, r.Add(at(0), good()))
			return r.Add(at(1), reordered)
		}, "sample types of the heap snapshot at 2026-11-01T12:01:00.000Z [alloc_space/bytes alloc_objects/count inuse_objects/count inuse_space/bytes] differ from those of the snapshot at 2026-11-01T12:00:00.000Z"},
		"out of order": {func(r *Ranker) error {
			require.NoError(t, r.Add(at(1), good()))
			return r.Add(at(0), good())
		}, "heap snapshot at 2026-11-01T12:00:00.000Z is not newer than the previous one at 2026-11-01T12:01:00.000Z"},
		"nil profile":  {func(r *Ranker) error { return r.Add(at(0), nil) }, "heap snapshot at 2026-11-01T12:00:00.000Z: no profile"},
		"short sample": {func(r *Ranker) error { return r.Add(at(0), short) }, "sample 0 does not have one value per sample type"},
		"unit": {func(r *Ranker) error {
			p := good()
			p.SampleType[3].Unit = "kilobytes"
			return r.Add(at(0), p)
		}, `heap snapshot at 2026-11-01T12:00:00.000Z: inuse_space is in "kilobytes", not "bytes"`},
		"nil sample type": {func(r *Ranker) error {
			p := good()
			p.SampleType[0] = nil
			return r.Add(at(0), p)
		}, "has sample types [? alloc_space/bytes inuse_objects/count inuse_space/bytes]"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := NewRanker(Options{})
			require.NoError(t, err)
			before := r.Snapshots()
			err = tc.add(r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.LessOrEqual(t, r.Snapshots()-before, 1, "a refused snapshot is not counted")
		})
	}
}

func TestOptionsAreValidated(t *testing.T) {
	_, err := NewRanker(Options{By: "line"})
	require.ErrorContains(t, err, `rank by "line": want "function" or "stack"`)
	_, err = NewRanker(Options{MaxPoints: 3})
	require.ErrorContains(t, err, "max points 3: need at least 4")
}

func TestRankStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Rank(ctx, snapshots(mixed(3)), Options{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestAddKeepsNoPartOfTheProfile(t *testing.T) {
	r, err := NewRanker(Options{By: ByStack})
	require.NoError(t, err)
	collected := make(chan struct{}, 1)
	func() {
		p := heapProfile("", site{stack: [][]string{{"main.a"}, {"main.main"}}, vals: [4]int64{1, mib, 1, mib}})
		runtime.AddCleanup(p.Location[0], func(ch chan struct{}) { ch <- struct{}{} }, collected)
		require.NoError(t, r.Add(at(0), p))
	}()
	deadline := time.After(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-collected:
			assert.Equal(t, 1, r.Result().Keys)
			return
		case <-deadline:
			t.Fatal("the ranker still references the added profile")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestHandBuiltGapsAreUnknownFrames(t *testing.T) {
	p := heapProfile("", fn("main.a", 1, mib, 1, mib), fn("main.b", 1, mib, 1, mib))
	p.Sample[0].Location = nil
	p.Sample[1].Location[0] = nil
	for _, by := range []By{ByFunction, ByStack} {
		res, err := Rank(context.Background(), snapshots([]*profile.Profile{p}), Options{By: by})
		require.NoError(t, err)
		require.Len(t, res.Suspects, 1)
		assert.Equal(t, "(unknown)", res.Suspects[0].Key)
		assert.Equal(t, int64(2*mib), res.Suspects[0].InuseSpace)
	}
}

func TestLocationsWithoutDenseIDsRankTheSame(t *testing.T) {
	// Decoded profiles number locations 1..n; hand-built ones may use 0 or huge IDs.
	build := func(renumber func(i int) uint64) []*profile.Profile {
		var ps []*profile.Profile
		for i := range 6 {
			v := int64(i+1) * mib
			p := heapProfile("",
				site{stack: [][]string{{"main.alloc"}, {"main.cache"}, {"main.main"}}, vals: [4]int64{int64(i + 1), v, int64(i + 1), v}},
				site{stack: [][]string{{"main.alloc"}, {"main.handler"}, {"main.main"}}, vals: [4]int64{1, mib, 1, mib}})
			for j, l := range p.Location {
				l.ID = renumber(j)
			}
			ps = append(ps, p)
		}
		return ps
	}
	for _, by := range []By{ByFunction, ByStack} {
		want, err := Rank(context.Background(), snapshots(build(func(i int) uint64 { return uint64(i + 1) })), Options{By: by})
		require.NoError(t, err)
		for name, renumber := range map[string]func(int) uint64{
			"zero": func(int) uint64 { return 0 },
			"huge": func(i int) uint64 { return 1<<40 + uint64(i) },
		} {
			got, err := Rank(context.Background(), snapshots(build(renumber)), Options{By: by})
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s IDs, by %s", name, by)
		}
	}
}
