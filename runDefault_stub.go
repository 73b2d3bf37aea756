package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// runDefault opens the explorer; placeholder until the TUI lands.
func runDefault(cmd *cobra.Command, _ []string) error {
	return errors.New("the explorer is not built yet; try \"provscope --help\"")
}
