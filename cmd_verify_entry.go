package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newVerifyEntryCmd is a placeholder until the command lands.
func newVerifyEntryCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "verify-entry",
		Short:  "Verify a saved Rekor entry offline (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("verify-entry is not built yet")
		},
	}
}
