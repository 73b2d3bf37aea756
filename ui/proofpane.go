package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/provscope/provscope/model"
)

// proofPane draws the selected entry's RFC 6962 inclusion proof as a tree,
// from the checkpoint root down to the leaf, or a consistency proof between
// two checkpoints. At 80 columns hashes are cut and indentation capped; with
// room, full hashes and the whole tree are shown.
type proofPane struct {
	c       *Common
	s       *session
	w, h    int
	focused bool
	spinner string
	offset  int

	entry *model.LogEntry
	trace *inclusionTrace
	cons  *consistencyTrace
	// consRunning says a consistency check is in flight.
	consRunning bool
	consErr     error
	lines       []string
}

func newProofPane(c *Common, s *session) *proofPane { return &proofPane{c: c, s: s} }

func (p *proofPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.render()
}

func (p *proofPane) Init() tea.Cmd { return nil }

func (p *proofPane) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Up, k.Down, k.Consistency, k.Copy}
}

func (p *proofPane) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// setEntry shows e's inclusion proof.
func (p *proofPane) setEntry(e *model.LogEntry) {
	p.entry, p.cons, p.consErr, p.offset = e, nil, nil, 0
	p.trace = nil
	if e != nil && e.Proof != nil && e.Proof.LogIndex >= 0 && e.Proof.TreeSize > 0 {
		t := traceInclusion(uint64(e.Proof.LogIndex), uint64(e.Proof.TreeSize), leafHash(e.Body), e.Proof.Hashes, e.Proof.RootHash)
		p.trace = &t
	}
	p.render()
}

// setConsistency shows a consistency check's outcome.
func (p *proofPane) setConsistency(t *consistencyTrace, err error) {
	p.cons, p.consErr, p.consRunning, p.offset = t, err, false, 0
	p.render()
}

func (p *proofPane) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if off, ok := scrollKey(km, p.c.Keys, p.offset, p.h, len(p.lines)); ok {
		p.offset = off
		return nil
	}
	if key.Matches(km, p.c.Keys.Back) && (p.cons != nil || p.consErr != nil) {
		p.cons, p.consErr = nil, nil
		p.render()
	}
	p.clampOffset()
	return nil
}

func (p *proofPane) clampOffset() {
	p.offset = min(max(p.offset, 0), max(len(p.lines)-p.h, 0))
}

// selectedValue is the computed root (or the consistency proof's new root).
func (p *proofPane) selectedValue() string {
	switch {
	case p.cons != nil:
		return hexOf(p.cons.Root2)
	case p.trace != nil:
		return hexOf(p.trace.Computed)
	}
	return ""
}

func (p *proofPane) heading() string {
	if p.cons != nil || p.consRunning || p.consErr != nil {
		return "Consistency"
	}
	return "Proof"
}

func (p *proofPane) View() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	lines := p.lines
	if p.consRunning {
		lines = []string{p.spinner + " fetching the consistency proof…"}
	}
	p.clampOffset()
	if p.offset < len(lines) {
		lines = lines[p.offset:]
	}
	return clip(lines, p.w, p.h)
}

// hexWidth is how many hex digits of a hash fit beside a label of the
// given width.
func (p *proofPane) hexWidth(used int) int {
	free := p.w - used
	switch {
	case free >= 64:
		return 64
	case free >= 32:
		return 16
	case free >= 16:
		return 8
	}
	return 6
}

