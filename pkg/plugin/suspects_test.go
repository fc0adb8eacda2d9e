package plugin

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/dataplane/sdata/timeseries"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/snapshots"
)

const mib = 1 << 20

// suspectSnapshots is an in-memory snapshots.Reader holding encoded profiles, so that every
// Profile call decodes a fresh copy as a real store would.
type suspectSnapshots struct {
	stored map[snapshots.Key][]byte
	// gone are keys that List still returns but retention removed before Profile.
	gone       map[snapshots.Key]bool
	listErr    error
	profileErr error
	// delay, when set, slows each Profile call, which the test may use to count reads in flight.
	delay func(snapshots.Key) time.Duration
}

func newSuspectSnapshots() *suspectSnapshots {
	return &suspectSnapshots{stored: map[snapshots.Key][]byte{}, gone: map[snapshots.Key]bool{}}
}

func (f *suspectSnapshots) put(t *testing.T, target string, at time.Time, p *profile.Profile) snapshots.Key {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, p.Write(&buf))
	k := snapshots.Key{Target: target, Kind: string(models.ProfileHeap), Time: at}
	f.stored[k] = buf.Bytes()
	return k
}

func (f *suspectSnapshots) List(_ context.Context, target, kind string, from, to time.Time) ([]snapshots.Meta, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []snapshots.Meta
	for k, raw := range f.stored {
		if k.Target == target && k.Kind == kind && !k.Time.Before(from) && !k.Time.After(to) {
			out = append(out, snapshots.Meta{Key: k, RawBytes: int64(len(raw))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func (f *suspectSnapshots) Nearest(ctx context.Context, target, kind string, at time.Time) (snapshots.Meta, error) {
	ms, err := f.List(ctx, target, kind, time.Time{}, at)
	if err != nil || len(ms) == 0 {
		return snapshots.Meta{}, errors.Join(err, snapshots.ErrNotFound)
	}
	return ms[len(ms)-1], nil
}

func (f *suspectSnapshots) Profile(_ context.Context, key snapshots.Key) (*profile.Profile, error) {
	if f.delay != nil {
		time.Sleep(f.delay(key))
	}
	if f.profileErr != nil {
		return nil, f.profileErr
	}
	raw, ok := f.stored[key]
	if !ok || f.gone[key] {
		return nil, snapshots.ErrNotFound
	}
	return profile.ParseData(raw)
}

func (f *suspectSnapshots) Blob(context.Context, snapshots.Key) ([]byte, error) {
	return nil, snapshots.ErrNotFound
}

// heapSnapshot builds a heap profile with one single-frame sample per function; vals are
// alloc_objects, alloc_space, inuse_objects, inuse_space.
func heapSnapshot(at time.Time, buildID string, sites map[string][4]int64) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"},
		},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"}, Period: 512 * 1024,
		TimeNanos: at.UnixNano(),
	}
	m := &profile.Mapping{ID: 1, File: "/app", BuildID: buildID, HasFunctions: true}
	p.Mapping = []*profile.Mapping{m}
	names := make([]string, 0, len(sites))
	for n := range sites {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		f := &profile.Function{ID: uint64(i + 1), Name: n, SystemName: n, Filename: "main.go"}
		loc := &profile.Location{ID: uint64(i + 1), Mapping: m, Address: uint64(0x1000 + i), Line: []profile.Line{{Function: f, Line: 10}}}
		p.Function = append(p.Function, f)
		p.Location = append(p.Location, loc)
		v := sites[n]
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{loc}, Value: v[:]})
	}
	return p
}

// snapAt is the i-th one-a-minute snapshot time.
func snapAt(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

// seededSuspects stores six snapshots of api (a leak, churn and a constant site) and two of db.
func seededSuspects(t *testing.T) (*suspectsQuerier, *suspectSnapshots) {
	t.Helper()
	f := newSuspectSnapshots()
	churnInuse := []int64{8192, 4096, 12288, 4096, 8192, 4096}
	for i := range 6 {
		leak := int64(i+1) * mib
		f.put(t, "api", snapAt(i), heapSnapshot(snapAt(i), "b1", map[string][4]int64{
			"main.leakIntoRegistry": {int64(i+1) * 20, leak, int64(i+1) * 20, leak},
			"main.churnAllocate":    {int64(i+1) * 25600, int64(i+1) * 100 * mib, churnInuse[i] / 4096, churnInuse[i]},
			"main.init":             {4, 2 * mib, 4, 2 * mib},
		}))
	}
	for i := range 2 {
		f.put(t, "db", snapAt(i), heapSnapshot(snapAt(i), "b2", map[string][4]int64{"main.cache": {1, mib, 1, mib}}))
	}
	return &suspectsQuerier{snapshots: f, targets: testTargets, heapInterval: time.Minute}, f
}

func suspectsQuery(q map[string]any) backend.DataQuery {
	j, _ := json.Marshal(q)
	return backend.DataQuery{
		RefID: "A", QueryType: string(models.QueryTypeSuspects), JSON: j, MaxDataPoints: 100, Interval: time.Minute,
		TimeRange: backend.TimeRange{From: t0, To: t0.Add(time.Hour)},
	}
}

func runSuspects(t *testing.T, s *suspectsQuerier, dq backend.DataQuery) backend.DataResponse {
	t.Helper()
	q, err := models.ParseSuspectsQuery(dq.JSON)
	require.NoError(t, err)
	return s.query(context.Background(), q, dq)
}

func TestSuspectsTableGolden(t *testing.T) {
	s, _ := seededSuspects(t)
	dr := runSuspects(t, s, suspectsQuery(map[string]any{"queryType": "suspects", "target": "api"}))
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "suspects_table", &dr, *update)

	f := dr.Frames[0]
	fn, _ := f.FieldByName("function")
	assert.Equal(t, "main.leakIntoRegistry", fn.At(0), "the leak ranks first")
	assert.Empty(t, f.Meta.Notices)
}

