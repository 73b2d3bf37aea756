package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// explorerConfig says what the explorer opens on.
type explorerConfig struct {
	// RegistryHost is the registry to browse (host[:port]).
	RegistryHost string
	// LogURL is the Rekor log's base URL.
	LogURL string
	// LogPublicKeyPEM pins the log's key; nil means fetch/configured.
	LogPublicKeyPEM []byte
	// Image preselects an image reference.
	Image string
	// Insecure allows plain HTTP to a non-loopback registry.
	Insecure bool
}

// runExplorer opens the TUI; placeholder until the TUI lands.
func runExplorer(_ *cobra.Command, _ explorerConfig) error {
	return errors.New("the explorer is not built yet; try \"provscope --help\"")
}

// runDefault is provscope with no subcommand: the explorer.
func runDefault(cmd *cobra.Command, args []string) error {
	cfg := explorerConfig{}
	if len(args) == 1 {
		cfg.Image = args[0]
	}
	return runExplorer(cmd, cfg)
}
