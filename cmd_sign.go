package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newSignCmd is a placeholder until the command lands.
func newSignCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "sign",
		Short:  "Sign an image and log the signature (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("sign is not built yet")
		},
	}
}
