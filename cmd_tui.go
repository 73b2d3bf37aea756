package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newTUICmd is a placeholder until the command lands.
func newTUICmd() *cobra.Command {
	return &cobra.Command{
		Use:    "tui",
		Short:  "Open the explorer (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("tui is not built yet")
		},
	}
}
