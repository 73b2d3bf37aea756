package learn

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui/learn/memlog"
)

// inclusion is one drawn inclusion proof: the proof nodes the log served
// and the proof package's verification trace of them.
type inclusion struct {
	index, size uint64
	entry       []byte
	nodes       []memlog.ProofNode
	root        []byte
	trace       *proof.InclusionTrace
	err         error // the proof package's verdict
}

// proveInclusion asks l for leaf index's proof in the tree of the given
// size and verifies it against root with the proof package.
func proveInclusion(l *memlog.Log, index, size uint64, root []byte) inclusion {
	in := inclusion{index: index, size: size, root: root, entry: l.Entry(index)}
	in.nodes, in.err = l.Inclusion(index, size)
	if in.err != nil {
		return in
	}
	in.trace, in.err = proof.TraceInclusion(index, size, proof.LeafHash(in.entry), memlog.Hashes(in.nodes), root)
	return in
}

// inputs returns, for each step, the address of the node carried up from
// the leaf (the other input is the proof node).
func (in inclusion) inputs() []proof.NodeAddr {
	if in.trace == nil {
		return nil
	}
	out := make([]proof.NodeAddr, len(in.trace.Steps))
	prev := proof.NodeAddr{Index: in.index}
	for i, s := range in.trace.Steps {
		out[i] = prev
		prev = s.Node
	}
	return out
}

func (m *Model) inclusionKey(msg tea.KeyPressMsg) {
	k := m.keys
	n := m.log.Size()
	if n == 0 {
		return
	}
	old := m.leaf
	switch {
	case key.Matches(msg, k.Left) && m.leaf > 0:
		m.leaf--
	case key.Matches(msg, k.Right) && m.leaf+1 < n:
		m.leaf++
	case key.Matches(msg, k.Home):
		m.leaf = 0
	case key.Matches(msg, k.End):
		m.leaf = n - 1
	case key.Matches(msg, k.Step):
		m.inclStep++
	case key.Matches(msg, k.StepBack) && m.inclStep > 0:
		m.inclStep--
	}
	if m.leaf != old {
		m.inclStep = 0
	}
}

func (m *Model) inclusionView(w, h int) []string {
	st := m.st
	n := m.log.Size()
	out := []string{st.Heading.Render("Inclusion: prove one leaf is in the tree, hash by hash")}
	if n == 0 {
		return append(out, "", "The log is empty: press "+st.Key.Render("a")+" to append leaves first.")
	}
	m.clampLeaf()
	root, _ := m.log.Root(n)
	in := proveInclusion(m.log, m.leaf, n, root)
	if in.trace == nil {
		return append(out, st.Fail.Render("cannot build the proof: "+fmt.Sprint(in.err)))
	}
	steps := in.trace.Steps
	m.inclStep = min(m.inclStep, len(steps)+1)
	inputs := in.inputs()

	cls := classes{}
	for _, p := range in.nodes {
		cls.set(addr(p.ID), clsSibling)
	}
	leafAddr := proof.NodeAddr{Index: m.leaf}
	switch m.inclStep {
	case 0:
		cls.set(leafAddr, clsCurrent)
	default:
		cls.set(leafAddr, clsDone)
		for i := 0; i < m.inclStep-1 && i < len(steps); i++ {
			cls.set(steps[i].Node, clsDone)
		}
		if i := m.inclStep - 1; i < len(steps) {
			cls.set(addr(in.nodes[steps[i].ProofIndex].ID), clsSelected)
			cls.set(steps[i].Node, clsCurrent)
		} else {
			cls.set(proof.RootAddr(n), clsDone)
		}
	}
	marker := func(l uint64) string {
		if l == m.leaf {
			return "▲"
		}
		return ""
	}
	spec := treeSpec{size: n, focus: []uint64{m.leaf}, label: labeler(m.log, n, m.showHash), class: cls.fn(), marker: marker}
	out = append(out, renderTree(spec, w, st)...)
	out = append(out, m.legend(w, "▲ leaf to prove", "underlined: the proof's hashes", "╌ ephemeral"))
	out = append(out, wrap(fmt.Sprintf("Leaf %d of %d holds %q. The log's proof has %d hashes; the verifier rebuilds the root from the leaf and them:",
		m.leaf, n, in.entry, len(in.nodes)), w)...)

	rows := []string{m.stepRow(m.inclStep == 0, "0", leafAddr.String(), fmt.Sprintf("SHA-256(0x00 ‖ %q)", in.entry), in.trace.LeafHash)}
	for i, s := range steps {
		pn := in.nodes[s.ProofIndex]
		left, right := inputs[i].String(), "proof["+fmt.Sprint(s.ProofIndex)+"] "+addr(pn.ID).String()
		if s.SiblingOnLeft {
			left, right = right, left
		}
		rows = append(rows, m.stepRow(m.inclStep == i+1, fmt.Sprint(i+1), s.Node.String(),
			fmt.Sprintf("SHA-256(0x01 ‖ %s ‖ %s)", left, right), s.Out))
	}
	if m.inclStep > len(steps) {
		rows = rows[len(rows)-1:] // room for the checkpoint
	}
	// Keep the current step in view when the list does not fit.
	if room := max(h-len(out)-1, 3); len(rows) > room {
		from := min(max(m.inclStep-room/2, 0), len(rows)-room)
		rows = rows[from : from+room]
	}
	out = append(out, rows...)
	if m.inclStep <= len(steps) {
		out = append(out, st.Muted.Render(truncate("space: next step · ⌫: back · ←/→: another leaf", w)))
		return out
	}
	out = append(out, m.checkpointLines(in, w)...)
	return out
}

