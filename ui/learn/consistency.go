package learn

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui/learn/memlog"
)

// consistency is one drawn consistency proof and its verification trace.
type consistency struct {
	size1, size2 uint64
	nodes        []memlog.ProofNode
	trace        *proof.ConsistencyTrace
	err          error
}

// proveConsistency asks l for the proof between size1 and size2 and
// verifies it against the given roots with the proof package.
func proveConsistency(l *memlog.Log, size1, size2 uint64, root1, root2 []byte) consistency {
	c := consistency{size1: size1, size2: size2}
	c.nodes, c.err = l.Consistency(size1, size2)
	if c.err != nil {
		return c
	}
	c.trace, c.err = proof.TraceConsistency(size1, size2, memlog.Hashes(c.nodes), root1, root2)
	return c
}

// consSizes returns the old and new sizes in effect: 1 <= old < new <= log size.
func (m *Model) consSizes() (uint64, uint64, bool) {
	n := m.log.Size()
	if n < 2 {
		return 0, 0, false
	}
	n2 := m.newSize
	if n2 == 0 || n2 > n {
		n2 = n
	}
	n2 = max(n2, 2)
	n1 := m.oldSize
	if n1 == 0 {
		n1 = max(n2/2, 1)
	}
	n1 = min(max(n1, 1), n2-1)
	return n1, n2, true
}

func (m *Model) consistencyKey(msg tea.KeyPressMsg) {
	k := m.keys
	n1, n2, ok := m.consSizes()
	if !ok {
		return
	}
	m.oldSize, m.newSize = n1, n2
	switch {
	case key.Matches(msg, k.Left):
		m.oldSize, m.newSize, m.consStep = max(n1-1, 1), n2, 0
	case key.Matches(msg, k.Right):
		m.oldSize, m.newSize, m.consStep = min(n1+1, n2-1), n2, 0
	case key.Matches(msg, k.SizeDown):
		m.oldSize, m.newSize, m.consStep = min(n1, n2-2), max(n2-1, 2), 0
	case key.Matches(msg, k.SizeUp):
		m.oldSize, m.newSize, m.consStep = n1, min(n2+1, m.log.Size()), 0
	case key.Matches(msg, k.Step):
		m.consStep++
	case key.Matches(msg, k.StepBack) && m.consStep > 0:
		m.consStep--
	}
}