func TestSuspectsSeriesGolden(t *testing.T) {
	s, _ := seededSuspects(t)
	dr := runSuspects(t, s, suspectsQuery(map[string]any{"queryType": "suspects", "output": "series", "topN": 2}))
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "suspects_series", &dr, *update)

	rd, err := timeseries.CollectionReaderFromFrames(dr.Frames)
	require.NoError(t, err)
	c, err := rd.GetCollection(true)
	require.NoError(t, err, "the series must be readable by alerting, one instance per label set")
	require.Len(t, c.Refs, 2, "topN")
	assert.Equal(t, data.Labels{"target": "api", "function": "main.leakIntoRegistry"}, c.Refs[0].GetLabels(),
		"an empty target means the first one")
}

func TestSuspectsByStackSeriesCarryTheStack(t *testing.T) {
	s, _ := seededSuspects(t)
	dr := runSuspects(t, s, suspectsQuery(map[string]any{"target": "api", "by": "stack", "output": "series", "topN": 1}))
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1)
	assert.Equal(t, "main.leakIntoRegistry", dr.Frames[0].Fields[1].Labels["stack"])
}

func TestSuspectsUseOnlyTheQueryRange(t *testing.T) {
	s, _ := seededSuspects(t)
	dq := suspectsQuery(map[string]any{"target": "api", "output": "series", "topN": 1})
	dq.TimeRange = backend.TimeRange{From: snapAt(3), To: snapAt(5)}
	dr := runSuspects(t, s, dq)
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1)
	require.Equal(t, 3, dr.Frames[0].Rows())
	assert.Equal(t, snapAt(3), dr.Frames[0].Fields[0].At(0))
}

func TestSuspectsFewSnapshotsGetANotice(t *testing.T) {
	s, _ := seededSuspects(t)
	dr := runSuspects(t, s, suspectsQuery(map[string]any{"target": "db"}))
	require.NoError(t, dr.Error)
	experimental.CheckGoldenJSONResponse(t, "testdata", "suspects_few_snapshots", &dr, *update)
	require.Len(t, dr.Frames[0].Meta.Notices, 1)
	assert.Contains(t, dr.Frames[0].Meta.Notices[0].Text, "need at least 3 heap snapshots; the collector takes one every 60 s")
	assert.Contains(t, dr.Frames[0].Meta.Notices[0].Text, `target "db" has 2 in this range`)

	s.heapInterval = 0
	dr = runSuspects(t, s, suspectsQuery(map[string]any{"target": "idle", "output": "series"}))
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1, "the typed no-data frame carries the notice")
	assert.Contains(t, dr.Frames[0].Meta.Notices[0].Text, "heap profile collection is switched off")
	assert.Equal(t, "5 min", every(5*time.Minute))
}

func TestSuspectsRestartGetsANotice(t *testing.T) {
	f := newSuspectSnapshots()
	for i := range 6 {
		j := int64(i%3 + 1)
		f.put(t, "api", snapAt(i), heapSnapshot(snapAt(i), "b1", map[string][4]int64{"main.leak": {j, j * mib, j, j * mib}}))
	}
	s := &suspectsQuerier{snapshots: f, targets: testTargets, heapInterval: time.Minute}
	dr := runSuspects(t, s, suspectsQuery(map[string]any{}))
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames[0].Meta.Notices, 1)
	assert.Equal(t, `target "api" restarted at 2026-11-01T12:03:00Z (cumulative alloc_objects fell from 3 to 1): steps, slopes and growth are computed within each process`,
		dr.Frames[0].Meta.Notices[0].Text)
	mono, _ := dr.Frames[0].FieldByName("monotonicity")
	assert.Equal(t, 1.0, mono.At(0), "the drop at the restart is no step down")
}