// stepRow renders one line of a step list, "▶" marking the current one.
func (m *Model) stepRow(current bool, num, node, formula string, out []byte) string {
	mark := "  "
	st := m.st.Text
	if current {
		mark = "▶ "
		st = m.st.Heading
	}
	return st.Render(truncate(fmt.Sprintf("%s%-2s %-8s = %s = %s", mark, num, node, formula, short(out)), m.w))
}

// checkpointLines compares the rebuilt root with the signed checkpoint and
// verifies the checkpoint's signature.
func (m *Model) checkpointLines(in inclusion, w int) []string {
	st := m.st
	var out []string
	verdict := st.Pass.Render("✓ equal")
	if in.err != nil {
		verdict = st.Fail.Render("✗ " + in.err.Error())
	}
	out = append(out, truncate(fmt.Sprintf("Rebuilt root %s vs checkpoint root %s: %s", short(in.trace.Computed), short(in.trace.Expected), verdict), w))
	cp, err := m.log.Checkpoint(m.origin, in.size, m.logKey)
	if err != nil {
		return append(out, st.Fail.Render(err.Error()))
	}
	out = append(out, m.noteLines(cp, w, m.logKey)...)
	return out
}

// noteLines shows a signed checkpoint and verifies it with the proof
// package's checkpoint verifier, trusting exactly keys (the log's, and any
// witness's). Signature lines are cut to the signer and the first bytes of
// the signature: the key hash, then (for cosignatures) the timestamp.
func (m *Model) noteLines(cp []byte, w int, keys ...memlog.Key) []string {
	st := m.st
	var out []string
	for _, l := range splitLines(string(cp)) {
		if strings.HasPrefix(l, "— ") {
			if f := strings.Fields(l); len(f) == 3 && len(f[2]) > 8 {
				l = f[0] + " " + f[1] + " " + f[2][:8] + "…"
			}
		}
		out = append(out, st.Muted.Render("  │ ")+st.Hash.Render(truncate(l, w-4)))
	}
	var trusted []proof.NoteKey
	witnesses := 0
	for _, k := range keys {
		parse := proof.ParseNoteKey
		if k.Witness {
			parse = proof.ParseWitnessKey
			witnesses++
		}
		nk, err := parse(k.VerifierKey)
		if err != nil {
			return append(out, st.Fail.Render(truncate("✗ "+err.Error(), w)))
		}
		trusted = append(trusted, nk)
	}
	vc, err := proof.VerifyCheckpoint(cp, trusted, proof.CheckpointOptions{Origin: m.origin, MinWitnesses: witnesses})
	if vc != nil && vc.Note != nil {
		for _, s := range vc.Note.Signatures {
			what := "signature"
			if s.Key != nil {
				what = s.Key.Alg + " signature"
				if s.Key.Role == proof.RoleWitness {
					what = s.Key.Alg
				}
			}
			line := fmt.Sprintf("%s by %s: %s", what, s.Name, s.Status)
			if s.Status == proof.SigVerified {
				out = append(out, st.Pass.Render(truncate("✓ "+line, w)))
			} else {
				out = append(out, st.Fail.Render(truncate("✗ "+line, w)))
			}
		}
	}
	if err != nil {
		out = append(out, st.Fail.Render(truncate("✗ checkpoint: "+err.Error(), w)))
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
