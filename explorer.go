package main

import (
	"context"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
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
	// LogName labels the log in the header ("demo", a host name).
	LogName string
	// ExportDir is where `e` writes evidence (default: the working folder).
	ExportDir string
	// Fake opens the built-in fake world (for development and screenshots).
	Fake bool
}

// runExplorer opens the TUI on cfg and returns when the user quits.
func runExplorer(cmd *cobra.Command, cfg explorerConfig) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	if cmd.Context() == nil {
		ctx, cancel = context.WithCancel(context.Background())
	}
	defer cancel()
	var b ui.Backend
	switch {
	case cfg.Fake:
		b = fakebackend.New()
		if cfg.LogName == "" {
			cfg.LogName = "fake"
		}
	default:
		return fmt.Errorf("the explorer's registry/log adapter is not wired yet; try \"provscope tui --fake\"")
	}
	c := ui.NewCommon(b, true, os.Getenv("NO_COLOR") != "")
	c.Ctx = ctx
	c.RegistryHost = cfg.RegistryHost
	c.LogName = cfg.LogName
	c.ExportDir = cfg.ExportDir
	if c.ExportDir == "" {
		c.ExportDir = "."
	}
	var opts []ui.Option
	if cfg.Image != "" {
		opts = append(opts, ui.WithImage(cfg.Image))
	}
	app := ui.New(c, opts...)
	p := tea.NewProgram(app, tea.WithContext(ctx), tea.WithInput(cmd.InOrStdin()), tea.WithOutput(cmd.OutOrStdout()))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("running the explorer: %w", err)
	}
	return nil
}

// runDefault is provscope with no subcommand: the explorer.
func runDefault(cmd *cobra.Command, args []string) error {
	cfg := explorerConfig{}
	if len(args) == 1 {
		cfg.Image = args[0]
	}
	return runExplorer(cmd, cfg)
}
