package goroutines

import (
	"bytes"
	"testing"
)

func FuzzParseDump(f *testing.F) {
	for _, name := range []string{"go119.debug2.txt", "go127.debug2.txt", "states.debug2.txt"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDump(bytes.NewReader(b))
		if err != nil {
			if d != nil {
				t.Fatal("a dump returned with an error")
			}
			return
		}
		if len(d.Goroutines) == 0 {
			t.Fatal("a dump without goroutines parsed")
		}
		for _, g := range d.Goroutines {
			if g.Status == "" {
				t.Fatalf("goroutine %d has no status", g.ID)
			}
			for _, fr := range g.Frames {
				// C frames of cgo tracebacks may lack a file, never a function.
				if fr.Func == "" || (fr.File == "" && fr.Line != 0) {
					t.Fatalf("goroutine %d has an empty frame %+v", g.ID, fr)
				}
			}
		}
		// Whatever parses also summarises.
		s := SummarizeDump(d)
		if s.Total != len(d.Goroutines) {
			t.Fatalf("summary total %d, dump has %d", s.Total, len(d.Goroutines))
		}
	})
}

func FuzzParseGrouped(f *testing.F) {
	for _, name := range []string{"labels.debug1.txt", "states.debug1.txt"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGrouped(bytes.NewReader(b))
		if err != nil {
			if g != nil {
				t.Fatal("a profile returned with an error")
			}
			return
		}
		for _, s := range g.Stacks {
			if s.Count < 0 {
				t.Fatal("negative count")
			}
		}
		SummarizeGrouped(g)
	})
}
