package learn

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui/learn/memlog"
)

// nodeClass is how a tree node is highlighted, in increasing precedence.
type nodeClass int

const (
	clsNormal   nodeClass = iota
	clsOld                // inside the old tree (consistency)
	clsPath               // on the path from the selected leaf to the root
	clsDone               // hashed by a verification step already taken
	clsReused             // an old-tree node the consistency proof reuses
	clsSibling            // a proof hash
	clsChanged            // a hash the tampering changed
	clsSelected           // the selected node
	clsCurrent            // the node the current step computes
)

// treeSpec says what to draw: the RFC 6962 tree of size leaves, with labels,
// highlight classes and per-leaf markers supplied by the screen.
type treeSpec struct {
	size uint64
	// focus leaves keep their whole path to the root expanded.
	focus []uint64
	label func(a proof.NodeAddr) string
	class func(a proof.NodeAddr) nodeClass
	// marker returns a one-cell marker drawn under a leaf ("" for none).
	marker func(leaf uint64) string
}

// tnode is one drawn node: the RFC 6962 subtree over leaves [begin, end).
type tnode struct {
	addr        proof.NodeAddr
	begin, end  uint64
	left, right *tnode
	collapsed   bool
	// width is the slot width of a frontier node; center its column.
	width, center int
}

func (n *tnode) perfect() bool { s := n.end - n.begin; return s&(s-1) == 0 }

func (n *tnode) leaf() bool { return n.end-n.begin == 1 }

// subtreeAddr is the address of the RFC 6962 subtree over leaves
// [begin, end), see memlog.Subtree.
func subtreeAddr(begin, end uint64) proof.NodeAddr {
	id := memlog.Subtree(begin, end)
	return proof.NodeAddr{Level: id.Level, Index: id.Index}
}

// split returns the RFC 6962 split point of [begin, end): begin plus the
// largest power of two smaller than end-begin. Requires end-begin >= 2.
func split(begin, end uint64) uint64 {
	return begin + uint64(1)<<(bits.Len64(end-begin-1)-1)
}

func newTnode(begin, end uint64) *tnode {
	return &tnode{addr: subtreeAddr(begin, end), begin: begin, end: end, collapsed: end-begin > 1}
}

func (n *tnode) expand() {
	if !n.collapsed {
		return
	}
	k := split(n.begin, n.end)
	n.left, n.right = newTnode(n.begin, k), newTnode(k, n.end)
	n.collapsed = false
}

// frontier lists the drawn leaves and collapsed nodes, left to right.
func (n *tnode) frontier(out []*tnode) []*tnode {
	if n.collapsed || n.leaf() {
		return append(out, n)
	}
	return n.right.frontier(n.left.frontier(out))
}

// treeLayout decides which subtrees to draw in full for a given width.
type treeLayout struct {
	spec   treeSpec
	root   *tnode
	minW   int
	prefix int
	short  bool
}

// rangeLabel names the leaves under a collapsed node: "0..255", or "..255"
// when space is short.
func rangeLabel(n *tnode, short bool) string {
	if short {
		return fmt.Sprintf("..%d", n.end-1)
	}
	return fmt.Sprintf("%d..%d", n.begin, n.end-1)
}

func (t *treeLayout) slotWidth(n *tnode) int {
	w := t.minW
	if !n.leaf() {
		w = max(w, lipgloss.Width(rangeLabel(n, t.short))+2)
	}
	return w
}

func (t *treeLayout) totalWidth() int {
	w := t.prefix
	for _, f := range t.root.frontier(nil) {
		w += t.slotWidth(f)
	}
	return w
}

// layoutTree expands the tree as far as width allows: ephemeral nodes and the
// paths to focus leaves always, then the largest perfect subtrees first.
func layoutTree(spec treeSpec, width int) *treeLayout {
	t := &treeLayout{spec: spec, root: newTnode(0, spec.size)}
	rootLevel := t.root.addr.Level
	t.prefix = len(fmt.Sprintf("L%d ", rootLevel))
	// The widest label decides the slot width; a label never needs more
	// than the digits of the largest index or a short hash.
	t.minW = 3
	probe := []proof.NodeAddr{{Level: 0, Index: spec.size - 1}, {Level: 0, Index: 0}}
	for _, a := range probe {
		t.minW = max(t.minW, lipgloss.Width(spec.label(a))+1)
	}
	var force func(n *tnode)
	force = func(n *tnode) {
		if n.leaf() {
			return
		}
		want := !n.perfect()
		for _, f := range spec.focus {
			if f >= n.begin && f < n.end {
				want = true
			}
		}
		if want {
			n.expand()
			force(n.left)
			force(n.right)
		}
	}
	force(t.root)
	t.short = t.totalWidth() > width
	for {
		cands := slices.DeleteFunc(t.root.frontier(nil), func(n *tnode) bool { return !n.collapsed })
		slices.SortStableFunc(cands, func(a, b *tnode) int { return int(b.addr.Level) - int(a.addr.Level) })
		total := t.totalWidth()
		grown := false
		for _, c := range cands {
			k := split(c.begin, c.end)
			l, r := newTnode(c.begin, k), newTnode(k, c.end)
			if total-t.slotWidth(c)+t.slotWidth(l)+t.slotWidth(r) <= width {
				c.expand()
				grown = true
				break
			}
		}
		if !grown {
			return t
		}
	}
}

// canvas is a grid of cells, each a rune and a style index.
type canvas struct {
	cells [][]rune
	style [][]int
}

func newCanvas(w, h int) *canvas {
	c := &canvas{cells: make([][]rune, h), style: make([][]int, h)}
	for y := range h {
		c.cells[y] = []rune(strings.Repeat(" ", w))
		c.style[y] = make([]int, w)
	}
	return c
}