func (p *proofPane) render() {
	st := p.c.Styles
	p.lines = p.lines[:0]
	add := func(s ...string) { p.lines = append(p.lines, s...) }
	if p.w <= 0 {
		return
	}
	if p.cons != nil || p.consErr != nil {
		p.renderConsistency()
		return
	}
	if p.entry == nil {
		add(styledWrap(st.Pane.Empty, "select a log entry to see its inclusion proof; press c to check the log's consistency", p.w)...)
		return
	}
	if p.entry.Proof == nil {
		add(styledWrap(st.Pane.Empty, "the log returned no inclusion proof for this entry", p.w)...)
		return
	}
	t := p.trace
	pr := p.entry.Proof
	add(st.Detail.Heading.Render(fmt.Sprintf("leaf %d of %d", pr.LogIndex, pr.TreeSize)) +
		st.Proof.Label.Render(fmt.Sprintf(" · %d sibling hashes", len(pr.Hashes))))
	if t.Err != nil {
		add(styledWrap(st.Proof.Mismatch, "✗ "+t.Err.Error(), p.w)...)
		return
	}
	// Each line is a label, a hash and a suffix.
	type hline struct{ pre, hash, post string }
	var hl []hline
	hl = append(hl, hline{st.Proof.Label.Render("checkpoint root "), hexOf(t.Expected), ""})
	verdict := st.Proof.Mismatch.Render("✗ mismatch")
	untrusted := ""
	if p.c.LogTrusted != nil {
		if ok, why := p.c.LogTrusted(p.entry.LogID); !ok {
			untrusted = why
		}
	}
	switch {
	case t.Match() && untrusted != "":
		// The path reaches the root the log itself sent: no evidence
		// from a log nobody trusts.
		verdict = st.Badge.Error.Render("! untrusted log")
	case t.Match():
		verdict = st.Proof.Match.Render("✓ match")
	}
	hl = append(hl, hline{st.Proof.Label.Render("computed root   "), hexOf(t.Computed), " " + verdict})
	if untrusted != "" {
		add(styledWrap(st.Badge.Error, "! "+untrusted, p.w)...)
	}

	// Tree, root first. Each level prints the sibling, then descends
	// into the path node; indentation is capped so it fits.
	indentStep, maxIndent := 2, p.w/3
	if p.w < 60 {
		indentStep, maxIndent = 1, p.w/5
	}
	rootAddr := fmt.Sprintf("(%d,0)", rootLevel(t.Size))
	rootPost := ""
	if len(t.Steps) > 0 {
		rootPost = formulaFor(st, t.Steps[len(t.Steps)-1], p.w)
	}
	hl = append(hl, hline{st.Proof.Path.Render("● root "+rootAddr) + " ", hexOf(t.Computed), rootPost})
	depth := 0
	for i := len(t.Steps) - 1; i >= 0; i-- {
		s := t.Steps[i]
		pad := strings.Repeat(" ", min(depth*indentStep, maxIndent))
		sib, path := s.Right, s.Left
		sibSide, pathSide := "R", "L"
		if s.SiblingLeft {
			sib, path = s.Left, s.Right
			sibSide, pathSide = "L", "R"
		}
		sibStyle := st.Proof.Sibling
		if sib.Ephemeral {
			sibStyle = st.Proof.Ephemeral
		}
		sibPre := pad + "├─" + sibStyle.Render(sibSide+" "+sib.addr()) + " "
		hl = append(hl, hline{sibPre, hexOf(sib.Hash), st.Proof.Label.Render(fmt.Sprintf(" proof[%d]", s.ProofIndex))})
		if i == 0 {
			leafPre := pad + "└─" + st.Proof.Path.Render(pathSide+" leaf "+path.addr()) + " "
			hl = append(hl, hline{leafPre, hexOf(path.Hash), st.Proof.Label.Render(" = H(0x00‖body)")})
		} else {
			hl = append(hl, hline{pad + "└─" + st.Proof.Path.Render(pathSide+" "+path.addr()) + " ", hexOf(path.Hash), formulaFor(st, t.Steps[i-1], p.w)})
		}
		depth++
	}
	if len(t.Steps) == 0 {
		hl = append(hl, hline{"└─" + st.Proof.Path.Render("leaf "+t.Leaf.addr()) + " ", hexOf(t.Leaf.Hash), st.Proof.Label.Render(" = H(0x00‖body) = root")})
	}
	// One hash width for every line: the longest at which each label and
	// hash fit; a suffix that then does not fit goes on a line of its own,
	// under the hash, so nothing is cut.
	cut := func(c int, h string) int {
		if c < len(h) {
			return c + 1 // the ellipsis
		}
		return len(h)
	}
	hw := 6
	for _, c := range []int{64, 16, 8} {
		fits := true
		for _, l := range hl {
			if lipgloss.Width(l.pre)+cut(c, l.hash) > p.w {
				fits = false
				break
			}
		}
		if fits {
			hw = c
			break
		}
	}
	for _, l := range hl {
		line := l.pre + st.Proof.Hash.Render(hexShort(l.hash, hw))
		if lipgloss.Width(line)+lipgloss.Width(l.post) <= p.w {
			add(line + l.post)
			continue
		}
		add(line)
		if l.post != "" {
			add(strings.Repeat(" ", min(lipgloss.Width(l.pre), max(p.w-lipgloss.Width(l.post), 0))) + strings.TrimPrefix(l.post, " "))
		}
	}
	add("")
	add(styledWrap(st.Detail.Note, "(level,index) node address · ~ ephemeral: its subtree reaches past the tree's right edge, so its hash changes as the log grows; others are perfect · leaves hash 0x00‖body, interior nodes 0x01‖left‖right", p.w)...)
}

