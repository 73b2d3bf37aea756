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
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
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

func proofDoc(c *inspect.EntryCheck) any {
	doc := struct {
		UUID         string               `json:"uuid"`
		LogIndex     int64                `json:"logIndex"`
		ShardIndex   *int64               `json:"shardIndex,omitempty"`
		TreeSize     *int64               `json:"treeSize,omitempty"`
		LeafHash     string               `json:"leafHash"`
		Steps        []report.HashStepDoc `json:"steps"`
		ComputedRoot string               `json:"computedRoot,omitempty"`
		ExpectedRoot string               `json:"expectedRoot,omitempty"`
		Checkpoint   *model.Checkpoint    `json:"checkpoint,omitempty"`
		Result       report.ResultDoc     `json:"result"`
	}{UUID: c.Entry.UUID, LogIndex: c.Entry.LogIndex, LeafHash: hex.EncodeToString(c.LeafHash), Steps: []report.HashStepDoc{}, Checkpoint: c.Checkpoint, Result: report.Doc(c.Result)}
	if p := c.Entry.Proof; p != nil {
		doc.ShardIndex, doc.TreeSize = &p.LogIndex, &p.TreeSize
	}
	if t := c.Trace; t != nil {
		doc.ComputedRoot, doc.ExpectedRoot = hex.EncodeToString(t.Computed), hex.EncodeToString(t.Expected)
		doc.Steps = report.HashStepDocs(t.Steps)
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
		if err := report.WriteInclusionTree(&b, c.Trace, full); err != nil {
			return err
		}
		b.WriteString("\n" + report.TreeLegend)
	}
	b.WriteString("\nChecks:\n")
	if err := report.WriteSteps(&b, c.Result, "  ", false); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nVerdict: %s\n", c.Result.Verdict())
	_, err := io.WriteString(w, b.String())
	return err
}