func TestSuspectsSkipSnapshotsRemovedWhileReading(t *testing.T) {
	s, f := seededSuspects(t)
	f.gone[snapshots.Key{Target: "api", Kind: "heap", Time: snapAt(2)}] = true
	dr := runSuspects(t, s, suspectsQuery(map[string]any{"output": "series", "topN": 1}))
	require.NoError(t, dr.Error)
	assert.Equal(t, 5, dr.Frames[0].Rows())
}

func TestSuspectsErrorsArePerQuery(t *testing.T) {
	for name, tc := range map[string]struct {
		prepare func(s *suspectsQuerier, f *suspectSnapshots)
		q       map[string]any
		status  backend.Status
		want    string
	}{
		"unknown target": {nil, map[string]any{"target": "payments"}, backend.StatusBadRequest,
			`unknown target "payments": it is not configured in this data source`},
		"template variable": {nil, map[string]any{"target": "$target"}, backend.StatusBadRequest, "template variable"},
		"several targets":   {nil, map[string]any{"target": "/api|db/"}, backend.StatusBadRequest, `target "/api|db/" selects 2 targets; a suspects query ranks one`},
		"no targets": {func(s *suspectsQuerier, _ *suspectSnapshots) { s.targets = nil }, map[string]any{}, backend.StatusBadRequest,
			"no targets are configured"},
		"no snapshot storage": {func(s *suspectsQuerier, _ *suspectSnapshots) { s.snapshots = nil }, map[string]any{}, backend.StatusNotImplemented,
			"this data source instance has no snapshot storage"},
		"list fails": {func(_ *suspectsQuerier, f *suspectSnapshots) { f.listErr = errors.New("disk on fire") }, map[string]any{}, backend.StatusInternal,
			`listing the heap snapshots of target "api": disk on fire`},
		"read fails": {func(_ *suspectsQuerier, f *suspectSnapshots) { f.profileErr = errors.New("checksum mismatch") }, map[string]any{}, backend.StatusInternal,
			`reading the heap snapshot of target "api" at 2026-11-01T12:00:00Z: checksum mismatch`},
		"sample types differ": {func(_ *suspectsQuerier, f *suspectSnapshots) {
			p := heapSnapshot(snapAt(3), "b1", map[string][4]int64{"main.a": {1, 1, 1, 1}})
			p.SampleType[3].Unit = "kilobytes"
			f.put(t, "api", snapAt(3), p)
		}, map[string]any{}, backend.StatusBadGateway,
			`target "api": sample types of the heap snapshot at 2026-11-01T12:03:00.000Z [alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/kilobytes] differ from those of the snapshot at 2026-11-01T12:00:00.000Z`},
	} {
		t.Run(name, func(t *testing.T) {
			s, f := seededSuspects(t)
			if tc.prepare != nil {
				tc.prepare(s, f)
			}
			dr := runSuspects(t, s, suspectsQuery(tc.q))
			require.Error(t, dr.Error)
			assert.Contains(t, dr.Error.Error(), tc.want)
			assert.Equal(t, tc.status, dr.Status)
		})
	}
}

func TestHandleSuspectsIsRoutedAndRejectsBadQueriesAlone(t *testing.T) {
	d := &Datasource{settings: &models.PluginSettings{Targets: testTargets}}
	d.mux = d.newQueryMux()
	good := suspectsQuery(map[string]any{})
	bad := suspectsQuery(map[string]any{"by": "line"})
	bad.RefID = "B"
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{good, bad}})
	require.NoError(t, err)
	require.Error(t, resp.Responses["A"].Error)
	assert.Contains(t, resp.Responses["A"].Error.Error(), "no snapshot storage", "an instance without a snapshot store says so")
	require.Error(t, resp.Responses["B"].Error)
	assert.Contains(t, resp.Responses["B"].Error.Error(), `by "line"`)
	assert.Equal(t, backend.StatusBadRequest, resp.Responses["B"].Status)
}

