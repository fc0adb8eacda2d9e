package suspects

import (
	"time"

	"github.com/google/pprof/profile"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// at is the time of the i-th one-a-minute snapshot.
func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

// site is one sample of a synthetic heap profile: a stack (leaf first, each entry one
// location's lines, innermost first) and the alloc_objects, alloc_space, inuse_objects,
// inuse_space values.
type site struct {
	stack [][]string
	vals  [4]int64
}

// fn is a one-frame site.
func fn(name string, allocObjects, allocSpace, inuseObjects, inuseSpace int64) site {
	return site{stack: [][]string{{name}}, vals: [4]int64{allocObjects, allocSpace, inuseObjects, inuseSpace}}
}

// heapProfile builds a heap profile the way the runtime writes one, with fresh pointers
// every time like a profile decoded from the store.
func heapProfile(buildID string, sites ...site) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"},
		},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
		Period:     512 * 1024,
	}
	m := &profile.Mapping{ID: 1, File: "/app", BuildID: buildID, HasFunctions: true}
	p.Mapping = []*profile.Mapping{m}
	funcs := map[string]*profile.Function{}
	for _, s := range sites {
		var locs []*profile.Location
		for _, lines := range s.stack {
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: uint64(0x1000 + len(p.Location))}
			for _, name := range lines {
				f := funcs[name]
				if f == nil {
					f = &profile.Function{ID: uint64(len(p.Function) + 1), Name: name, SystemName: name, Filename: "app.go"}
					funcs[name] = f
					p.Function = append(p.Function, f)
				}
				loc.Line = append(loc.Line, profile.Line{Function: f, Line: 1})
			}
			p.Location = append(p.Location, loc)
			locs = append(locs, loc)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: s.vals[:]})
	}
	return p
}

// snapshots yields ps at one-minute steps from t0.
func snapshots(ps []*profile.Profile) func(func(time.Time, *profile.Profile) bool) {
	return func(yield func(time.Time, *profile.Profile) bool) {
		for i, p := range ps {
			if !yield(at(i), p) {
				return
			}
		}
	}
}

// find returns the suspect with the given key, or nil.
func find(res *Result, key string) *Suspect {
	for i := range res.Suspects {
		if res.Suspects[i].Key == key {
			return &res.Suspects[i]
		}
	}
	return nil
}
