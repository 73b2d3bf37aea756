package cli

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/provscope/provscope/internal/safetext"
)

// line is safetext.Line: every printer passes each foreign value (a name, a
// digest, a reason that quotes a server's answer) through it before placing
// it into text output, so that its controls are shown, not obeyed, and its
// newlines cannot start a line of their own.
func line(s string) string { return safetext.Line(s) }

// writeJSON writes v as indented JSON. Values are not rewritten: encoding/json
// escapes C0 controls itself, and safetext.Frame writes the C1, bidi and
// zero-width characters it leaves raw as \uXXXX, the JSON escape of the same
// character, so the document decodes to exactly the same values and still
// cannot drive a terminal it is printed on.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, safetext.Frame(buf.String()))
	return err
}

// exactJSON returns w behind safetext's filter, for a json.Encoder (which
// writes each value whole, in one write): the same effect as writeJSON.
func exactJSON(w io.Writer) io.Writer { return safetext.NewWriter(w) }
