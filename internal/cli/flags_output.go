// --output (text or json), shared by every command that prints a result.

package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// outputFlag is the --output flag: text (default) or json.
type outputFlag struct{ format string }

func (o *outputFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "output", "text", "output format: text or json")
}

func (o *outputFlag) check() error {
	if o.format != "text" && o.format != "json" {
		return usageErr(fmt.Errorf("--output %q: want text or json", o.format))
	}
	return nil
}

func (o *outputFlag) json() bool { return o.format == "json" }

func writeJSONValue(w io.Writer, v any) error {
	enc := json.NewEncoder(exactJSON(w))
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
