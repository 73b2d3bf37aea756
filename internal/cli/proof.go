package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/client"
)

// newProofCmd draws an entry's inclusion proof as an ASCII tree.
func newProofCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var index int64
	var full bool
	cmd := &cobra.Command{
		Use:   "proof --log-index N",
		Short: "Draw an entry's Merkle inclusion proof as a tree, hash by hash",
		Long: `proof fetches the entry at a global log index and draws its RFC 6962
inclusion proof as the path from the leaf to the root: every node with its
address (level,index), the hashes the proof supplied (proof[i]) and the ones
rebuilt from them, ephemeral nodes on the right border of an unbalanced tree
marked with ~ (as in the explorer). The rebuilt root is compared with the
root of the signed checkpoint. Exit code 1 when any check fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if !cmd.Flags().Changed("log-index") {
				return usageErr(errors.New("--log-index is required"))
			}
			if index < 0 {
				return usageErr(fmt.Errorf("--log-index %d: want >= 0", index))
			}
			ctx := cmd.Context()
			l, _, err := lf.open(ctx)
			if err != nil {
				return err
			}
			e, err := l.EntryByIndex(ctx, index)
			if errors.Is(err, client.ErrNotFound) || errors.Is(err, inspect.ErrNoSuchEntry) {
				return usageErr(fmt.Errorf("no entry at index %d in %s: %w", index, l.Name(), err))
			}
			if err != nil {
				return failed(err)
			}
			c := l.VerifyEntry(*e, time.Now())
			w := cmd.OutOrStdout()
			if out.json() {
				if err := writeJSON(w, proofDoc(c)); err != nil {
					return err
				}
			} else if err := writeProofTree(w, c, full); err != nil {
				return err
			}
			if c.Result.Verdict() != model.VerdictVerified {
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().Int64Var(&index, "log-index", 0, "global log index of the entry")
	cmd.Flags().BoolVar(&full, "full", false, "print full hashes instead of the first 16 hex digits")
	return cmd
}

type proofStepDoc struct {
	Node          string `json:"node"`
	Left          string `json:"left"`
	Right         string `json:"right"`
	Out           string `json:"out"`
	ProofIndex    int    `json:"proofIndex"`
	SiblingOnLeft bool   `json:"siblingOnLeft"`
	Ephemeral     bool   `json:"ephemeral"`
}

func proofDoc(c *inspect.EntryCheck) any {
	doc := struct {
		UUID         string            `json:"uuid"`
		LogIndex     int64             `json:"logIndex"`
		ShardIndex   *int64            `json:"shardIndex,omitempty"`
		TreeSize     *int64            `json:"treeSize,omitempty"`
		LeafHash     string            `json:"leafHash"`
		Steps        []proofStepDoc    `json:"steps"`
		ComputedRoot string            `json:"computedRoot,omitempty"`
		ExpectedRoot string            `json:"expectedRoot,omitempty"`
		Checkpoint   *model.Checkpoint `json:"checkpoint,omitempty"`
		Result       inspect.ResultDoc `json:"result"`
	}{UUID: c.Entry.UUID, LogIndex: c.Entry.LogIndex, LeafHash: hex.EncodeToString(c.LeafHash), Steps: []proofStepDoc{}, Checkpoint: c.Checkpoint, Result: inspect.Doc(c.Result)}
	if p := c.Entry.Proof; p != nil {
		doc.ShardIndex, doc.TreeSize = &p.LogIndex, &p.TreeSize
	}
	if t := c.Trace; t != nil {
		doc.ComputedRoot, doc.ExpectedRoot = hex.EncodeToString(t.Computed), hex.EncodeToString(t.Expected)
		for _, s := range t.Steps {
			doc.Steps = append(doc.Steps, proofStepDoc{
				Node: s.Node.String(), Left: hex.EncodeToString(s.Left), Right: hex.EncodeToString(s.Right), Out: hex.EncodeToString(s.Out),
				ProofIndex: s.ProofIndex, SiblingOnLeft: s.SiblingOnLeft, Ephemeral: s.Ephemeral,
			})
		}
	}
	return doc
}

func writeProofTree(w io.Writer, c *inspect.EntryCheck, full bool) error {
	var b strings.Builder
	e := c.Entry
	fmt.Fprintf(&b, "Entry %s\n", line(e.UUID))
	if e.Proof != nil {
		fmt.Fprintf(&b, "Global log index %d = leaf %d of the %d-leaf tree the proof is for\n", e.LogIndex, e.Proof.LogIndex, e.Proof.TreeSize)
	}
	if c.Trace != nil {
		b.WriteString("\n")
		drawInclusion(&b, c.Trace, full)
		b.WriteString("\nLegend: H = SHA-256(0x01 ‖ left ‖ right); leaf = SHA-256(0x00 ‖ body); proof[i] = hash i of the proof; ~ ephemeral (right border: stands for the leaves that exist, its hash changes as the log grows)\n")
	}
	b.WriteString("\nChecks:\n")
	if err := inspect.WriteSteps(&b, c.Result, "  ", false); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nVerdict: %s\n", c.Result.Verdict())
	_, err := io.WriteString(w, b.String())
	return err
}

// drawInclusion draws the proof's path from the root down to the leaf. Each
// trace step is a node rebuilt from two children: the node on the path
// (the previous step, or the leaf) and a sibling taken from the proof.
func drawInclusion(b *strings.Builder, t *proof.InclusionTrace, full bool) {
	short := func(h []byte) string {
		s := hex.EncodeToString(h)
		if !full && len(s) > 16 {
			return s[:16] + "…"
		}
		return s
	}
	leaf := proof.NodeAddr{Level: 0, Index: t.Index}
	addr := func(a proof.NodeAddr) string {
		s := a.String()
		if !a.Perfect(t.Size) {
			s += "~" // the explorer's mark too (ui/prooftree.go)
		}
		return s
	}
	if len(t.Steps) == 0 {
		mark := "✓ equals"
		if !t.Matches() {
			mark = "✗ differs from"
		}
		fmt.Fprintf(b, "%-9s %s  leaf = root (a one-leaf tree); %s the expected root %s\n", addr(leaf), short(t.LeafHash), mark, short(t.Expected))
		return
	}
	// Hashes line up in one column whatever the depth.
	col := 4*len(t.Steps) + 10
	node := func(prefix, branch string, a proof.NodeAddr) string {
		s := prefix + branch + addr(a)
		if n := col - len([]rune(s)); n > 0 {
			s += strings.Repeat(" ", n)
		}
		return s
	}
	var draw func(k int, prefix, branch string)
	draw = func(k int, prefix, branch string) {
		s := t.Steps[k]
		label := "H"
		if k == len(t.Steps)-1 {
			mark := "✓ equals"
			if !t.Matches() {
				mark = "✗ differs from"
			}
			label = fmt.Sprintf("H, root: %s the expected root %s", mark, short(t.Expected))
		}
		fmt.Fprintf(b, "%s %s  %s\n", node(prefix, branch, s.Node), short(s.Out), label)
		childPrefix := prefix
		switch branch {
		case "├── ":
			childPrefix += "│   "
		case "└── ":
			childPrefix += "    "
		}
		sibling := proof.NodeAddr{Level: s.Node.Level - 1, Index: 2 * s.Node.Index}
		if !s.SiblingOnLeft {
			sibling.Index++
		}
		sibHash := s.Left
		if !s.SiblingOnLeft {
			sibHash = s.Right
		}
		sibLine := func(branch string) {
			fmt.Fprintf(b, "%s %s  proof[%d]\n", node(childPrefix, branch, sibling), short(sibHash), s.ProofIndex)
		}
		pathChild := func(branch string) {
			if k == 0 {
				fmt.Fprintf(b, "%s %s  leaf, the entry\n", node(childPrefix, branch, leaf), short(t.LeafHash))
				return
			}
			draw(k-1, childPrefix, branch)
		}
		if s.SiblingOnLeft {
			sibLine("├── ")
			pathChild("└── ")
		} else {
			pathChild("├── ")
			sibLine("└── ")
		}
	}
	draw(len(t.Steps)-1, "", "")
}
