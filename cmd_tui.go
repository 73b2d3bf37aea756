package main

import (
	"github.com/spf13/cobra"
)

// newTUICmd is `provscope tui`: the explorer on a chosen registry and log.
func newTUICmd() *cobra.Command {
	var cfg explorerConfig
	cmd := &cobra.Command{
		Use:   "tui [IMAGE]",
		Short: "Open the explorer on a registry and a transparency log",
		Long: `tui opens the explorer: browse the registry's images, see their signatures,
attestations and SBOMs, the log entries about them, each entry's Merkle
inclusion proof drawn as a tree, and verify everything step by step.
Press ? inside for the keys.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				cfg.Image = args[0]
			}
			return runExplorer(cmd, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.RegistryHost, "registry", "", "registry to browse (host[:port])")
	f.StringVar(&cfg.LogURL, "log", "", "transparency log: a name (rekor.sigstore.dev) or a URL")
	f.BoolVar(&cfg.Insecure, "insecure", false, "allow plain HTTP to a non-loopback registry")
	f.StringVar(&cfg.ExportDir, "export-dir", "", "folder where e writes evidence (default: the working folder)")
	f.BoolVar(&cfg.Fake, "fake", false, "open a built-in fake world (development, screenshots)")
	_ = f.MarkHidden("fake")
	return cmd
}
