package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// newLogInfoCmd verifies a log's signed tree head(s) and their consistency
// with the checkpoints remembered from the last run.
func newLogInfoCmd() *cobra.Command {
	var lf logFlags
	var out outputFlag
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "loginfo",
		Short: "Verify a log's signed tree head and its consistency with the last one seen",
		Long: `loginfo fetches the log's signed tree head (for a sharded Rekor v1 log, one
per shard), verifies its signature with the log key, and proves it consistent
with the checkpoint remembered from the last run (kept per log and tree in
$XDG_STATE_HOME/provscope/checkpoints). A log that shrank (rollback), shows a
different root for a size it signed before, or cannot prove its new tree
extends the old one (fork) fails loudly with exit code 1, as does a log that
no longer lists a tree it signed before, reports a size or root other than
the signed ones, or signs under another origin than the log's (configured,
known, else the first one seen for this URL and key).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			l, sel, err := lf.open(ctx)
			if err != nil {
				return err
			}
			dir, err := state.DefaultDir(os.Getenv)
			if err != nil {
				return usageErr(err)
			}
			c, err := inspect.CheckLog(ctx, l, inspect.CheckOptions{Store: &state.Store{Dir: dir}, Now: time.Now(), DryRun: dryRun})
			if err != nil {
				return failed(fmt.Errorf("checking log %s: %w", l.Name(), err))
			}
			w := cmd.OutOrStdout()
			if out.json() {
				if err := writeJSONValue(w, logInfoJSONDoc(c, sel)); err != nil {
					return err
				}
			} else if err := writeLogCheck(w, c, sel); err != nil {
				return err
			}
			if c.Verdict() == model.VerdictFailed {
				if !out.json() {
					for _, t := range c.Trees {
						if f := t.Result.FirstFailure(); f != nil {
							fmt.Fprintf(cmd.ErrOrStderr(), "provscope: LOG CHECK FAILED for tree %s: %s\n", t.TreeID, f.Detail)
						}
					}
				}
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check without remembering the new checkpoint")
	return cmd
}

// logInfoJSON is loginfo's JSON document: the log check with every hash
// in hex, as the remembered checkpoint (rekor/state) and our other output
// have them; signedTreeHead stays the note exactly as the log served it.
type logInfoJSON struct {
	*inspect.LogCheck
	Trees   []treeCheckJSON `json:"trees"`
	Verdict model.Verdict   `json:"verdict"`
	From    string          `json:"selectedBy"`
}

// treeCheckJSON shadows TreeCheck's byte-slice hashes (base64 by default)
// with hex strings; the shallower field wins in encoding/json.
type treeCheckJSON struct {
	*inspect.TreeCheck
	Checkpoint *report.CheckpointDoc `json:"checkpoint,omitempty"`
	Proof      []string              `json:"consistencyProof,omitempty"`
}

func logInfoJSONDoc(c *inspect.LogCheck, sel logs.Selection) logInfoJSON {
	d := logInfoJSON{LogCheck: c, Trees: make([]treeCheckJSON, len(c.Trees)), Verdict: c.Verdict(), From: sel.From}
	for i := range c.Trees {
		t := &c.Trees[i]
		tj := treeCheckJSON{TreeCheck: t, Checkpoint: report.CheckpointDocOf(t.Checkpoint)}
		for _, h := range t.Proof {
			tj.Proof = append(tj.Proof, hex.EncodeToString(h))
		}
		d.Trees[i] = tj
	}
	return d
}

func writeLogCheck(w io.Writer, c *inspect.LogCheck, sel logs.Selection) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Log:    %s (selected by %s)\n", c.URL, sel.From)
	fmt.Fprintf(&b, "Key:    %s, sha256 %s\n", c.KeySource, c.KeyID)
	if c.Origin != "" {
		fmt.Fprintf(&b, "Origin: %s (%s)\n", c.Origin, c.OriginFrom)
	}
	for _, t := range c.Trees {
		state := "active"
		switch {
		case !t.Listed:
			state = "remembered, no longer listed by the log"
		case !t.Active:
			state = "inactive shard"
		}
		id := t.TreeID
		if id == "" {
			id = "(tiles)"
		}
		fmt.Fprintf(&b, "\nTree %s, %s", id, state)
		if t.Checkpoint != nil {
			fmt.Fprintf(&b, ": size %d, root %x", t.Checkpoint.Size, t.Checkpoint.RootHash)
		}
		b.WriteString("\n")
		if t.Previous != nil {
			fmt.Fprintf(&b, "  remembered: size %d, root %s, seen %s\n", t.Previous.Size, t.Previous.RootHash, t.Previous.SeenAt.Format(time.RFC3339))
		}
		if err := report.WriteSteps(&b, &t.Result, "  ", false); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, "\nVerdict: %s\n", c.Verdict())
	_, err := io.WriteString(w, b.String())
	return err
}
