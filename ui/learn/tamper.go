package learn

import (
	"bytes"
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui/learn/memlog"
)

// tamperState is a tampering experiment: a copy of the log with one entry
// changed, and what the log had signed before the change.
type tamperState struct {
	on         bool
	leaf       uint64 // the changed entry
	before     []byte
	log        *memlog.Log // the tampered copy
	size       uint64      // size of the signed checkpoint
	signedRoot []byte
	// failing counts the inclusion proofs of the tampered copy that fail
	// against the signed root, computed once when tampering.
	failing uint64
	// cons* are consistency checks of old honest checkpoints against the
	// tampered tree: the first checkpoint holding the changed entry, and the
	// last one before it (0 if none).
	consAfter, consBefore     consistency
	consAfterOK, consBeforeOK bool
}

// flipByte changes one byte of data: the case of its first letter, or the
// low bit of its first byte.
func flipByte(data []byte) []byte {
	out := bytes.Clone(data)
	if len(out) == 0 {
		return []byte{0}
	}
	c := out[0]
	if c|0x20 >= 'a' && c|0x20 <= 'z' {
		out[0] = c ^ 0x20
	} else {
		out[0] = c ^ 0x01
	}
	return out
}

// tamperWith changes entry i of a copy of the log and records which proofs
// fail against the checkpoint the log signed before.
func (m *Model) tamperWith(i uint64) {
	n := m.log.Size()
	if i >= n {
		return
	}
	signed, _ := m.log.Root(n)
	t := tamperState{on: true, leaf: i, before: m.log.Entry(i), log: m.log.Clone(), size: n, signedRoot: signed}
	if err := t.log.Replace(i, flipByte(t.before)); err != nil {
		m.status = err.Error()
		return
	}
	for j := range n {
		if in := proveInclusion(t.log, j, n, signed); in.err != nil {
			t.failing++
		}
	}
	forged, _ := t.log.Root(n)
	if i+1 < n {
		r1, _ := m.log.Root(i + 1)
		t.consAfter = proveConsistency(t.log, i+1, n, r1, forged)
		t.consAfterOK = true
	}
	if i >= 1 {
		r1, _ := m.log.Root(i)
		t.consBefore = proveConsistency(t.log, i, n, r1, forged)
		t.consBeforeOK = true
	}
	m.tamper = t
}

func (m *Model) restore() {
	m.tamper = tamperState{}
}

func (m *Model) tamperKey(msg tea.KeyPressMsg) {
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
	case key.Matches(msg, k.TamperLeaf):
		m.tamperWith(m.leaf)
	case key.Matches(msg, k.Restore):
		m.restore()
	}
}