func TestReadInOrderKeepsListOrderWithBoundedReads(t *testing.T) {
	f := newSuspectSnapshots()
	for i := range 12 {
		f.put(t, "api", snapAt(i), heapSnapshot(snapAt(i), "b1", map[string][4]int64{"main.a": {1, 1, 1, 1}}))
	}
	metas, err := f.List(context.Background(), "api", "heap", t0, snapAt(11))
	require.NoError(t, err)
	var inFlight, most atomic.Int32
	var mu sync.Mutex
	f.delay = func(k snapshots.Key) time.Duration {
		n := inFlight.Add(1)
		mu.Lock()
		most.Store(max(most.Load(), n))
		mu.Unlock()
		// The earlier the snapshot, the slower its read: later ones finish first.
		return time.Duration(12-k.Time.Sub(t0)/time.Minute) * 3 * time.Millisecond
	}
	var got []time.Time
	err = readInOrder(context.Background(), f, metas, 3, func(m snapshots.Meta, p *profile.Profile, err error) error {
		inFlight.Add(-1)
		require.NoError(t, err)
		assert.Equal(t, m.Time.UnixNano(), p.TimeNanos, "each profile goes with its own snapshot")
		got = append(got, m.Time)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, got, 12)
	assert.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Before(got[j]) }), "handed over in List order")
	assert.LessOrEqual(t, most.Load(), int32(3+1), "reads in flight are bounded by the workers")
	assert.Greater(t, most.Load(), int32(1), "reads overlap")
}

func TestReadInOrderStopsAtTheFirstError(t *testing.T) {
	f := newSuspectSnapshots()
	for i := range 50 {
		f.put(t, "api", snapAt(i), heapSnapshot(snapAt(i), "b1", map[string][4]int64{"main.a": {1, 1, 1, 1}}))
	}
	metas, err := f.List(context.Background(), "api", "heap", t0, snapAt(49))
	require.NoError(t, err)
	var reads atomic.Int32
	f.delay = func(snapshots.Key) time.Duration { reads.Add(1); return time.Millisecond }
	stop := errors.New("stop")
	calls := 0
	err = readInOrder(context.Background(), f, metas, 2, func(snapshots.Meta, *profile.Profile, error) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, 3, calls)
	time.Sleep(20 * time.Millisecond)
	assert.Less(t, reads.Load(), int32(10), "no more snapshots are read once the ranking failed")
}

// BenchmarkSuspectsQuery24h answers a suspects query over a day of one-a-minute heap
// snapshots from a store that decodes every profile it returns, reading one snapshot at a
// time (sequential, the baseline) and with GOMAXPROCS reads in flight (concurrent). The
// snapshots are a real 4091-sample heap profile with one site leaking 64 KiB a minute.
func BenchmarkSuspectsQuery24h(b *testing.B) {
	// The benchmark fixture of the suspects package, shared rather than copied.
	raw, err := os.ReadFile("../suspects/testdata/compile-heap.pb.gz")
	require.NoError(b, err)
	base, err := profile.ParseData(raw)
	require.NoError(b, err)
	leak := 0
	for i, s := range base.Sample {
		if s.Value[3] > base.Sample[leak].Value[3] {
			leak = i
		}
	}
	f := newSuspectSnapshots()
	p := base.Copy()
	var buf bytes.Buffer
	for i := range 24 * 60 {
		for j, s := range p.Sample {
			bv := base.Sample[j].Value
			s.Value[0], s.Value[1] = bv[0]+int64(i)*(bv[0]/100+1), bv[1]+int64(i)*(bv[1]/100+1)+int64(i)*64<<10
			if j == leak {
				s.Value[3] = bv[3] + int64(i)*64<<10
			}
		}
		buf.Reset()
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		require.NoError(b, p.WriteUncompressed(zw))
		require.NoError(b, zw.Close())
		f.stored[snapshots.Key{Target: "api", Kind: "heap", Time: snapAt(i)}] = bytes.Clone(buf.Bytes())
	}
	leakFunc := base.Sample[leak].Location[0].Line[0].Function.Name
	dq := suspectsQuery(map[string]any{"target": "api"})
	dq.TimeRange = backend.TimeRange{From: t0, To: snapAt(24 * 60)}
	q, err := models.ParseSuspectsQuery(dq.JSON)
	require.NoError(b, err)
	// The same day in the real snapshot store, which rebuilds each profile from its shared
	// tables: what a production query reads.
	db, err := snapshots.Open(b.TempDir(), snapshots.Options{MaintenanceInterval: -1})
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	for key, gz := range f.stored {
		sp, err := profile.ParseData(gz)
		require.NoError(b, err)
		require.NoError(b, db.PutProfile(context.Background(), key, sp, int64(len(gz))))
	}
	stores := map[string]struct {
		store   snapshots.Reader
		workers int
	}{"sequential": {f, 1}, "concurrent": {f, 0}, "snapshot-store": {db, 0}}
	for name, st := range stores {
		b.Run(name, func(b *testing.B) {
			s := &suspectsQuerier{snapshots: st.store, targets: testTargets, heapInterval: time.Minute, workers: st.workers}
			b.ReportAllocs()
			for b.Loop() {
				dr := s.query(context.Background(), q, dq)
				require.NoError(b, dr.Error)
				fn, _ := dr.Frames[0].FieldByName("function")
				require.Equal(b, leakFunc, fn.At(0))
			}
		})
	}
}
