package models

// ProfileType names a pprof profile as the data source stores and queries it. Most equal the
// /debug/pprof/<name> path; "cpu" is /debug/pprof/profile and "allocs" is read from the
// stored heap snapshots, because a target's allocs and heap endpoints write the same data.
type ProfileType string

// The profile types the data source knows.
const (
	ProfileHeap          ProfileType = "heap"
	ProfileAllocs        ProfileType = "allocs"
	ProfileGoroutine     ProfileType = "goroutine"
	ProfileBlock         ProfileType = "block"
	ProfileMutex         ProfileType = "mutex"
	ProfileThreadcreate  ProfileType = "threadcreate"
	ProfileGoroutineLeak ProfileType = "goroutineleak"
	ProfileCPU           ProfileType = "cpu"
)

// ProfileTypeInfo describes one profile type: where it is fetched from, which sample types it
// has and whether its values accumulate over the process lifetime.
type ProfileTypeInfo struct {
	Type ProfileType `json:"type"`
	// StoredAs is the type whose snapshots hold this type's data (allocs → heap).
	StoredAs ProfileType `json:"storedAs"`
	// Path is the endpoint under /debug/pprof/.
	Path string `json:"path"`
	// SampleTypes are the profile's sample types in their protobuf order.
	SampleTypes []string `json:"sampleTypes"`
	// DefaultSampleType is what a query without a sample type reads.
	DefaultSampleType string `json:"defaultSampleType"`
	// Cumulative types (allocs, block, mutex) only grow while the process lives, so a query
	// can ask for their delta over the panel's range; CPU profiles are deltas already.
	Cumulative bool `json:"cumulative"`
	// DefaultInterval is the collection interval when the data source sets none; empty when
	// the type is off unless enabled (CPU) or shares another type's snapshots (allocs).
	DefaultInterval string `json:"defaultInterval,omitempty"`
}

var heapSampleTypes = []string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}

// ProfileTypeInfos lists every profile type, in the order the editor offers them.
var ProfileTypeInfos = []ProfileTypeInfo{
	{Type: ProfileHeap, StoredAs: ProfileHeap, Path: "heap", SampleTypes: heapSampleTypes, DefaultSampleType: "inuse_space", DefaultInterval: "60s"},
	{Type: ProfileAllocs, StoredAs: ProfileHeap, Path: "allocs", SampleTypes: heapSampleTypes, DefaultSampleType: "alloc_space", Cumulative: true},
	{Type: ProfileGoroutine, StoredAs: ProfileGoroutine, Path: "goroutine", SampleTypes: []string{"goroutine"}, DefaultSampleType: "goroutine", DefaultInterval: "5m"},
	{Type: ProfileBlock, StoredAs: ProfileBlock, Path: "block", SampleTypes: []string{"contentions", "delay"}, DefaultSampleType: "delay", Cumulative: true, DefaultInterval: "5m"},
	{Type: ProfileMutex, StoredAs: ProfileMutex, Path: "mutex", SampleTypes: []string{"contentions", "delay"}, DefaultSampleType: "delay", Cumulative: true, DefaultInterval: "5m"},
	{Type: ProfileThreadcreate, StoredAs: ProfileThreadcreate, Path: "threadcreate", SampleTypes: []string{"threadcreate"}, DefaultSampleType: "threadcreate", DefaultInterval: "5m"},
	{Type: ProfileGoroutineLeak, StoredAs: ProfileGoroutineLeak, Path: "goroutineleak", SampleTypes: []string{"goroutine"}, DefaultSampleType: "goroutine", DefaultInterval: "5m"},
	{Type: ProfileCPU, StoredAs: ProfileCPU, Path: "profile", SampleTypes: []string{"samples", "cpu"}, DefaultSampleType: "cpu", Cumulative: true},
}

// LookupProfileType returns the description of a profile type.
func LookupProfileType(t ProfileType) (ProfileTypeInfo, bool) {
	for _, info := range ProfileTypeInfos {
		if info.Type == t {
			return info, true
		}
	}
	return ProfileTypeInfo{}, false
}

// CollectedProfileTypes are the types the collector fetches itself (allocs shares heap).
func CollectedProfileTypes() []ProfileType {
	var out []ProfileType
	for _, info := range ProfileTypeInfos {
		if info.StoredAs == info.Type {
			out = append(out, info.Type)
		}
	}
	return out
}
