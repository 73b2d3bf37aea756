package inspect

import (
	"fmt"
	"io"
	"strings"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// Mark returns the one-character mark for a step status: ✓ pass, ✗ fail,
// – skipped, … pending. It is model's glyph, the explorer's too, so a step
// reads the same in the CLI and the explorer.
func Mark(s model.Status) string {
	return s.Glyph()
}

// WriteSteps writes r's steps one per line, each prefixed by indent: mark,
// title, detail; a failed step's evidence follows on indented lines, and
// every step's evidence when verbose is set. Titles, details and evidence
// may quote foreign text (a predicate type, a SAN, a server's answer): each
// is sanitised with safetext.Line, so it stays on its line and its controls
// are shown, not obeyed.
func WriteSteps(w io.Writer, r *model.Result, indent string, verbose bool) error {
	width := 0
	for _, s := range r.Steps {
		width = max(width, len([]rune(s.Title)))
	}
	var b strings.Builder
	for _, s := range r.Steps {
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

// ResultDoc is a model.Result as the JSON outputs and the report carry it:
// with its verdict and reason spelled out.
type ResultDoc struct {
	Subject string        `json:"subject"`
	Verdict model.Verdict `json:"verdict"`
	Reason  string        `json:"reason"`
	Steps   []model.Step  `json:"steps"`
}

// Doc returns r as a ResultDoc (a zero ResultDoc for nil).
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

// VerifiedFirst returns the indices of rep's attachments with those whose
// result verified (pinned or not) first, each group in its original order:
// "1 of 2 signatures verified" shows the passing one before the failing.
func VerifiedFirst(rep *ImageReport) []int {
	idx := make([]int, 0, len(rep.Attachments))
	for pass := range 2 {
		for i, a := range rep.Attachments {
			ok := a.Result != nil && a.Result.Verdict() == model.VerdictVerified
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
