package learn

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/proof"
)

func (m *Model) growKey(msg tea.KeyPressMsg) {
	k := m.keys
	n := m.log.Size()
	if n == 0 {
		return
	}
	switch {
	case key.Matches(msg, k.Left) && m.leaf > 0:
		m.leaf--
	case key.Matches(msg, k.Right) && m.leaf+1 < n:
		m.leaf++
	case key.Matches(msg, k.Home):
		m.leaf = 0
	case key.Matches(msg, k.End):
		m.leaf = n - 1
	case key.Matches(msg, k.Up):
		m.up++
	case key.Matches(msg, k.Down) && m.up > 0:
		m.up--
	}
	m.clampLeaf()
	m.up = min(m.up, len(pathNodes(m.leaf, n))-1)
}

// selectedNode is the grow screen's selected node: m.up levels of the RFC
// 6962 tree above the selected leaf.
func (m *Model) selectedNode() proof.NodeAddr {
	p := pathNodes(m.leaf, m.log.Size())
	return p[min(m.up, len(p)-1)]
}

func (m *Model) growView(w, _ int) []string {
	st := m.st
	n := m.log.Size()
	out := []string{st.Heading.Render("Grow: an append-only log, hashed as RFC 6962 builds it")}
	if n == 0 {
		out = append(out, "",
			"The log is empty. Press "+st.Key.Render("a")+" to append a random leaf, "+
				st.Key.Render("A")+" for 16, or "+st.Key.Render("i")+" to type your own.")
		return out
	}
	m.clampLeaf()
	sel := m.selectedNode()
	path := pathNodes(m.leaf, n)
	cls := classes{}
	for _, a := range path {
		cls.set(a, clsPath)
	}
	cls.set(sel, clsSelected)
	marker := func(l uint64) string {
		if l == m.leaf {
			return "▲"
		}
		return ""
	}
	spec := treeSpec{size: n, focus: []uint64{m.leaf}, label: labeler(m.log, n, m.showHash), class: cls.fn(), marker: marker}
	out = append(out, renderTree(spec, w, st)...)
	out = append(out, m.legend(w, "─ perfect", "╌ ephemeral", "┆ collapsed perfect subtree", "▲ selected leaf", "highlighted: selected node"))

	root, _ := m.log.Root(n)
	b, e, _ := coverage(sel, n)
	kind := "perfect: all its leaves exist, its hash will never change"
	if e-b == 1 {
		kind = "a leaf: its hash will never change"
	}
	if !sel.Perfect(n) {
		kind = "ephemeral: the log has not filled it yet, its hash changes as leaves arrive"
	}
	h, _ := m.log.Hash(nodeID(sel), n)
	lines := []string{
		fmt.Sprintf("Size %d, root %s = %s.", n, proof.RootAddr(n), short(root)),
		fmt.Sprintf("Selected node %s (level %d, index %d) covers %s; %s.", sel, sel.Level, sel.Index, leafRange(b, e), kind),
	}
	if sel.Level == 0 && e-b == 1 {
		lines = append(lines, fmt.Sprintf("Leaf %d holds %q; its hash SHA-256(0x00 ‖ entry) = %s.", m.leaf, m.log.Entry(m.leaf), short(h)))
	} else if l, r, ok := children(sel, n); ok {
		lh, _ := m.log.Hash(nodeID(l), n)
		rh, _ := m.log.Hash(nodeID(r), n)
		lines = append(lines, fmt.Sprintf("Its hash SHA-256(0x01 ‖ %s %s ‖ %s %s) = %s.", l, short(lh), r, short(rh), short(h)))
	}
	for _, l := range lines {
		out = append(out, wrap(l, w)...)
	}
	return out
}

// leafRange names leaves [b, e): "leaf 3" or "leaves 0..3".
func leafRange(b, e uint64) string {
	if e-b == 1 {
		return fmt.Sprintf("leaf %d", b)
	}
	return fmt.Sprintf("leaves %d..%d", b, e-1)
}

// coverage returns the leaves [b, e) under a in the tree of size n.
func coverage(a proof.NodeAddr, n uint64) (b, e uint64, ok bool) {
	b = a.Index << a.Level
	e = (a.Index + 1) << a.Level
	if b >= n {
		return 0, 0, false
	}
	return b, min(e, n), true
}
