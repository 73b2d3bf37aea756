package cli

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/rekor/mirror"
)

// newMirrorCmd mirrors a tlog-tiles log into a directory and indexes it.
func newMirrorCmd() *cobra.Command {
	var lf tilesLogFlags
	var out outputFlag
	var dir string
	cmd := &cobra.Command{
		Use:   "mirror --log NAME|URL [--data DIR] [--key PEM | --note-key VKEY]",
		Short: "Mirror a tlog-tiles log (Rekor v2), verify every tile and index it for search",
		Long: `mirror follows a C2SP tlog-tiles log into DIR: it verifies the log's signed
checkpoint, proves it consistent with the last one kept, downloads every entry
bundle, recomputes every hash tile from the entries (leaf hash =
SHA-256(0x00||entry)) and checks each served tile and the signed root against
that recomputation. Only entries that verified enter the index that
"search --mirror DIR" answers from (artifact and payload digests, signer
identity and issuer, key fingerprint, kind).

Without --data the mirror lives under $XDG_DATA_HOME/provscope/mirrors/ (one
directory per log URL), where the explorer's search ("/") on that tiles log
finds it.

It is resumable: stop it at any point and run it again to continue. A lie from
the log (a changed tile or entry, a truncated or reordered bundle, an
inconsistent checkpoint) stops it with exit 1, naming the first bad range of
entries and saving the evidence under DIR/evidence/.

Progress goes to stderr: a status line on a terminal, JSON lines otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.check(); err != nil {
				return err
			}
			r, err := lf.resolve(cmd)
			if err != nil {
				return err
			}
			if dir == "" {
				// Where the explorer's search looks for this log's mirror.
				if dir, err = mirror.DefaultDir(os.Getenv, r.def.TilesPrefix()); err != nil {
					return usageErr(errors.Join(errors.New("choosing the mirror directory (give --data)"), err))
				}
			}
			return followTiles(cmd, r, dir, true, out, "mirror")
		},
	}
	lf.register(cmd)
	out.register(cmd)
	cmd.Flags().StringVar(&dir, "data", "", "mirror directory, created if absent (default under $XDG_DATA_HOME/provscope/mirrors, where the explorer's search finds it)")
	return cmd
}