func (m *Model) consistencyView(w, h int) []string {
	st := m.st
	out := []string{st.Heading.Render("Consistency: the new tree still contains the old one, unchanged")}
	n1, n2, ok := m.consSizes()
	if !ok {
		return append(out, "", "Consistency needs two tree sizes: append at least 2 leaves ("+st.Key.Render("a")+").")
	}
	r1, _ := m.log.Root(n1)
	r2, _ := m.log.Root(n2)
	c := proveConsistency(m.log, n1, n2, r1, r2)
	if c.trace == nil {
		return append(out, st.Fail.Render(fmt.Sprint("cannot build the proof: ", c.err)))
	}
	t := c.trace
	s1, s2 := len(t.Steps1), len(t.Steps2)
	m.consStep = min(m.consStep, s1+s2+2)
	stage := m.consStep

	reused := map[proof.NodeAddr]bool{}
	for _, a := range t.Reused {
		reused[a] = true
	}
	// Highlights for a tree of the given size (old or new).
	mkClass := func(size uint64, steps []proof.HashStep, taken int, current bool) func(proof.NodeAddr) nodeClass {
		cls := classes{}
		for _, p := range c.nodes {
			if !reused[addr(p.ID)] {
				cls.set(addr(p.ID), clsSibling)
			}
		}
		for i := 0; i < taken && i < len(steps); i++ {
			cls.set(steps[i].Node, clsDone)
		}
		if current && taken >= 1 && taken <= len(steps) {
			cls.set(steps[taken-1].Node, clsCurrent)
		}
		for a := range reused {
			cls.set(a, clsReused)
		}
		return func(a proof.NodeAddr) nodeClass {
			if cl := cls[a]; cl != clsNormal {
				return cl
			}
			if _, e, ok := coverage(a, size); ok && e <= n1 {
				return clsOld
			}
			return clsNormal
		}
	}
	marker := func(l uint64) string {
		if l == n1-1 {
			return "▲"
		}
		return ""
	}
	oldTaken, newTaken := min(stage, s1), 0
	if stage > s1 {
		newTaken = stage - s1
	}
	oldSpec := treeSpec{size: n1, focus: []uint64{n1 - 1}, label: labeler(m.log, n1, m.showHash), class: mkClass(n1, t.Steps1, oldTaken, stage <= s1), marker: marker}
	newSpec := treeSpec{size: n2, focus: []uint64{n1 - 1, n2 - 1}, label: labeler(m.log, n2, m.showHash), class: mkClass(n2, t.Steps2, newTaken, stage > s1), marker: marker}
	oldRows := int(proof.RootAddr(n1).Level) + 3
	newRows := int(proof.RootAddr(n2).Level) + 3
	both := oldRows+newRows+8 <= h
	witness := stage == s1+s2+2
	if !witness && (both || stage <= s1) {
		out = append(out, st.Muted.Render(fmt.Sprintf("Old tree, size %d (the checkpoint you saved):", n1)))
		out = append(out, renderTree(oldSpec, w, st)...)
	}
	if !witness && (both || stage > s1) {
		out = append(out, st.Muted.Render(fmt.Sprintf("New tree, size %d (the log's latest):", n2)))
		out = append(out, renderTree(newSpec, w, st)...)
	}
	if !witness {
		out = append(out, m.legend(w, "▲ last old leaf", "underlined: proof hashes", "the reused ones in green"))
	}
	var ru []string
	for _, a := range t.Reused {
		ru = append(ru, a.String())
	}

	seed := fmt.Sprintf("Start from old node %s", t.Seed)
	if t.SeedProofIndex < 0 {
		seed += " = the old root itself (size is a power of two, so the proof omits it)"
	} else {
		seed += fmt.Sprintf(" = proof[%d]", t.SeedProofIndex)
	}
	if !witness {
		out = append(out, wrap(fmt.Sprintf("The proof has %s. %s, then rebuild the old root (%s) and the new root (%s) from the same hashes. Old nodes reused unchanged: %s.",
			plural(len(c.nodes), "hash", "hashes"), seed, plural(s1, "step", "steps"), plural(s2, "step", "steps"), strings.Join(ru, ", ")), w)...)
	}
	rows := []string{m.stepRow(stage == 0, "0", t.Seed.String(), "start", t.SeedHash)}
	stepRows := func(steps []proof.HashStep, base int, prefix string) {
		prev := t.Seed
		for i, s := range steps {
			left, right := prev.String(), fmt.Sprintf("proof[%d]", s.ProofIndex)
			if s.SiblingOnLeft {
				left, right = right, left
			}
			rows = append(rows, m.stepRow(stage == base+i+1, fmt.Sprintf("%s%d", prefix, i+1), s.Node.String(),
				fmt.Sprintf("SHA-256(0x01 ‖ %s ‖ %s)", left, right), s.Out))
			prev = s.Node
		}
	}
	stepRows(t.Steps1, 0, "o")
	stepRows(t.Steps2, s1, "n")
	// Keep the current step in view: show a window of rows around it.
	room := max(h-len(out)-3, 3)
	if len(rows) > room {
		from := min(max(stage-room/2, 0), len(rows)-room)
		rows = rows[from : from+room]
	}
	if stage <= s1+s2 {
		out = append(out, rows...)
		return append(out, st.Muted.Render(truncate("space: next step · ←/→: old size · [/]: new size", w)))
	}
	check := func(name string, got, want []byte) string {
		v := st.Check(string(got) == string(want))
		return truncate(fmt.Sprintf("%s %s rebuilt %s, signed %s", v, name, short(got), short(want)), w)
	}
	out = append(out, check(fmt.Sprintf("old root (size %d)", n1), t.Computed1, t.Root1), check(fmt.Sprintf("new root (size %d)", n2), t.Computed2, t.Root2))
	if c.err != nil {
		return append(out, st.Fail.Render(truncate("✗ "+c.err.Error(), w)))
	}
	out = append(out, st.Pass.Render(truncate("✓ consistent: the log only appended since size "+fmt.Sprint(n1), w)))
	if stage <= s1+s2+1 {
		return append(out, st.Muted.Render(truncate("space: a witness checks this and cosigns", w)))
	}
	cp, err := m.log.Checkpoint(m.origin, n2, m.logKey, m.witKey)
	if err != nil {
		return append(out, st.Fail.Render(err.Error()))
	}
	out = append(out, wrap(fmt.Sprintf("A witness that had seen size %d verified this proof and cosigned the checkpoint of size %d:", n1, n2), w)...)
	return append(out, m.noteLines(cp, w, m.logKey, m.witKey)...)
}
