package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newVerifyBundleCmd is a placeholder until the command lands.
func newVerifyBundleCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "verify-bundle",
		Short:  "Verify a Sigstore bundle offline (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("verify-bundle is not built yet")
		},
	}
}
