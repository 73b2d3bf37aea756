package main

import (
	"errors"

	"github.com/spf13/cobra"
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

Rekor v1 logs (every entry by index across shards) are not audited yet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			r, err := lf.resolve()
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
