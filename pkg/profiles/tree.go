package profiles

import (
	"container/heap"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

// RootLabel names the single root of every tree; OtherLabel names the node that holds the
// children of a node that pruning cut off.
const (
	RootLabel  = "total"
	OtherLabel = "other"
)

// Tree is a function-level call tree ready to render as a nested-set flame graph: Nodes are in
// depth-first pre-order, Nodes[0] is the root, siblings are sorted by name with the "other"
// node last.
type Tree struct {
	// Names are the distinct labels of the nodes, in order of first appearance.
	Names []string
	Nodes []Node
	// Diff trees carry the baseline in Value/Self and the comparison in ValueRight/SelfRight.
	Diff bool
	// SampleType and Unit describe the values, e.g. inuse_space in bytes.
	SampleType string
	Unit       string
	// Folded counts the call-tree nodes that pruning folded into "other" nodes.
	Folded int
}

// Node is one call-tree node: a function reached through one particular chain of callers.
type Node struct {
	// Name indexes Tree.Names.
	Name  int32
	Level int32
	// Value is the node's cumulative value and Self the part not passed on to a child.
	Value int64
	Self  int64
	// ValueRight and SelfRight are the comparison's values in a diff tree.
	ValueRight int64
	SelfRight  int64
}

// BuildTree builds the call tree of sample type idx of p: each sample's stack, root first,
// one node per function (inlined functions expanded: the last line of a location is the
// caller). Samples whose value is zero are left out. With more than maxNodes nodes, the
// lightest are folded into an "other" node under their parent, so every total stays exact.
// maxNodes ≤ 0 means models.DefaultMaxNodes; the smallest tree is the root and one "other".
func BuildTree(p *profile.Profile, idx, maxNodes int) (*Tree, error) {
	if err := checkIndex(p, idx); err != nil {
		return nil, err
	}
	var s stackSet
	s.init(len(p.Function), len(p.Sample), false)
	s.add(p, idx, 0)
	t := s.build().render(maxNodes)
	t.SampleType, t.Unit = p.SampleType[idx].Type, p.SampleType[idx].Unit
	return t, nil
}

// BuildDiffTree builds one call tree over base and cur with base's values on the left
// (Value/Self) and cur's on the right (ValueRight/SelfRight), the samples of `go tool pprof
// -diff_base=base cur`. The root holds both totals. Pruning ranks nodes by both sides.
func BuildDiffTree(base, cur *profile.Profile, idx, maxNodes int) (*Tree, error) {
	if err := Compatible(base, cur); err != nil {
		return nil, err
	}
	if err := checkIndex(cur, idx); err != nil {
		return nil, err
	}
	var s stackSet
	s.init(len(cur.Function), len(base.Sample)+len(cur.Sample), true)
	s.add(base, idx, 0)
	s.add(cur, idx, 1)
	t := s.build().render(maxNodes)
	t.SampleType, t.Unit = cur.SampleType[idx].Type, cur.SampleType[idx].Unit
	return t, nil
}

// stackSet holds every sample's stack as a sequence of interned names, root first. Sorting the
// sequences puts stacks with a common prefix next to each other, so the tree is built in one
// pass without looking children up: a node is new exactly where a stack leaves the previous
// one, and nodes come out in pre-order with siblings sorted by name.
type stackSet struct {
	syms   *symbols
	frames []int32
	// start[i]:start[i+1] are the frames of stack i.
	start []int32
	value []int64
	side  []uint8
	diff  bool
}

func (s *stackSet) init(funcs, samples int, diff bool) {
	s.syms = newSymbols(funcs)
	s.start = make([]int32, 1, samples+1)
	s.value = make([]int64, 0, samples)
	s.diff = diff
}

func (s *stackSet) add(p *profile.Profile, idx int, side uint8) {
	s.syms.add(p)
	if s.frames == nil {
		// Stacks are about as deep as their locations; inlining adds a little.
		n := 0
		for _, smp := range p.Sample {
			n += len(smp.Location)
		}
		s.frames = make([]int32, 0, n+n/2)
	}
	for _, smp := range p.Sample {
		v := smp.Value[idx]
		if v == 0 {
			continue
		}
		for i := len(smp.Location) - 1; i >= 0; i-- {
			fs := s.syms.frames(smp.Location[i])
			for j := len(fs) - 1; j >= 0; j-- {
				s.frames = append(s.frames, fs[j])
			}
		}
		s.start = append(s.start, int32(len(s.frames)))
		s.value = append(s.value, v)
		if s.diff {
			s.side = append(s.side, side)
		}
	}
}

// sortStacks returns the stack indexes in lexicographic order of their frames. The first
// frames of each stack are packed into one integer, so most comparisons read a small sorted
// array instead of two stacks scattered over memory; only stacks that agree on those frames
// compare the rest.
func sortStacks(n, names int, stack func(int32) []int32) []int32 {
	per, bits := 4, 16 // ranks plus one for "ended" must fit the bits
	if names >= 1<<16-1 {
		per, bits = 2, 32
	}
	type keyed struct {
		key uint64
		idx int32
	}
	keys := make([]keyed, n)
	for i := range keys {
		st := stack(int32(i))
		var k uint64
		for j := range per {
			k <<= bits
			if j < len(st) {
				k |= uint64(st[j]) + 1
			}
		}
		keys[i] = keyed{k, int32(i)}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		// Equal keys mean equal first frames and, for short stacks, equal lengths.
		sa, sb := stack(a.idx), stack(b.idx)
		return slices.Compare(sa[min(per, len(sa)):], sb[min(per, len(sb)):])
	})
	order := make([]int32, n)
	for i, k := range keys {
		order[i] = k.idx
	}
	return order
}

