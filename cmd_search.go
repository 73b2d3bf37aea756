package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newSearchCmd is a placeholder until the command lands.
func newSearchCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "search",
		Short:  "Search a log (not built yet)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("search is not built yet")
		},
	}
}