func (m *Model) tamperView(w, h int) []string {
	st := m.st
	n := m.log.Size()
	out := []string{st.Heading.Render("Tamper: change one entry after the log signed it")}
	if n == 0 {
		return append(out, "", "The log is empty: press "+st.Key.Render("a")+" to append leaves first.")
	}
	m.clampLeaf()
	t := m.tamper
	if !t.on {
		marker := func(l uint64) string {
			if l == m.leaf {
				return "▲"
			}
			return ""
		}
		spec := treeSpec{size: n, focus: []uint64{m.leaf}, label: labeler(m.log, n, true), class: classes{}.fn(), marker: marker}
		out = append(out, renderTree(spec, w, st)...)
		out = append(out, m.legend(w, "labels: first hex digits of each hash", "▲ selected leaf"))
		out = append(out, wrap(fmt.Sprintf("The log has signed a checkpoint for size %d. Pick a leaf with ←/→ and press t to change one byte of it, as a dishonest log might.", n), w)...)
		return out
	}
	changed := func(a proof.NodeAddr) nodeClass {
		h1, err1 := m.log.Hash(nodeID(a), n)
		h2, err2 := t.log.Hash(nodeID(a), n)
		if err1 == nil && err2 == nil && !bytes.Equal(h1, h2) {
			return clsChanged
		}
		return clsNormal
	}
	in := proveInclusion(t.log, m.leaf, n, t.signedRoot)
	honest := proveInclusion(m.log, m.leaf, n, t.signedRoot)
	proofAddrs := map[proof.NodeAddr]bool{}
	for _, p := range in.nodes {
		proofAddrs[addr(p.ID)] = true
	}
	class := func(a proof.NodeAddr) nodeClass {
		if c := changed(a); c != clsNormal {
			return c
		}
		if proofAddrs[a] {
			return clsSibling
		}
		return clsNormal
	}
	marker := func(l uint64) string {
		switch l {
		case t.leaf:
			return "✗"
		case m.leaf:
			return "▲"
		}
		return ""
	}
	spec := treeSpec{size: n, focus: []uint64{t.leaf, m.leaf}, label: labeler(t.log, n, true), class: class, marker: marker}
	out = append(out, renderTree(spec, w, st)...)
	out = append(out, m.legend(w, "✗ changed leaf", "reversed red: hashes that changed", "▲ proof shown", "underlined: its proof hashes"))
	forged, _ := t.log.Root(n)
	out = append(out, wrap(fmt.Sprintf("Leaf %d was %q, now %q. Every hash from it up to the root changed: the tree now hashes to %s, but the signed checkpoint (size %d) says %s.",
		t.leaf, t.before, t.log.Entry(t.leaf), short(forged), t.size, short(t.signedRoot)), w)...)

	// Where the probe's proof first uses a changed hash.
	first := -1
	if in.trace != nil && honest.trace != nil {
		if !bytes.Equal(in.trace.LeafHash, honest.trace.LeafHash) {
			first = 0
		} else {
			for i := range in.trace.Steps {
				if !bytes.Equal(in.trace.Steps[i].Out, honest.trace.Steps[i].Out) {
					first = i + 1
					break
				}
			}
		}
	}
	var why string
	switch {
	case in.trace == nil:
		why = fmt.Sprintf("cannot build the proof: %v", in.err)
	case first == 0:
		why = fmt.Sprintf("step 0, its own leaf hash SHA-256(0x00 ‖ %q) is new", in.entry)
	case first > 0:
		s := in.trace.Steps[first-1]
		why = fmt.Sprintf("step %d, which takes proof[%d] = %s, a changed hash", first, s.ProofIndex, addr(in.nodes[s.ProofIndex].ID))
	default:
		why = "no step (this should not happen)"
	}
	var rm *proof.RootMismatchError
	verdict := st.Pass.Render("✓ verifies")
	if in.err != nil {
		verdict = st.Fail.Render("✗ fails")
		if errors.As(in.err, &rm) {
			verdict += st.Fail.Render(fmt.Sprintf(": rebuilt root %s ≠ signed %s", short(rm.Computed), short(rm.Expected)))
		}
	}
	out = append(out, truncate(fmt.Sprintf("Proof for leaf %d %s", m.leaf, verdict), w))
	if in.trace != nil && h-len(out) >= len(in.trace.Steps)+8 {
		out = append(out, m.tamperSteps(in, first, w)...)
	}
	out = append(out, wrap(fmt.Sprintf("It goes wrong at %s. Inclusion proofs that now fail: %d of %d, every leaf's.", why, t.failing, n), w)...)
	if t.consAfterOK {
		out = append(out, m.consLine(t.consAfter, w))
	}
	if t.consBeforeOK {
		out = append(out, m.consLine(t.consBefore, w))
	}
	return out
}

// tamperSteps lists the probe proof's hash steps, marking those whose
// output differs from the honest tree's from the first changed input on.
func (m *Model) tamperSteps(in inclusion, first, w int) []string {
	mark := func(i int) string {
		if first >= 0 && i >= first {
			return m.st.Fail.Render(" ✗ changed ")
		}
		return m.st.Pass.Render(" ✓ unchanged")
	}
	rows := []string{truncate(fmt.Sprintf("    0  %-8s = SHA-256(0x00 ‖ %q) = %s", proof.NodeAddr{Index: in.index}, in.entry, short(in.trace.LeafHash)), w-11) + mark(0)}
	inputs := in.inputs()
	for i, s := range in.trace.Steps {
		left, right := inputs[i].String(), fmt.Sprintf("proof[%d] %s", s.ProofIndex, addr(in.nodes[s.ProofIndex].ID))
		if s.SiblingOnLeft {
			left, right = right, left
		}
		rows = append(rows, truncate(fmt.Sprintf("    %-2d %-8s = SHA-256(0x01 ‖ %s ‖ %s) = %s", i+1, s.Node, left, right, short(s.Out)), w-11)+mark(i+1))
	}
	return rows
}

// consLine is one verdict of an old checkpoint against the tampered tree.
func (m *Model) consLine(c consistency, w int) string {
	st := m.st
	if c.err == nil {
		return st.Pass.Render(truncate(fmt.Sprintf("✓ the checkpoint of size %d (before the change) is still consistent", c.size1), w))
	}
	return st.Fail.Render(truncate(fmt.Sprintf("✗ the checkpoint of size %d is not consistent with it: %v", c.size1, c.err), w))
}
