package profiles_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/leakwatch/pprof-datasource/pkg/frames"
	"github.com/leakwatch/pprof-datasource/pkg/models"
	"github.com/leakwatch/pprof-datasource/pkg/profiles"
)

// synthHeapProfile builds a heap profile shaped like a large service's: funcs functions in a
// few dozen packages, each calling a handful of others, and samples stacks of depth 10–40
// walked through that call graph, so stacks share prefixes but are mostly distinct. A quarter
// of the locations hold an inlined frame, and every sample has the four heap values and a
// bytes label, as the runtime writes them.
func synthHeapProfile(samples, funcs int, seed uint64) *profile.Profile {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"},
		},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
		Period:     512 * 1024,
		TimeNanos:  time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).UnixNano(),
		Mapping:    []*profile.Mapping{{ID: 1, Start: 0x400000, Limit: 0x4000000, File: "/app/service", BuildID: "synthetic", HasFunctions: true}},
	}
	for i := range funcs {
		name := fmt.Sprintf("example.com/service/pkg%02d.(*Type%03d).Method%d", i%40, i/7, i%7)
		p.Function = append(p.Function, &profile.Function{ID: uint64(i + 1), Name: name, SystemName: name, Filename: fmt.Sprintf("/src/pkg%02d/file%d.go", i%40, i%9)})
	}
	for i := range funcs {
		l := &profile.Location{ID: uint64(i + 1), Mapping: p.Mapping[0], Address: uint64(0x401000 + 64*i)}
		if i%4 == 0 {
			l.Line = append(l.Line, profile.Line{Function: p.Function[rng.IntN(funcs)], Line: int64(10 + i%300)})
		}
		l.Line = append(l.Line, profile.Line{Function: p.Function[i], Line: int64(20 + i%500)})
		p.Location = append(p.Location, l)
	}
	callees := make([][]int, funcs)
	for i := range callees {
		for range 4 {
			callees[i] = append(callees[i], rng.IntN(funcs))
		}
	}
	roots := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for range samples {
		depth := 10 + rng.IntN(31)
		stack := make([]*profile.Location, depth)
		f := roots[rng.IntN(len(roots))]
		for d := depth - 1; d >= 0; d-- {
			stack[d] = p.Location[f]
			f = callees[f][rng.IntN(len(callees[f]))]
		}
		size := int64(16 << rng.IntN(12))
		objs := int64(1 + rng.IntN(50))
		inuse := objs * int64(rng.IntN(2))
		p.Sample = append(p.Sample, &profile.Sample{
			Location: stack,
			Value:    []int64{objs, objs * size, inuse, inuse * size},
			NumLabel: map[string][]int64{"bytes": {size}},
		})
	}
	return p
}

// BenchmarkFlameGraph measures, on the same 100k-sample heap profile in the same run: parsing
// it alone with profile.Parse (the baseline), the whole path from bytes to the flame-graph
// frame, and `go tool pprof -top` on the file. The "interleaved" sub-benchmark runs the three
// back to back in every iteration, so load from other processes hits them alike, and reports
// pipeline/parse (goal ≤ 2) and pprof/pipeline (goal ≥ 3).
func BenchmarkFlameGraph(b *testing.B) {
	p := synthHeapProfile(100_000, 3000, 1)
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		b.Fatal(err)
	}
	raw := buf.Bytes()
	path := filepath.Join(b.TempDir(), "heap-100k.pb.gz")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	pprofBin := pprofBinary(b)
	parse := func(b *testing.B) {
		if _, err := profile.Parse(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
	pprofTop := func(b *testing.B) {
		cmd := exec.Command(pprofBin, "-top", "-nodecount=0", "-nodefraction=0", path)
		cmd.Env = append(os.Environ(), "PPROF_TMPDIR="+b.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("pprof: %v: %s", err, out)
		}
	}
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			parse(b)
		}
	})
	b.Run("decode_tree_frame", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		var rows int
		for b.Loop() {
			rows = flameGraphFromBytes(b, raw)
		}
		b.ReportMetric(float64(rows), "rows")
	})
	b.Run("pprof_top", func(b *testing.B) {
		for b.Loop() {
			pprofTop(b)
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		var parseT, pipelineT, pprofT time.Duration
		for b.Loop() {
			start := time.Now()
			parse(b)
			mid := time.Now()
			flameGraphFromBytes(b, raw)
			end := time.Now()
			pprofTop(b)
			parseT += mid.Sub(start)
			pipelineT += end.Sub(mid)
			pprofT += time.Since(end)
		}
		b.ReportMetric(float64(pipelineT)/float64(parseT), "pipeline/parse")
		b.ReportMetric(float64(pprofT)/float64(pipelineT), "pprof/pipeline")
		b.ReportMetric(0, "ns/op")
	})
}

func flameGraphFromBytes(b *testing.B, raw []byte) int {
	p, err := profiles.Decode(bytes.NewReader(raw), models.DefaultMaxProfileBytes)
	if err != nil {
		b.Fatal(err)
	}
	idx, err := profiles.SampleIndex(p, models.ProfileHeap, "")
	if err != nil {
		b.Fatal(err)
	}
	tree, err := profiles.BuildTree(p, idx, models.DefaultMaxNodes)
	if err != nil {
		b.Fatal(err)
	}
	return frames.FlameGraph("inuse_space", tree).Rows()
}

// pprofBinary resolves the pprof tool itself, so the measurement is pprof's work and not the
// go command's start-up.
func pprofBinary(b *testing.B) string {
	out, err := exec.Command("go", "tool", "-n", "pprof").Output()
	if err != nil {
		b.Fatalf("go tool -n pprof: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// BenchmarkBuildTree measures the call tree alone on the parsed 100k-sample profile.
func BenchmarkBuildTree(b *testing.B) {
	p := synthHeapProfile(100_000, 3000, 1)
	for b.Loop() {
		if _, err := profiles.BuildTree(p, 3, models.DefaultMaxNodes); err != nil {
			b.Fatal(err)
		}
	}
}