// trie is a call tree in pre-order: parent[i] < i, and a node's subtree is i:i+size[i].
type trie struct {
	names  []string // by rank: names sorted
	name   []int32  // rank of the node's name; -1 for the root
	parent []int32
	level  []int32
	size   []int32
	val    [2][]int64
	self   [2][]int64
	diff   bool
}

func (s *stackSet) build() *trie {
	// Replace name IDs by their rank in sorted order, so comparing stacks compares names.
	names := s.syms.names
	byName := make([]int32, len(names))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(names[a], names[b]) })
	rank := make([]int32, len(names))
	sorted := make([]string, len(names))
	for r, id := range byName {
		rank[id] = int32(r)
		sorted[r] = names[id]
	}
	for i, f := range s.frames {
		s.frames[i] = rank[f]
	}
	stack := func(i int32) []int32 { return s.frames[s.start[i]:s.start[i+1]] }
	order := sortStacks(len(s.value), len(names), stack)

	t := &trie{names: sorted, diff: s.diff}
	sides := 1
	if s.diff {
		sides = 2
	}
	// Each stack adds a node for every frame after the prefix it shares with the stack
	// before it; counting first sizes the node slices exactly.
	common := make([]int32, len(order))
	n := 1
	var prev []int32
	for k, i := range order {
		cur := stack(i)
		c := 0
		for c < len(prev) && c < len(cur) && prev[c] == cur[c] {
			c++
		}
		common[k] = int32(c)
		n += len(cur) - c
		prev = cur
	}
	t.name = make([]int32, n)
	t.parent = make([]int32, n)
	t.level = make([]int32, n)
	t.name[0], t.parent[0] = -1, -1
	path := []int32{0}
	leaf := make([]int32, len(s.value))
	id := int32(1)
	for k, i := range order {
		cur := stack(i)
		c := int(common[k])
		path = path[:c+1]
		for d := c; d < len(cur); d++ {
			t.name[id] = cur[d]
			t.parent[id] = path[d]
			t.level[id] = int32(d + 1)
			path = append(path, id)
			id++
		}
		leaf[i] = path[len(path)-1]
	}
	for side := range sides {
		t.self[side] = make([]int64, n)
	}
	for i, v := range s.value {
		side := 0
		if s.diff {
			side = int(s.side[i])
		}
		t.self[side][leaf[i]] += v
	}
	t.size = make([]int32, n)
	for side := range sides {
		t.val[side] = slices.Clone(t.self[side])
	}
	for i := n - 1; i >= 0; i-- {
		t.size[i]++
		if p := t.parent[i]; p >= 0 {
			t.size[p] += t.size[i]
			for side := range sides {
				t.val[side][p] += t.val[side][i]
			}
		}
	}
	return t
}

func (t *trie) value(side int, i int32) int64 {
	if t.val[side] == nil {
		return 0
	}
	return t.val[side][i]
}

func (t *trie) selfOf(side int, i int32) int64 {
	if t.self[side] == nil {
		return 0
	}
	return t.self[side][i]
}

