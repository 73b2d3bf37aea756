package report

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// An inclusion trace (proof.TraceInclusion) has two text renderings, on
// purpose: the tree (`provscope proof`) shows where each node sits, the
// siblings the proof supplied beside the path from the leaf to the root;
// the hash walk (`provscope verify-entry`, the explorer's
// inclusion-proof.txt) lists each hash with both its inputs, bottom up, so
// a reader can recompute it line by line. Both read the same trace and the
// same node addresses, with ~ marking an ephemeral node as the explorer's
// Proof pane does.

// TreeLegend explains the marks WriteInclusionTree uses.
const TreeLegend = "Legend: H = SHA-256(0x01 ‖ left ‖ right); leaf = SHA-256(0x00 ‖ body); proof[i] = hash i of the proof; ~ ephemeral (right border: stands for the leaves that exist, its hash changes as the log grows)\n"

// hexHash returns h in hex, cut to 16 digits and … unless full.
func hexHash(h []byte, full bool) string {
	s := hex.EncodeToString(h)
	if !full && len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// rootMark words whether the rebuilt root matches the expected one.
func rootMark(t *proof.InclusionTrace, yes, no string) string {
	if t.Matches() {
		return "✓ " + yes
	}
	return "✗ " + no
}

// WriteInclusionTree draws t's path from the root down to the leaf. Each
// trace step is a node rebuilt from two children: the node on the path
// (the previous step, or the leaf) and a sibling taken from the proof.
// Hashes are cut to 16 hex digits unless full.
func WriteInclusionTree(w io.Writer, t *proof.InclusionTrace, full bool) error {
	d := treeDrawer{t: t, full: full, col: 4*len(t.Steps) + 10}
	leaf := proof.NodeAddr{Level: 0, Index: t.Index}
	if len(t.Steps) == 0 {
		fmt.Fprintf(&d.b, "%-9s %s  leaf = root (a one-leaf tree); %s the expected root %s\n", d.addr(leaf), hexHash(t.LeafHash, full), rootMark(t, "equals", "differs from"), hexHash(t.Expected, full))
	} else {
		d.draw(len(t.Steps)-1, "", "")
	}
	_, err := io.WriteString(w, d.b.String())
	return err
}

// treeDrawer draws an inclusion tree with hashes lined up in one column
// whatever the depth.
type treeDrawer struct {
	b    strings.Builder
	t    *proof.InclusionTrace
	full bool
	col  int
}

// addr is a's address, ~ marking an ephemeral node.
func (d *treeDrawer) addr(a proof.NodeAddr) string {
	s := a.String()
	if !a.Perfect(d.t.Size) {
		s += "~"
	}
	return s
}

// node is the tree prefix, branch and address, padded to the hash column.
func (d *treeDrawer) node(prefix, branch string, a proof.NodeAddr) string {
	s := prefix + branch + d.addr(a)
	if n := d.col - len([]rune(s)); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// draw writes step k's node, then its two children: the sibling from the
// proof and the path below (step k-1, or the leaf).
func (d *treeDrawer) draw(k int, prefix, branch string) {
	t, s := d.t, d.t.Steps[k]
	label := "H"
	if k == len(t.Steps)-1 {
		label = fmt.Sprintf("H, root: %s the expected root %s", rootMark(t, "equals", "differs from"), hexHash(t.Expected, d.full))
	}
	fmt.Fprintf(&d.b, "%s %s  %s\n", d.node(prefix, branch, s.Node), hexHash(s.Out, d.full), label)
	switch branch {
	case "├── ":
		prefix += "│   "
	case "└── ":
		prefix += "    "
	}
	sibling := proof.NodeAddr{Level: s.Node.Level - 1, Index: 2 * s.Node.Index}
	sibHash := s.Left
	if !s.SiblingOnLeft {
		sibling.Index++
		sibHash = s.Right
	}
	sibLine := func(branch string) {
		fmt.Fprintf(&d.b, "%s %s  proof[%d]\n", d.node(prefix, branch, sibling), hexHash(sibHash, d.full), s.ProofIndex)
	}
	pathChild := func(branch string) {
		if k == 0 {
			leaf := proof.NodeAddr{Level: 0, Index: t.Index}
			fmt.Fprintf(&d.b, "%s %s  leaf, the entry\n", d.node(prefix, branch, leaf), hexHash(t.LeafHash, d.full))
			return
		}
		d.draw(k-1, prefix, branch)
	}
	if s.SiblingOnLeft {
		sibLine("├── ")
		pathChild("└── ")
	} else {
		pathChild("├── ")
		sibLine("└── ")
	}
}

// WriteHashWalk writes t as a hash walk: the leaf, each hash step with its
// node address, its inputs (which one the proof supplied) and its kind
// (perfect, or ephemeral on the right border), and the root comparison.
// The inputs are cut to 16 hex digits unless full; every output hash is
// written whole.
func WriteHashWalk(w io.Writer, t *proof.InclusionTrace, full bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Hash walk: leaf %d of a tree of %d, %d step(s)\n", t.Index, t.Size, len(t.Steps))
	fmt.Fprintf(&b, "  leaf  %-14s %s\n", proof.NodeAddr{Index: t.Index}.String(), hex.EncodeToString(t.LeafHash))
	prev := uint(0)
	for i, s := range t.Steps {
		if s.Node.Level > prev+1 {
			fmt.Fprintf(&b, "        levels %d–%d: the node has no sibling on the right border and moves up unchanged\n", prev+1, s.Node.Level-1)
		}
		prev = s.Node.Level
		kind := "perfect"
		if s.Ephemeral {
			kind = "ephemeral"
		}
		left, right := "path", "path"
		if s.ProofIndex >= 0 {
			if s.SiblingOnLeft {
				left = fmt.Sprintf("proof[%d]", s.ProofIndex)
			} else {
				right = fmt.Sprintf("proof[%d]", s.ProofIndex)
			}
		}
		fmt.Fprintf(&b, "  %4d  %-14s %-9s H(%s %s ‖ %s %s) = %s\n", i+1, s.Node.String(), kind,
			left, hexHash(s.Left, full), right, hexHash(s.Right, full), hex.EncodeToString(s.Out))
	}
	fmt.Fprintf(&b, "  root  %-14s computed %s\n", proof.RootAddr(t.Size).String(), hex.EncodeToString(t.Computed))
	fmt.Fprintf(&b, "        %-14s expected %s %s\n", "", hex.EncodeToString(t.Expected), rootMark(t, "matches", "does not match"))
	_, err := io.WriteString(w, b.String())
	return err
}

// TraceDoc is an inclusion trace as `verify-entry --output json` writes
// it, every hash in hex.
type TraceDoc struct {
	Index    uint64        `json:"index"`
	Size     uint64        `json:"treeSize"`
	LeafHash string        `json:"leafHash"`
	Steps    []HashStepDoc `json:"steps"`
	Computed string        `json:"computedRoot"`
	Expected string        `json:"expectedRoot"`
	Matches  bool          `json:"matches"`
}

// HashStepDoc is one hash of an inclusion trace as every JSON output
// writes it (`verify-entry`'s inclusionTrace, `proof`'s steps): the node's
// address, as text and as level and index, its inputs and output in hex,
// which proof hash was an input (-1: none) and on which side, and whether
// the node is ephemeral.
type HashStepDoc struct {
	Node          string `json:"node"`
	Level         uint   `json:"level"`
	Index         uint64 `json:"index"`
	Left          string `json:"left"`
	Right         string `json:"right"`
	Out           string `json:"out"`
	ProofIndex    int    `json:"proofIndex"`
	SiblingOnLeft bool   `json:"siblingOnLeft"`
	Ephemeral     bool   `json:"ephemeral"`
}

// TraceDocOf returns t as a TraceDoc.
func TraceDocOf(t *proof.InclusionTrace) *TraceDoc {
	d := &TraceDoc{
		Index: t.Index, Size: t.Size, LeafHash: hex.EncodeToString(t.LeafHash), Steps: HashStepDocs(t.Steps),
		Computed: hex.EncodeToString(t.Computed), Expected: hex.EncodeToString(t.Expected), Matches: t.Matches(),
	}
	return d
}

// HashStepDocs returns steps as HashStepDocs (never nil).
func HashStepDocs(steps []proof.HashStep) []HashStepDoc {
	out := make([]HashStepDoc, 0, len(steps))
	for _, s := range steps {
		out = append(out, HashStepDoc{
			Node: s.Node.String(), Level: s.Node.Level, Index: s.Node.Index,
			Left: hex.EncodeToString(s.Left), Right: hex.EncodeToString(s.Right), Out: hex.EncodeToString(s.Out),
			ProofIndex: s.ProofIndex, SiblingOnLeft: s.SiblingOnLeft, Ephemeral: s.Ephemeral,
		})
	}
	return out
}

// EntryDoc is one verified entry as `verify-entry --output json` writes it:
// its result, as every output carries one (the same fields, in the same
// order, as the explorer's report.json), then its leaf hash and inclusion
// trace.
type EntryDoc struct {
	ResultDoc
	LeafHash  string    `json:"leafHash"`
	Inclusion *TraceDoc `json:"inclusionTrace,omitempty"`
}

// EntriesDoc is verify-entry's JSON document: verified when every entry
// verified, failed otherwise, and each entry.
type EntriesDoc struct {
	Verdict model.Verdict `json:"verdict"`
	Entries []EntryDoc    `json:"entries"`
}

// EntriesDocOf returns reports as an EntriesDoc.
func EntriesDocOf(reports []*proof.EntryReport) EntriesDoc {
	out := EntriesDoc{Verdict: model.VerdictVerified}
	for _, rep := range reports {
		e := EntryDoc{ResultDoc: Doc(rep.Result), LeafHash: hex.EncodeToString(rep.LeafHash)}
		if e.Verdict != model.VerdictVerified {
			out.Verdict = model.VerdictFailed
		}
		if tr := rep.Inclusion; tr != nil {
			e.Inclusion = TraceDocOf(tr)
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}
