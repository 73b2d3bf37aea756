package cli

import (
	"os"

	"github.com/spf13/cobra"
)

// newTUICmd is `provscope tui`: the explorer on a chosen registry and log.
func newTUICmd() *cobra.Command {
	var cfg explorerConfig
	var signer policyFlags
	cmd := &cobra.Command{
		Use:   "tui [REPO:TAG]",
		Short: "Open the explorer on a registry and a transparency log",
		Long: `tui opens the explorer: browse the registry's images, see their signatures,
attestations and SBOMs, the log entries about them, each entry's Merkle
inclusion proof drawn as a tree, and verify everything step by step.
Press ? inside for the keys.

The log is --log (a name such as public-good or local, or a URL), else
$PROVSCOPE_LOG, else $COSIGN_REKOR_URL, else the config file's default, else
the public-good log.

Like loginfo, the explorer remembers the last log head it proved consistent
in $XDG_STATE_HOME/provscope/checkpoints, and proves every new head (on
start, every few seconds, and on c) consistent with it; a log that cannot
raises a banner and the old checkpoint is kept as evidence.

Without --key or a certificate identity, each signature is checked with the
key or certificate it carries (a certificate must chain to the trusted
root): that proves it was logged and certified, not who you expected, so
such an image shows "unpinned", never "verified". Pin
the signer with --key, or with --certificate-identity[-regexp] and
--certificate-oidc-issuer[-regexp] as for provscope verify; signatures by
anyone else then fail.`,
		Example: `  provscope tui --registry 127.0.0.1:5000 --log http://127.0.0.1:3000
  provscope tui ghcr.io/myorg/app:v1
  provscope ghcr.io/myorg/app:v1 --log public-good
  provscope tui --registry ghcr.io --log public-good myorg/app:v1
  provscope tui --registry ghcr.io --certificate-identity release@example.com \
    --certificate-oidc-issuer https://accounts.google.com myorg/app:v1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				cfg.Image = args[0]
				if host, rest, ok := splitImageHost(args[0], cfg.RegistryHost); ok {
					cfg.RegistryHost, cfg.Image = host, rest
				}
			}
			if cfg.RegistryHost == "" {
				cfg.RegistryHost = os.Getenv("PROVSCOPE_REGISTRY")
			}
			return startExplorer(cmd, cfg, signer)
		},
	}
	registerExplorerFlags(cmd, &cfg, &signer)
	return cmd
}
