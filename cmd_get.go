package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newGetCmd is a placeholder until the command lands.
func newGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "get",
		Short:  "Get a log entry (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("get is not built yet")
		},
	}
}
