package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newVerifyCmd is a placeholder until the command lands.
func newVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "verify",
		Short:  "Verify an image's signatures and their log entries (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("verify is not built yet")
		},
	}
}
