package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newLogInfoCmd is a placeholder until the command lands.
func newLogInfoCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "loginfo",
		Short:  "Verify a log's signed tree head (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("loginfo is not built yet")
		},
	}
}