func formulaFor(st Styles, s hashStep, w int) string {
	if w < 100 {
		return ""
	}
	return st.Proof.Label.Render(fmt.Sprintf(" = H(0x01‖%s‖%s)", s.Left.addr(), s.Right.addr()))
}

func (p *proofPane) renderConsistency() {
	st := p.c.Styles
	add := func(s ...string) { p.lines = append(p.lines, s...) }
	if p.consErr != nil && p.cons == nil {
		add(styledWrap(st.Pane.Error, "✗ "+p.consErr.Error(), p.w)...)
		add(styledWrap(st.Pane.Empty, "press c to retry, esc to go back to the inclusion proof", p.w)...)
		return
	}
	t := p.cons
	hw := p.hexWidth(24)
	add(st.Detail.Heading.Render(fmt.Sprintf("remembered size %d → current size %d", t.Size1, t.Size2)))
	add(st.Proof.Label.Render("remembered root ") + st.Proof.Hash.Render(hexShort(hexOf(t.Root1), hw)))
	add(st.Proof.Label.Render("current root    ") + st.Proof.Hash.Render(hexShort(hexOf(t.Root2), hw)))
	if t.Err != nil {
		add(styledWrap(st.Proof.Mismatch, "✗ inconsistent: "+t.Err.Error(), p.w)...)
	} else {
		add(st.Proof.Match.Render("✓ consistent") + st.Proof.Label.Render(": the old tree is a prefix of the new one"))
	}
	add("")
	nodes := t.Nodes
	if len(nodes) == 0 {
		switch {
		case t.Err != nil:
		case t.Size1 == 0:
			add(styledWrap(st.Detail.Note, "the remembered tree was empty: every tree extends it, so there is nothing to prove", p.w)...)
		case t.Size1 == t.Size2:
			add(styledWrap(st.Detail.Note, fmt.Sprintf("the log has not grown since the remembered checkpoint (size %d): the same tree, nothing to prove yet. Press c again once it has grown.", t.Size1), p.w)...)
		}
		if g := p.s.lastGrowth; g != nil && t.Err == nil && t.Size1 == t.Size2 {
			add("")
			add(styledWrap(st.Detail.Heading, fmt.Sprintf("size %d → %d: the last growth this session, proven consistent with", g.Size1, g.Size2), p.w)...)
			add(st.Proof.Label.Render("root at size "+fmt.Sprint(g.Size1)+" ") + st.Proof.Hash.Render(hexShort(hexOf(g.Root1), hw)))
			nodes = g.Nodes
		}
	}
	for i, n := range nodes {
		sty := st.Proof.Sibling
		if n.Node.Ephemeral {
			sty = st.Proof.Ephemeral
		}
		extra := ""
		if n.Rebuilt {
			extra = st.Proof.Label.Render(" (combined)")
		}
		add(fmt.Sprintf("proof[%d] ", i) + sty.Render(n.Node.addr()) + " " + st.Proof.Hash.Render(hexShort(hexOf(n.Node.Hash), hw)) + extra)
	}
	add("")
	add(styledWrap(st.Detail.Note, "RFC 6962 §2.1.2: the proof rebuilds the remembered root from nodes of the old tree, then the current root from them and the new nodes · esc: back to the inclusion proof", p.w)...)
}
