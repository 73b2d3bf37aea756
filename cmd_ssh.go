package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newSSHCmd is a placeholder until the command lands.
func newSSHCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "ssh",
		Short:  "Serve the explorer over SSH (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("ssh is not built yet")
		},
	}
}
