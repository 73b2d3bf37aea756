package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newProofCmd is a placeholder until the command lands.
func newProofCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "proof",
		Short:  "Show an entry's inclusion proof (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("proof is not built yet")
		},
	}
}
