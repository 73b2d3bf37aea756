package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/rekor/mirror"
)

// newAuditCmd checks a whole tlog-tiles log: every tile recomputed from the
// entries, the checkpoint verified, consistency with the last audited one.
func newAuditCmd() *cobra.Command {
	var lf tilesLogFlags
	var out outputFlag
	var dir string
	cmd := &cobra.Command{
		Use:   "audit --log NAME|URL [--data DIR] [--key PEM | --note-key VKEY]",
		Short: "Check a whole tlog-tiles log: every tile recomputed from its entries",
		Long: `audit reads every entry bundle of a C2SP tlog-tiles log (Rekor v2), recomputes
every hash tile and the tree root from the entries, and checks them against
what the log serves and against its signed checkpoint, which must verify and be
consistent with the checkpoint audited last time. It keeps only the recomputed
tiles and its state (in DIR, by default under $XDG_STATE_HOME/provscope/audit),
not the entries, so the next audit reads only what is new; an interrupted audit
continues where it stopped.

Exit 0 when the log is intact; exit 1 naming the first bad range of entries
(evidence saved under DIR/evidence/) when it lied.

A Rekor v1 log is audited entry by entry: every shard's signed tree head
verified (with --key, the configured key, or the key the log serves), every
entry read by global index, the tree of each shard recomputed from the bodies
and proven, chunk by chunk, a prefix of the signed tree (the log's consistency
proofs) and equal to it at the signed size.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if v1, err := lf.isRekorV1(); err != nil {
				return err
			} else if v1 {
				if err := lf.noWitnessesForV1(cmd); err != nil {
					return err
				}
				return auditRekorV1(cmd, lf, dir, out)
			}
			r, err := lf.resolve(cmd)
			if err != nil {
				return err
			}
			if dir == "" {
				if dir, err = defaultAuditDir(r.def.URL); err != nil {
					return usageErr(errors.Join(errors.New("choosing the audit directory (give --data)"), err))
				}
			}
			return followTiles(cmd, r, dir, false, out, "audit")
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().StringVar(&dir, "data", "", "audit state directory (default under $XDG_STATE_HOME/provscope/audit)")
	return cmd
}

// auditRekorV1 audits a Rekor v1 log (every shard, every entry).
func auditRekorV1(cmd *cobra.Command, lf tilesLogFlags, dir string, out outputFlag) error {
	if lf.noteKey != "" {
		return usageErr(errors.New("--note-key is for tlog-tiles logs: give a Rekor v1 log's key with --key"))
	}
	ctx := cmd.Context()
	l, _, err := (&logFlags{log: lf.log, logKey: lf.key}).open(ctx)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = defaultAuditDir(l.Def.URL); err != nil {
			return usageErr(errors.Join(errors.New("choosing the audit directory (give --data)"), err))
		}
	}
	prog := newTilesProgress(terminalErr(cmd), "audit")
	shards, err := mirror.AuditV1(ctx, mirror.V1Config{Dir: dir, Client: l.Rekor, KeyPEM: l.KeyPEM, Progress: prog.report})
	prog.done()
	if err != nil {
		return followError(err, "audit", l.Def.URL)
	}
	w := cmd.OutOrStdout()
	if out.json() {
		type row struct {
			TreeID string `json:"treeID"`
			Offset uint64 `json:"offset"`
			From   uint64 `json:"from"`
			To     uint64 `json:"to"`
			Root   string `json:"rootHash"`
		}
		rows := make([]row, 0, len(shards))
		for _, s := range shards {
			rows = append(rows, row{s.TreeID, s.Offset, s.From, s.To, fmt.Sprintf("%x", s.Checkpoint.RootHash)})
		}
		return writeJSON(w, struct {
			Log    string `json:"log"`
			Shards []row  `json:"shards"`
			Dir    string `json:"dir"`
		}{l.Def.URL, rows, dir})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "audit %s: every entry read by index and its shard's tree recomputed\n", safetext.Line(l.Def.URL))
	for _, s := range shards {
		fmt.Fprintf(&b, "tree %s (global indices from %d): %d new entries verified (%d..%d), signed tree head @ %d, root %x\n",
			safetext.Line(s.TreeID), s.Offset, s.To-s.From, s.From, s.To, s.Checkpoint.Size, s.Checkpoint.RootHash)
	}
	fmt.Fprintf(&b, "data: %s\n", safetext.Line(dir))
	_, err = io.WriteString(w, b.String())
	return err
}
