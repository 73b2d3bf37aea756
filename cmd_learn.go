package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newLearnCmd is a placeholder until the command lands.
func newLearnCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "learn",
		Short:  "Learn how transparency logs work (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("learn is not built yet")
		},
	}
}
