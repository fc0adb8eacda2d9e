package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// topFlatFunction runs the real go tool pprof -top on a saved profile and returns the
// function with the largest flat value of sampleIndex: what "ranks first" means for the
// profile views and the leak-suspect ranking.
func topFlatFunction(t *testing.T, profile []byte, sampleIndex string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "heap.pb.gz")
	if err := os.WriteFile(path, profile, 0o600); err != nil {
		t.Fatalf("save profile: %v", err)
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index="+sampleIndex, path).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -top: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	for i, line := range lines {
		if !strings.Contains(line, "flat%") {
			continue
		}
		if i+1 >= len(lines) {
			break
		}
		fields := strings.Fields(lines[i+1])
		if len(fields) < 6 {
			break
		}
		return strings.Join(fields[5:], " "), string(out)
	}
	t.Fatalf("go tool pprof -top printed no rows:\n%s", out)
	return "", ""
}

// TestHeapPatternsRankFirstInOwnFunction runs each heap pattern alone and checks, with
// go tool pprof as the oracle, that its allocating function is the top flat entry: the
// profile and leak-suspect features assert exactly these names.
func TestHeapPatternsRankFirstInOwnFunction(t *testing.T) {
	tests := []struct {
		pattern     string
		flags       []string
		sampleIndex string
		want        string
	}{
		{"registry", []string{"-registry-bytes-per-sec", strconv.Itoa(16 << 20)}, "inuse_space", "main.leakIntoRegistry"},
		{"subslice", []string{"-subslice-bytes-per-sec", strconv.Itoa(16 << 20), "-subslice-buffer-bytes", strconv.Itoa(256 << 10)}, "inuse_space", "main.leakSubslice"},
		// Pool buffers live until the GC after next, so the in-use heap at a GC holds the
		// ones put since the previous GC.
		{"pool", []string{"-pool-buffer-bytes", strconv.Itoa(256 << 10), "-pool-buffers-per-sec", "64"}, "inuse_space", "main.putLargeBufferInPool"},
		// Churn keeps nothing live, so it ranks first by what it allocates.
		{"churn", []string{"-churn-bytes-per-sec", strconv.Itoa(32 << 20)}, "alloc_space", "main.churnAllocate"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			a := startApp(t, append([]string{"-memprofilerate", "4096"}, tt.flags...)...)
			time.Sleep(1500 * time.Millisecond)
			// gc=1 makes the in-use figures current rather than as of an earlier GC.
			top, out := topFlatFunction(t, a.mustGet(t, "/debug/pprof/heap?gc=1"), tt.sampleIndex)
			if top != tt.want {
				t.Errorf("top %s function is %s, want %s:\n%s", tt.sampleIndex, top, tt.want, out)
			}
		})
	}
}
