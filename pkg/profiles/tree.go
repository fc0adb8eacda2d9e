package profiles

import (
	"cmp"
	"container/heap"
	"slices"

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
	b := newTrieBuilder(len(p.Function), len(p.Sample))
	b.syms.add(p)
	b.addSamples(p, idx, false)
	t := b.render(maxNodes, false)
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
	b := newTrieBuilder(len(cur.Function), len(base.Sample)+len(cur.Sample))
	b.syms.add(base)
	b.addSamples(base, idx, false)
	b.syms.add(cur)
	b.addSamples(cur, idx, true)
	t := b.render(maxNodes, true)
	t.SampleType, t.Unit = cur.SampleType[idx].Type, cur.SampleType[idx].Unit
	return t, nil
}

// trieBuilder accumulates stacks in a trie of parallel slices; node 0 is the root.
type trieBuilder struct {
	syms   *symbols
	name   []int32
	parent []int32
	level  []int32
	val    [2][]int64
	self   [2][]int64
	child  map[uint64]int32
}

func newTrieBuilder(funcs, samples int) *trieBuilder {
	b := &trieBuilder{syms: newSymbols(funcs), child: make(map[uint64]int32, samples)}
	b.newNode(-1, -1, 0)
	return b
}

func (b *trieBuilder) newNode(parent, name, level int32) int32 {
	id := int32(len(b.name))
	b.name = append(b.name, name)
	b.parent = append(b.parent, parent)
	b.level = append(b.level, level)
	for side := range b.val {
		b.val[side] = append(b.val[side], 0)
		b.self[side] = append(b.self[side], 0)
	}
	return id
}

func (b *trieBuilder) addSamples(p *profile.Profile, idx int, right bool) {
	side := 0
	if right {
		side = 1
	}
	val, self := b.val[side], b.self[side]
	for _, s := range p.Sample {
		v := s.Value[idx]
		if v == 0 {
			continue
		}
		node := int32(0)
		val[0] += v
		for i := len(s.Location) - 1; i >= 0; i-- {
			frames := b.syms.frames(s.Location[i])
			for j := len(frames) - 1; j >= 0; j-- {
				key := uint64(node)<<32 | uint64(uint32(frames[j]))
				c, ok := b.child[key]
				if !ok {
					c = b.newNode(node, frames[j], b.level[node]+1)
					b.child[key] = c
					val, self = b.val[side], b.self[side]
				}
				node = c
				val[node] += v
			}
		}
		self[node] += v
	}
}

// weight ranks nodes for pruning: both sides count, whatever their sign.
func (b *trieBuilder) weight(n int32) int64 {
	return abs(b.val[0][n]) + abs(b.val[1][n])
}

// render sorts, prunes and flattens the trie into pre-order rows.
func (b *trieBuilder) render(maxNodes int, diff bool) *Tree {
	if maxNodes <= 0 {
		maxNodes = models.DefaultMaxNodes
	}
	maxNodes = max(maxNodes, 2)
	n := len(b.name)
	// Children of each node in CSR form, sorted by name.
	start := make([]int32, n+1)
	for c := 1; c < n; c++ {
		start[b.parent[c]+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	kids := make([]int32, n)
	fill := slices.Clone(start[:n])
	for c := 1; c < n; c++ {
		p := b.parent[c]
		kids[fill[p]] = int32(c)
		fill[p]++
	}
	names := b.syms.names
	for p := 0; p < n; p++ {
		if cs := kids[start[p]:start[p+1]]; len(cs) > 1 {
			slices.SortFunc(cs, func(x, y int32) int { return cmp.Compare(names[b.name[x]], names[b.name[y]]) })
		}
	}
	kept := b.prune(maxNodes, start, kids)

	t := &Tree{Diff: diff, Nodes: make([]Node, 0, min(n+1, maxNodes))}
	labels := make(map[int32]int32)
	label := func(name int32, text string) int32 {
		if l, ok := labels[name]; ok {
			return l
		}
		l := int32(len(t.Names))
		t.Names = append(t.Names, text)
		labels[name] = l
		return l
	}
	const rootName, otherName = -1, -2
	// The stack holds nodes to emit; ^p stands for the "other" node of p, pushed before p's
	// children so that it is emitted after them.
	stack := []int32{0}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top < 0 {
			p := ^top
			var other Node
			other.Name = label(otherName, OtherLabel)
			other.Level = b.level[p] + 1
			for _, c := range kids[start[p]:start[p+1]] {
				if !kept[c] {
					other.Value += b.val[0][c]
					other.ValueRight += b.val[1][c]
					t.Folded += b.subtreeSize(c, start, kids)
				}
			}
			other.Self, other.SelfRight = other.Value, other.ValueRight
			t.Nodes = append(t.Nodes, other)
			continue
		}
		var nd Node
		if top == 0 {
			nd.Name = label(rootName, RootLabel)
		} else {
			nd.Name = label(b.name[top], names[b.name[top]])
		}
		nd.Level = b.level[top]
		nd.Value, nd.ValueRight = b.val[0][top], b.val[1][top]
		nd.Self, nd.SelfRight = b.self[0][top], b.self[1][top]
		t.Nodes = append(t.Nodes, nd)
		cs := kids[start[top]:start[top+1]]
		for _, c := range cs {
			if !kept[c] {
				stack = append(stack, ^top)
				break
			}
		}
		for i := len(cs) - 1; i >= 0; i-- {
			if kept[cs[i]] {
				stack = append(stack, cs[i])
			}
		}
	}
	return t
}

// prune chooses the nodes to keep: the heaviest first, each only after its parent, while the
// kept nodes plus one "other" node per parent with cut children fit in maxNodes.
func (b *trieBuilder) prune(maxNodes int, start, kids []int32) []bool {
	n := len(b.name)
	kept := make([]bool, n)
	if n <= maxNodes {
		for i := range kept {
			kept[i] = true
		}
		return kept
	}
	unkept := make([]int32, n)
	numKids := func(c int32) int32 { return start[c+1] - start[c] }
	kept[0] = true
	unkept[0] = numKids(0)
	count := 1
	if unkept[0] > 0 {
		count++
	}
	h := &nodeHeap{weight: b.weight}
	h.items = append(h.items, kids[start[0]:start[1]]...)
	heap.Init(h)
	for h.Len() > 0 && count < maxNodes+1 {
		c := heap.Pop(h).(int32)
		p := b.parent[c]
		delta := 1
		if numKids(c) > 0 {
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
		unkept[c] = numKids(c)
		count += delta
		for _, cc := range kids[start[c]:start[c+1]] {
			heap.Push(h, cc)
		}
	}
	return kept
}

func (b *trieBuilder) subtreeSize(root int32, start, kids []int32) int {
	size := 0
	stack := []int32{root}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		size++
		stack = append(stack, kids[start[c]:start[c+1]]...)
	}
	return size
}

// nodeHeap is a max-heap of trie nodes by weight, ties broken by node ID for determinism.
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
