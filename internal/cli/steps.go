// Printing a verification's steps as text, for the verify-* commands.

package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
)

// writeStepLine prints one step as "  ✓ Title: detail", with the marks
// every command uses (inspect.Mark).
func writeStepLine(b *strings.Builder, s model.Step) {
	fmt.Fprintf(b, "  %s %s", inspect.Mark(s.Status), line(s.Title))
	if s.Detail != "" {
		fmt.Fprintf(b, ": %s", line(s.Detail))
	}
	b.WriteByte('\n')
}

// writeStepReport prints a result's steps with their evidence and the
// verdict line.
func writeStepReport(w io.Writer, r *model.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", line(r.Subject))
	for _, s := range r.Steps {
		writeStepLine(&b, s)
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "      %-22s %s\n", line(e.Label)+":", line(e.Value))
		}
	}
	fmt.Fprintf(&b, "Verdict: %s (%s)\n", r.Verdict(), line(r.Reason()))
	_, err := io.WriteString(w, b.String())
	return err
}
