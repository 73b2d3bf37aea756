package learn

import (
	"encoding/hex"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui/learn/memlog"
)

func ansiTruncate(s string, w int) string {
	if w < 1 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// short renders a hash as its first 8 hex digits and an ellipsis.
func short(h []byte) string {
	if len(h) == 0 {
		return "(none)"
	}
	s := hex.EncodeToString(h)
	if len(s) > 8 {
		return s[:8] + "…"
	}
	return s
}

func nodeID(a proof.NodeAddr) memlog.NodeID { return memlog.NodeID{Level: a.Level, Index: a.Index} }

func addr(id memlog.NodeID) proof.NodeAddr { return proof.NodeAddr{Level: id.Level, Index: id.Index} }

// pathNodes returns the nodes from leaf up to the root of the RFC 6962 tree
// of the given size, leaf first. Requires leaf < size.
func pathNodes(leaf, size uint64) []proof.NodeAddr {
	var down []proof.NodeAddr
	b, e := uint64(0), size
	down = append(down, subtreeAddr(b, e))
	for e-b > 1 {
		k := split(b, e)
		if leaf < k {
			e = k
		} else {
			b = k
		}
		down = append(down, subtreeAddr(b, e))
	}
	out := make([]proof.NodeAddr, len(down))
	for i, a := range down {
		out[len(down)-1-i] = a
	}
	return out
}

// children returns the RFC 6962 children of node a in the tree of the given
// size. ok is false for leaves and nodes outside the tree.
func children(a proof.NodeAddr, size uint64) (l, r proof.NodeAddr, ok bool) {
	b, e, in := memlog.Covers(nodeID(a), size)
	if !in || e-b < 2 {
		return l, r, false
	}
	k := split(b, e)
	return subtreeAddr(b, k), subtreeAddr(k, e), true
}

// labeler returns node labels for a tree of the given size: the index at its
// level, or the first hex digits of its hash when hashes is set.
func labeler(l *memlog.Log, size uint64, hashes bool) func(proof.NodeAddr) string {
	return func(a proof.NodeAddr) string {
		if !hashes {
			return fmt.Sprint(a.Index)
		}
		h, err := l.Hash(nodeID(a), size)
		if err != nil {
			return "?"
		}
		return hex.EncodeToString(h)[:4]
	}
}

// classes builds a class function from sets, later sets winning.
type classes map[proof.NodeAddr]nodeClass

func (c classes) set(a proof.NodeAddr, cls nodeClass) {
	if c[a] < cls {
		c[a] = cls
	}
}

func (c classes) fn() func(proof.NodeAddr) nodeClass {
	return func(a proof.NodeAddr) nodeClass { return c[a] }
}

// screenKeys is the help.KeyMap for the current screen.
type screenKeys struct{ short, nav, act, app []key.Binding }

func (k screenKeys) ShortHelp() []key.Binding { return k.short }

func (k screenKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.nav, k.act, k.app} }

func relabel(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// KeyMap returns the bindings in effect, relabelled for the screen.
func (m *Model) KeyMap() help.KeyMap { return m.keyMap() }

func (m *Model) keyMap() screenKeys {
	k := m.keys
	app := []key.Binding{k.NextScreen, k.Lessons}
	switch {
	case m.typing:
		return screenKeys{short: []key.Binding{k.Confirm, k.Cancel}, act: []key.Binding{k.Confirm, k.Cancel}}
	case m.menu:
		nav := []key.Binding{relabel(k.Up, "up"), relabel(k.Down, "down"), relabel(k.Confirm, "start lesson"), relabel(k.Leave, "free play")}
		return screenKeys{short: nav, nav: nav}
	case m.lesson >= 0:
		next := relabel(k.Next, "next step")
		if m.lstep+1 >= len(m.lessons[m.lesson].steps) {
			next = relabel(k.Next, "finish lesson")
		}
		l := []key.Binding{next, relabel(k.Prev, "previous step"), relabel(k.Leave, "leave and play freely")}
		return screenKeys{short: l, nav: l, app: app}
	}
	grow := []key.Binding{k.Append, k.AppendMany, k.Type}
	var s screenKeys
	switch m.screen {
	case ScreenGrow:
		s.nav = []key.Binding{k.Left, k.Right, k.Up, k.Down}
		s.act = append(grow, k.Labels)
	case ScreenInclusion:
		s.nav = []key.Binding{k.Left, k.Right}
		s.act = []key.Binding{k.Step, k.StepBack, k.Labels, k.Append}
	case ScreenConsistency:
		s.nav = []key.Binding{relabel(k.Left, "old size −1"), relabel(k.Right, "old size +1"), relabel(k.SizeDown, "new size −1"), relabel(k.SizeUp, "new size +1")}
		s.act = []key.Binding{k.Step, k.StepBack, k.Labels, k.Append}
	case ScreenTamper:
		s.nav = []key.Binding{relabel(k.Left, "previous proof"), relabel(k.Right, "next proof")}
		s.act = []key.Binding{k.TamperLeaf, k.Restore, k.Labels}
	case ScreenTiles:
		s.nav = []key.Binding{relabel(k.Left, "leaf −1"), relabel(k.Right, "leaf +1"), relabel(k.Up, "leaf +256"), relabel(k.Down, "leaf −256")}
		s.act = []key.Binding{relabel(k.SizeDown, "size −1"), relabel(k.SizeUp, "size +1"), relabel(k.Home, "70,000 example"), relabel(k.End, "playground log")}
	}
	s.app = app
	s.short = append(append(append([]key.Binding{}, s.nav...), s.act...), app...)
	return s
}

// legend is the key to the tree drawing.
// legend is a screen's key to its drawing, wrapped between items onto as
// many lines as it needs (joined with newlines) rather than cut.
func (m *Model) legend(w int, items ...string) string {
	lines := packItems(items, w)
	for i, l := range lines {
		lines[i] = m.st.Muted.Render(truncate(l, w))
	}
	return strings.Join(lines, "\n")
}

// plural renders "1 step", "3 steps".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
