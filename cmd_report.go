package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newReportCmd is a placeholder until the command lands.
func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "report",
		Short:  "Write a compliance report (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("report is not built yet")
		},
	}
}
