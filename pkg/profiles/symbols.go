package profiles

import (
	"path/filepath"
	"strings"

	"github.com/google/pprof/profile"
)

// symbols interns the function names of a profile's frames. Every location is resolved once to
// the names of its frames, so walking a sample's stack costs slice reads, not string work.
type symbols struct {
	names  []string
	byName map[string]int32
	// byID resolves dense location IDs (what Go writes: 1..n) without hashing; byLoc is the
	// fallback for sparse IDs.
	byID  [][]int32
	byLoc map[uint64][]int32
}

func newSymbols(capacity int) *symbols {
	return &symbols{byName: make(map[string]int32, capacity)}
}

func (s *symbols) intern(name string) int32 {
	if id, ok := s.byName[name]; ok {
		return id
	}
	id := int32(len(s.names))
	s.names = append(s.names, name)
	s.byName[name] = id
	return id
}

// add resolves the locations of p. A location's frames are listed leaf first, as in the
// profile: Line[0] is the innermost inlined function and the last line its caller.
func (s *symbols) add(p *profile.Profile) {
	var maxID uint64
	for _, l := range p.Location {
		maxID = max(maxID, l.ID)
	}
	dense := maxID <= uint64(2*len(p.Location)+16)
	if dense {
		s.byID = make([][]int32, maxID+1)
		s.byLoc = nil
	} else {
		s.byID = nil
		s.byLoc = make(map[uint64][]int32, len(p.Location))
	}
	for _, l := range p.Location {
		var frames []int32
		if len(l.Line) == 0 {
			frames = []int32{s.intern(frameName(l, nil))}
		} else {
			frames = make([]int32, len(l.Line))
			for i := range l.Line {
				frames[i] = s.intern(frameName(l, &l.Line[i]))
			}
		}
		if dense {
			s.byID[l.ID] = frames
		} else {
			s.byLoc[l.ID] = frames
		}
	}
}

func (s *symbols) frames(l *profile.Location) []int32 {
	if s.byID != nil {
		if l.ID < uint64(len(s.byID)) {
			return s.byID[l.ID]
		}
		return nil
	}
	return s.byLoc[l.ID]
}

// frameName names a frame as `go tool pprof` does at function granularity: the function's
// display name, else the mapped binary in brackets, else "<unknown>".
func frameName(l *profile.Location, line *profile.Line) string {
	if line != nil && line.Function != nil {
		if name := displayName(line.Function); name != "" {
			return name
		}
	}
	if l.Mapping != nil && l.Mapping.File != "" {
		return "[" + filepath.Base(l.Mapping.File) + "]"
	}
	return "<unknown>"
}

// displayName is the name `go tool pprof` shows for a function. pprof's symbolizer shortens
// names that look like C++ (they contain brackets or "::") by dropping parenthesised and
// angle-bracketed groups, which turns Go generic instantiations such as
// "OnceValue[go.shape.func(*T, V)].func3" into "OnceValue[go.shape.func].func3". The same
// rule applies here so that rows, and the functions they merge, equal pprof's.
func displayName(fn *profile.Function) string {
	if fn.Name != "" && fn.SystemName != fn.Name {
		return fn.Name
	}
	name := fn.SystemName
	if looksLikeCPlusPlus(name) {
		name = dropGroups(name, '(', ')')
		name = dropGroups(name, '<', '>')
	}
	return name
}

// looksLikeCPlusPlus mirrors pprof's heuristic, which leaves Java "class.<init>" names and Go
// methods of generic types "pkg.(*T[...]).M" alone.
func looksLikeCPlusPlus(name string) bool {
	if strings.Contains(name, ".<") || strings.Contains(name, "]).") {
		return false
	}
	return strings.ContainsAny(name, "<>[]") || strings.Contains(name, "::")
}

// dropGroups removes every outermost open…close group. An unbalanced close stops the removal
// and keeps the rest as it is, as pprof does.
func dropGroups(name string, open, close byte) string {
	if strings.IndexByte(name, open) < 0 {
		return name
	}
	out := make([]byte, 0, len(name))
	depth, groupStart := 0, 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case open:
			if depth == 0 {
				groupStart = len(out)
			}
			depth++
		case close:
			if depth == 0 {
				return string(out) + name[i:]
			}
			depth--
			if depth == 0 {
				out = out[:groupStart]
				continue
			}
		}
		out = append(out, c)
	}
	return string(out)
}