// weight ranks nodes for pruning: both sides count, whatever their sign.
func (t *trie) weight(i int32) int64 {
	return abs(t.value(0, i)) + abs(t.value(1, i))
}

// children calls fn for each child of i, in order.
func (t *trie) children(i int32, fn func(int32)) {
	end := i + t.size[i]
	for c := i + 1; c < end; c += t.size[c] {
		fn(c)
	}
}

// render prunes the trie to maxNodes and flattens it into rows, "other" nodes after the kept
// children of their parent.
func (t *trie) render(maxNodes int) *Tree {
	if maxNodes <= 0 {
		maxNodes = models.DefaultMaxNodes
	}
	maxNodes = max(maxNodes, 2)
	n := int32(len(t.name))
	kept := t.prune(maxNodes)
	out := &Tree{Diff: t.diff, Nodes: make([]Node, 0, min(int(n)+1, maxNodes))}
	labels := make(map[int32]int32)
	label := func(rank int32, text string) int32 {
		if l, ok := labels[rank]; ok {
			return l
		}
		l := int32(len(out.Names))
		out.Names = append(out.Names, text)
		labels[rank] = l
		return l
	}
	const otherRank = -2
	type open struct {
		node         int32
		other, right int64
		cut          bool
	}
	var stack []open
	closeTo := func(level int32) {
		for len(stack) > 0 && t.level[stack[len(stack)-1].node] >= level {
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if o.cut {
				out.Nodes = append(out.Nodes, Node{
					Name: label(otherRank, OtherLabel), Level: t.level[o.node] + 1,
					Value: o.other, Self: o.other, ValueRight: o.right, SelfRight: o.right,
				})
			}
		}
	}
	for i := int32(0); i < n; {
		closeTo(t.level[i])
		if kept != nil && !kept[i] {
			o := &stack[len(stack)-1]
			o.cut = true
			o.other += t.value(0, i)
			o.right += t.value(1, i)
			out.Folded += int(t.size[i])
			i += t.size[i]
			continue
		}
		nd := Node{Level: t.level[i],
			Value: t.value(0, i), Self: t.selfOf(0, i),
			ValueRight: t.value(1, i), SelfRight: t.selfOf(1, i)}
		if i == 0 {
			nd.Name = label(-1, RootLabel)
		} else {
			nd.Name = label(t.name[i], t.names[t.name[i]])
		}
		out.Nodes = append(out.Nodes, nd)
		stack = append(stack, open{node: i})
		i++
	}
	closeTo(0)
	return out
}

// prune chooses the nodes to keep, or nil for all: the heaviest first, each only after its
// parent, while the kept nodes plus one "other" node per parent with cut children fit in
// maxNodes.
func (t *trie) prune(maxNodes int) []bool {
	n := len(t.name)
	if n <= maxNodes {
		return nil
	}
	kept := make([]bool, n)
	unkept := make([]int32, n)
	numKids := func(i int32) int32 {
		k := int32(0)
		t.children(i, func(int32) { k++ })
		return k
	}
	kept[0] = true
	unkept[0] = numKids(0)
	count := 1
	if unkept[0] > 0 {
		count++
	}
	h := &nodeHeap{weight: t.weight}
	t.children(0, func(c int32) { h.items = append(h.items, c) })
	heap.Init(h)
	for h.Len() > 0 && count <= maxNodes {
		c := heap.Pop(h).(int32)
		p := t.parent[c]
		kids := numKids(c)
		delta := 1
		if kids > 0 {
			delta++
		}
		if unkept[p] == 1 {
			delta--
		}
		if count+delta > maxNodes {
			continue
		}
		kept[c] = true
		unkept[p]--
		unkept[c] = kids
		count += delta
		t.children(c, func(cc int32) { heap.Push(h, cc) })
	}
	return kept
}

// nodeHeap is a max-heap of trie nodes by weight, ties broken by pre-order position.
type nodeHeap struct {
	items  []int32
	weight func(int32) int64
}

func (h *nodeHeap) Len() int { return len(h.items) }
func (h *nodeHeap) Less(i, j int) bool {
	wi, wj := h.weight(h.items[i]), h.weight(h.items[j])
	if wi != wj {
		return wi > wj
	}
	return h.items[i] < h.items[j]
}
func (h *nodeHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *nodeHeap) Push(x any)    { h.items = append(h.items, x.(int32)) }
func (h *nodeHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