func (c *canvas) put(x, y int, r rune, st int) {
	if y < 0 || y >= len(c.cells) || x < 0 || x >= len(c.cells[y]) {
		return
	}
	c.cells[y][x] = r
	c.style[y][x] = st
}

func (c *canvas) text(x, y int, s string, st int) {
	for i, r := range []rune(s) {
		c.put(x+i, y, r, st)
	}
}

// style indices into renderTree's palette.
const (
	stPlain = iota
	stEdge
	stEdgeEph
	stLevel
	stCollapsed
	stEphemeral
	stClassBase // + nodeClass
)

// renderTree draws spec within width columns. It returns the lines, without
// trailing spaces.
func renderTree(spec treeSpec, width int, s Styles) []string {
	if spec.size == 0 {
		return []string{s.Muted.Render("(empty log: no leaves, no tree yet)")}
	}
	t := layoutTree(spec, width)
	front := t.root.frontier(nil)
	x := t.prefix
	for _, f := range front {
		f.width = t.slotWidth(f)
		f.center = x + (f.width-1)/2
		x += f.width
	}
	var centers func(n *tnode) int
	centers = func(n *tnode) int {
		if n.collapsed || n.leaf() {
			return n.center
		}
		n.center = (centers(n.left) + centers(n.right)) / 2
		return n.center
	}
	centers(t.root)

	rootLevel := int(t.root.addr.Level)
	leafRow := rootLevel
	h := rootLevel + 1
	if spec.marker != nil {
		h++
	}
	c := newCanvas(max(x, width), h)
	for lv := 0; lv <= rootLevel; lv++ {
		c.text(0, rootLevel-lv, fmt.Sprintf("L%d", lv), stLevel)
	}
	labelStyle := func(n *tnode) int {
		cls := spec.class(n.addr)
		switch {
		case cls != clsNormal:
			return stClassBase + int(cls)
		case !n.perfect():
			return stEphemeral
		case n.collapsed:
			return stCollapsed
		}
		return stPlain
	}
	centered := func(center, y int, label string, st int) {
		c.text(center-(len([]rune(label))-1)/2, y, label, st)
	}
	var draw func(n *tnode)
	draw = func(n *tnode) {
		y := rootLevel - int(n.addr.Level)
		switch {
		case n.leaf():
			centered(n.center, y, spec.label(n.addr), labelStyle(n))
			if spec.marker != nil {
				if m := spec.marker(n.begin); m != "" {
					centered(n.center, leafRow+1, m, labelStyle(n))
				}
			}
		case n.collapsed:
			centered(n.center, y, spec.label(n.addr), labelStyle(n))
			for yy := y + 1; yy < leafRow; yy++ {
				c.put(n.center, yy, '┆', stCollapsed)
			}
			centered(n.center, leafRow, rangeLabel(n, t.short), stCollapsed)
		default:
			edge, hz := stEdge, '─'
			if !n.perfect() {
				edge, hz = stEdgeEph, '╌'
			}
			for xx := n.left.center + 1; xx < n.right.center; xx++ {
				c.put(xx, y, hz, edge)
			}
			c.put(n.left.center, y, '╭', edge)
			c.put(n.right.center, y, '╮', edge)
			centered(n.center, y, spec.label(n.addr), labelStyle(n))
			for _, ch := range []*tnode{n.left, n.right} {
				cy := rootLevel - int(ch.addr.Level)
				for yy := y + 1; yy < cy; yy++ {
					c.put(ch.center, yy, '│', edge)
				}
				draw(ch)
			}
		}
	}
	draw(t.root)

	styles := []lipgloss.Style{
		stPlain: s.Node.Normal, stEdge: s.Node.Edge, stEdgeEph: s.Node.EdgeEphemeral,
		stLevel: s.Node.Level, stCollapsed: s.Node.Collapsed, stEphemeral: s.Node.Ephemeral,
	}
	styles = append(styles,
		s.Node.Normal, s.Node.Old, s.Node.Path, s.Node.Done, s.Node.Reused,
		s.Node.Sibling, s.Node.Changed, s.Node.Selected, s.Node.Current)
	// When the tree is wider than the view, scroll it so that the first
	// focus leaf stays in view; ◀ and ▶ mark the cut sides.
	offset := 0
	if x > width && len(spec.focus) > 0 {
		var fc int
		for _, f := range front {
			if spec.focus[0] >= f.begin && spec.focus[0] < f.end {
				fc = f.center
			}
		}
		offset = min(max(fc-t.prefix-(width-t.prefix)/2, 0), x-width)
	}
	if offset > 0 || x > width {
		for y := range h {
			row, sty := c.cells[y], c.style[y]
			c.cells[y] = append(append([]rune{}, row[:t.prefix]...), row[t.prefix+offset:]...)
			c.style[y] = append(append([]int{}, sty[:t.prefix]...), sty[t.prefix+offset:]...)
		}
		if offset > 0 {
			c.put(t.prefix-1, leafRow, '◀', stLevel)
		}
		if x-offset > width {
			c.put(width-1, leafRow, '▶', stLevel)
		}
	}

	lines := make([]string, h)
	for y := range h {
		row, sty := c.cells[y], c.style[y]
		end := len(row)
		for end > 0 && row[end-1] == ' ' {
			end--
		}
		end = min(end, width)
		var b strings.Builder
		for i := 0; i < end; {
			j := i
			for j < end && sty[j] == sty[i] {
				j++
			}
			seg := string(row[i:j])
			if strings.TrimSpace(seg) == "" {
				b.WriteString(seg)
			} else {
				b.WriteString(styles[sty[i]].Render(seg))
			}
			i = j
		}
		lines[y] = b.String()
	}
	return lines
}
