package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newVerifyCheckpointCmd is a placeholder until the command lands.
func newVerifyCheckpointCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "verify-checkpoint",
		Short:  "Verify a signed checkpoint (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("verify-checkpoint is not built yet")
		},
	}
}
