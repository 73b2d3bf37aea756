package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// Mark returns the one-character mark for a step status: ✓ pass, ✗ fail,
// – skipped, … pending. It is model's glyph, the explorer's too (ui/theme),
// so a step reads the same in the CLI, the reports and the explorer.
func Mark(s model.Status) string {
	return s.Glyph()
}

// WriteSteps writes r's steps one per line, each prefixed by indent: mark,
// title, detail; a failed step's evidence follows on indented lines, and
// every step's evidence when verbose is set. It is the step list inside a
// larger document (an image, an entry, a log tree). Titles, details and
// evidence may quote foreign text (a predicate type, a SAN, a server's
// answer): each is sanitised with safetext.Line, so it stays on its line
// and its controls are shown, not obeyed.
func WriteSteps(w io.Writer, r *model.Result, indent string, verbose bool) error {
	return writeSteps(w, r.Steps, indent, verbose)
}

func writeSteps(w io.Writer, steps []model.Step, indent string, verbose bool) error {
	width := 0
	for _, s := range steps {
		width = max(width, len([]rune(s.Title)))
	}
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%s%s %-*s  %s\n", indent, Mark(s.Status), width, safetext.Line(s.Title), safetext.Line(s.Detail))
		if verbose || s.Status == model.StatusFail {
			for _, e := range s.Evidence {
				fmt.Fprintf(&b, "%s    %s: %s\n", indent, safetext.Line(e.Label), safetext.Line(e.Value))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// StepLine writes one step as "  ✓ Title: detail" (no colon without a
// detail), sanitised: the line format of the verify-* commands.
func StepLine(b *strings.Builder, s model.Step) {
	fmt.Fprintf(b, "  %s %s", Mark(s.Status), safetext.Line(s.Title))
	if s.Detail != "" {
		fmt.Fprintf(b, ": %s", safetext.Line(s.Detail))
	}
	b.WriteByte('\n')
}

// WriteResult writes a result standing alone: its subject, every step with
// all its evidence, and the verdict with its reason. `provscope
// verify-entry` and `verify-checkpoint` print it, and the explorer's
// evidence export writes it as report.txt, so a result exported from the
// explorer reads as the CLI prints it.
func WriteResult(w io.Writer, r *model.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", safetext.Line(r.Subject))
	for _, s := range r.Steps {
		StepLine(&b, s)
		for _, e := range s.Evidence {
			fmt.Fprintf(&b, "      %-22s %s\n", safetext.Line(e.Label)+":", safetext.Line(e.Value))
		}
	}
	fmt.Fprintf(&b, "Verdict: %s (%s)\n", r.Verdict(), safetext.Line(r.Reason()))
	_, err := io.WriteString(w, b.String())
	return err
}

// ResultText is WriteResult into a string.
func ResultText(r *model.Result) string {
	var b strings.Builder
	_ = WriteResult(&b, r) // a strings.Builder does not fail
	return b.String()
}

// ResultDoc is a model.Result as every JSON output carries it (`verify`,
// `get`, `proof`, `verify-entry`, `report`, the explorer's report.json):
// with its verdict and reason spelled out, steps with their evidence, the
// values exact.
type ResultDoc struct {
	Subject string        `json:"subject"`
	Verdict model.Verdict `json:"verdict"`
	Reason  string        `json:"reason"`
	Steps   []model.Step  `json:"steps"`
}

// Doc returns r as a ResultDoc (a zero ResultDoc for nil); steps are never
// null.
func Doc(r *model.Result) ResultDoc {
	if r == nil {
		return ResultDoc{Steps: []model.Step{}}
	}
	steps := r.Steps
	if steps == nil {
		steps = []model.Step{}
	}
	return ResultDoc{Subject: r.Subject, Verdict: r.Verdict(), Reason: r.Reason(), Steps: steps}
}

// VerifiedFirst returns the indices of results with those that verified
// first, each group in its original order: "1 of 2 signatures verified"
// shows the passing one before the failing. A nil result (an SBOM:
// attached, not signed) did not verify.
func VerifiedFirst(results []*model.Result) []int {
	idx := make([]int, 0, len(results))
	for pass := range 2 {
		for i, r := range results {
			ok := r != nil && r.Verdict() == model.VerdictVerified
			if ok == (pass == 0) {
				idx = append(idx, i)
			}
		}
	}
	return idx
}

// UnpinnedNote is what verify prints under an image verdict reached with
// no signer policy: that anyone's logged key passes, the signers found,
// and the flags that pin one. Signers are foreign (a certificate's SAN):
// each is sanitised.
func UnpinnedNote(signers []model.Signer) string {
	var b strings.Builder
	b.WriteString("\nSigner not pinned: without --key, or --certificate-identity with --certificate-oidc-issuer,\nany signature whose key is logged passes, an attacker's own included.\n")
	if len(signers) > 0 {
		b.WriteString("Signers found:\n")
		for _, s := range signers {
			switch {
			case s.Subject != "":
				fmt.Fprintf(&b, "  %s via %s\n", safetext.Line(s.Subject), safetext.Line(s.Issuer))
			case s.KeyFingerprint != "":
				fmt.Fprintf(&b, "  key sha256:%s\n", safetext.Line(s.KeyFingerprint))
			}
		}
	}
	b.WriteString("Pin the one you trust: --key FILE, or --certificate-identity ID --certificate-oidc-issuer URL.\n")
	return b.String()
}

// ResultJSON is r's ResultDoc as indented JSON, as the explorer's evidence
// export writes it to report.json: the result part of every other JSON
// output, byte for byte (TestOneResultDocument).
func ResultJSON(r *model.Result) ([]byte, error) {
	b, err := json.MarshalIndent(Doc(r), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding result: %w", err)
	}
	return b, nil
}
