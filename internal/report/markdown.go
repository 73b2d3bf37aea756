package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// SchemaVersion is the version of the report format described by
// docs/report-schema.json. Version 2 describes each image as `verify
// --output json` does (attachments with their full results, step evidence
// included) where version 1 had its own, evidence-less entries.
const SchemaVersion = "2"

// Report is the compliance report over many images (`provscope report`),
// as documented by docs/report-schema.json.
type Report struct {
	SchemaVersion string  `json:"schemaVersion"`
	GeneratedAt   string  `json:"generatedAt"`
	Tool          Tool    `json:"tool"`
	Log           LogRef  `json:"log"`
	Policy        Policy  `json:"policy"`
	Totals        Totals  `json:"totals"`
	Images        []Image `json:"images"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// LogRef is the log the entries were checked against.
type LogRef struct {
	URL            string `json:"url"`
	KeyFingerprint string `json:"keyFingerprint"`
	KeySource      string `json:"keySource"`
}

// Policy is what counted as a valid signature.
type Policy struct {
	// SignerPinned is false when no signer was pinned: every image is then
	// at best unpinned.
	SignerPinned   bool   `json:"signerPinned"`
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	Identity       string `json:"certificateIdentity,omitempty"`
	Issuer         string `json:"certificateOidcIssuer,omitempty"`
}

// Totals counts images per verdict.
type Totals struct {
	Images    int `json:"images"`
	Verified  int `json:"verified"`
	Failed    int `json:"failed"`
	Unsigned  int `json:"unsigned"`
	NotLogged int `json:"notLogged"`
	Error     int `json:"error"`
	Unpinned  int `json:"unpinned"`
}

// Add counts one image of verdict v.
func (t *Totals) Add(v model.Verdict) {
	t.Images++
	switch v {
	case model.VerdictVerified:
		t.Verified++
	case model.VerdictFailed:
		t.Failed++
	case model.VerdictUnsigned:
		t.Unsigned++
	case model.VerdictNotLogged:
		t.NotLogged++
	case model.VerdictUnpinned:
		t.Unpinned++
	default:
		t.Error++
	}
}

// AllVerified reports whether every image verified.
func (r *Report) AllVerified() bool { return r.Totals.Verified == r.Totals.Images }

// Verdict is the report's overall verdict: verified when every image
// verified, unpinned when every image verified or is unpinned (no signer
// policy), failed otherwise.
func (r *Report) Verdict() model.Verdict {
	switch {
	case r.AllVerified():
		return model.VerdictVerified
	case r.Totals.Verified+r.Totals.Unpinned == r.Totals.Images:
		return model.VerdictUnpinned
	}
	return model.VerdictFailed
}

// WriteMarkdown renders the report for humans: a summary table, then each
// image with its attachments and their steps. Every value is foreign (an
// image reference, a predicate type, a signer, a reason quoting a server's
// answer) and goes through md, which keeps it on one line and escapes every
// Markdown metacharacter, or through code, which puts it in a code span
// only when no character of it could end the span or a table cell.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	writeMarkdownHead(&b, r)
	for i := range r.Images {
		writeMarkdownImage(&b, &r.Images[i])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownHead writes the title, the log, the policy, the totals and
// the summary table.
func writeMarkdownHead(b *strings.Builder, r *Report) {
	fmt.Fprintf(b, "# Provenance report\n\n")
	fmt.Fprintf(b, "Generated %s by %s %s. Log: %s (key %s, %s).\n\n", md(r.GeneratedAt), md(r.Tool.Name), md(r.Tool.Version), md(r.Log.URL), code(shortFP(r.Log.KeyFingerprint)), md(r.Log.KeySource))
	switch {
	case r.Policy.KeyFingerprint != "":
		fmt.Fprintf(b, "Policy: signatures by key %s.\n\n", code(shortFP(r.Policy.KeyFingerprint)))
	case r.Policy.Identity != "":
		fmt.Fprintf(b, "Policy: certificates for %s issued by %s.\n\n", md(r.Policy.Identity), md(r.Policy.Issuer))
	default:
		b.WriteString("Policy: **signer not pinned**; each signature was checked with the key its own log entry records, which proves it intact and logged, not who signed: no image can read verified. Pin the signer with `--key` or `--certificate-identity` and `--certificate-oidc-issuer`.\n\n")
	}
	t := r.Totals
	fmt.Fprintf(b, "**%d image(s)**: %d verified, %d unpinned, %d failed, %d not logged, %d unsigned, %d error.\n\n", t.Images, t.Verified, t.Unpinned, t.Failed, t.NotLogged, t.Unsigned, t.Error)
	b.WriteString("| Image | Digest | Verdict | Reason |\n|---|---|---|---|\n")
	for _, img := range r.Images {
		fmt.Fprintf(b, "| %s | %s | **%s** | %s |\n", md(img.Reference), code(shortDigest(img.Digest)), md(img.Verdict.String()), md(img.Reason))
	}
}

// writeMarkdownImage writes one image's section: its verdict, then each
// attachment with its entry and a table of its steps.
func writeMarkdownImage(b *strings.Builder, img *Image) {
	fmt.Fprintf(b, "\n## %s\n\nDigest %s: **%s**. %s\n", md(img.Reference), code(img.Digest), md(img.Verdict.String()), md(img.Reason))
	if len(img.Attachments) == 0 {
		b.WriteString("\nNothing is attached to this digest.\n")
	}
	for _, a := range img.Attachments {
		fmt.Fprintf(b, "\n### %s %s (%s): %s\n\n", md(a.Kind.String()), code(shortDigest(a.Digest)), md(a.Source), md(a.Verdict))
		if a.Signer != (model.Signer{}) {
			fmt.Fprintf(b, "- Signer: %s\n", md(a.Signer.String()))
		}
		if a.PredicateType != "" {
			fmt.Fprintf(b, "- Predicate: %s\n", md(a.PredicateType))
		}
		if a.EntryUUID != "" {
			fmt.Fprintf(b, "- Entry: %s\n", code(a.EntryUUID))
		}
		if a.LogIndex != nil {
			fmt.Fprintf(b, "- Log index: %d, integrated %s\n", *a.LogIndex, md(a.integrated()))
		}
		if c := a.Checkpoint; c != nil {
			fmt.Fprintf(b, "- Checkpoint: %s, size %d, root %s\n", md(c.Origin), c.Size, code(c.RootHash))
		}
		if a.Result != nil && len(a.Result.Steps) > 0 {
			b.WriteString("\n| | Step | Detail |\n|---|---|---|\n")
			for _, s := range a.Result.Steps {
				fmt.Fprintf(b, "| %s | %s | %s |\n", Mark(s.Status), md(s.Title), md(s.Detail))
			}
		}
	}
}

// md returns s as Markdown text that reads as s: safetext.Markdown.
func md(s string) string { return safetext.Markdown(s) }

// code returns s in a code span when s is made only of characters that
// cannot end a code span or a table cell (letters, digits and ":._+/=-":
// digests, UUIDs, hashes); anything else is not what a code span here
// should hold and is written as escaped text instead.
func code(s string) string {
	if s == "" {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && strings.IndexByte(":._+/=-", c) < 0 {
			return md(s)
		}
	}
	return "`" + s + "`"
}

func shortFP(fp string) string {
	if len(fp) > 16 {
		return fp[:16]
	}
	return fp
}

// shortDigest returns the first 12 hex digits of "alg:hex".
func shortDigest(d string) string {
	if _, h, ok := strings.Cut(d, ":"); ok && len(h) > 12 {
		return h[:12]
	}
	return d
}
