package inspect

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// ReportSchemaVersion is the version of the report format described by
// docs/report-schema.json.
const ReportSchemaVersion = "1"

// Report is the compliance report over many images (`provscope report`),
// as documented by docs/report-schema.json.
type Report struct {
	SchemaVersion string        `json:"schemaVersion"`
	GeneratedAt   string        `json:"generatedAt"`
	Tool          ReportTool    `json:"tool"`
	Log           ReportLog     `json:"log"`
	Policy        ReportPolicy  `json:"policy"`
	Totals        ReportTotals  `json:"totals"`
	Images        []ReportImage `json:"images"`
}

// ReportTool names the program that wrote the report.
type ReportTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ReportLog is the log the entries were checked against.
type ReportLog struct {
	URL            string `json:"url"`
	KeyFingerprint string `json:"keyFingerprint"`
	KeySource      string `json:"keySource"`
}

// ReportPolicy is what counted as a valid signature.
type ReportPolicy struct {
	// SignerPinned is false when no signer was pinned: every image is then
	// at best unpinned.
	SignerPinned   bool   `json:"signerPinned"`
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	Identity       string `json:"certificateIdentity,omitempty"`
	Issuer         string `json:"certificateOidcIssuer,omitempty"`
}

// ReportTotals counts images per verdict.
type ReportTotals struct {
	Images    int `json:"images"`
	Verified  int `json:"verified"`
	Failed    int `json:"failed"`
	Unsigned  int `json:"unsigned"`
	NotLogged int `json:"notLogged"`
	Error     int `json:"error"`
	Unpinned  int `json:"unpinned"`
}

// ReportImage is one image in the report.
type ReportImage struct {
	Reference string        `json:"reference"`
	Digest    string        `json:"digest"`
	Verdict   model.Verdict `json:"verdict"`
	Reason    string        `json:"reason"`
	// SignerPinned and Signers are ImageReport's: whether a signer policy
	// was given, and who signed.
	SignerPinned bool           `json:"signerPinned"`
	Signers      []model.Signer `json:"signers"`
	Entries      []ReportEntry  `json:"entries"`
}

// ReportEntry is one attachment of an image and its log entry.
type ReportEntry struct {
	Kind          model.AttachmentKind `json:"kind"`
	Source        string               `json:"source"`
	Digest        string               `json:"digest"`
	PredicateType string               `json:"predicateType,omitempty"`
	Signer        string               `json:"signer"`
	UUID          string               `json:"uuid,omitempty"`
	LogIndex      *int64               `json:"logIndex,omitempty"`
	// IntegratedTime is RFC 3339, UTC.
	IntegratedTime string         `json:"integratedTime,omitempty"`
	Checkpoint     *CheckpointRef `json:"checkpoint,omitempty"`
	Verdict        string         `json:"verdict"`
	Reason         string         `json:"reason"`
	Steps          []ReportStep   `json:"steps"`
}

// ReportStep is one verification step of an entry.
type ReportStep struct {
	Name   string       `json:"name"`
	Title  string       `json:"title"`
	Status model.Status `json:"status"`
	Detail string       `json:"detail,omitempty"`
}

// ReportMeta is what a report says besides the images.
type ReportMeta struct {
	Generated time.Time
	Version   string
	Log       *Log
	Policy    Policy
}

// BuildReport assembles the report for images (in the order given).
func BuildReport(images []*ImageReport, meta ReportMeta) *Report {
	r := &Report{
		SchemaVersion: ReportSchemaVersion,
		GeneratedAt:   meta.Generated.UTC().Format(time.RFC3339),
		Tool:          ReportTool{Name: "provscope", Version: meta.Version},
		Images:        make([]ReportImage, 0, len(images)),
	}
	if meta.Log != nil {
		fp, _ := KeyFingerprint(meta.Log.KeyPEM)
		r.Log = ReportLog{URL: meta.Log.Def.URL, KeyFingerprint: fp, KeySource: meta.Log.KeySource}
	}
	r.Policy.SignerPinned = meta.Policy.Pinned()
	if len(meta.Policy.KeyPEM) > 0 {
		r.Policy.KeyFingerprint, _ = KeyFingerprint(meta.Policy.KeyPEM)
	}
	if id := meta.Policy.Identity; id != nil {
		r.Policy.Identity = firstNonEmpty(id.SAN, id.SANRegexp)
		r.Policy.Issuer = firstNonEmpty(id.Issuer, id.IssuerRegexp)
	}
	for _, img := range images {
		ri := ReportImage{Reference: img.Reference, Digest: img.Digest, Verdict: img.Verdict, Reason: img.Reason, SignerPinned: img.SignerPinned, Signers: img.Signers, Entries: []ReportEntry{}}
		if ri.Signers == nil {
			ri.Signers = []model.Signer{}
		}
		for _, i := range VerifiedFirst(img) {
			a := img.Attachments[i]
			e := ReportEntry{
				Kind: a.Kind, Source: a.Source, Digest: a.Digest, PredicateType: a.PredicateType,
				Signer: a.Signer.String(), UUID: a.EntryUUID, LogIndex: a.LogIndex, Checkpoint: a.Checkpoint, Steps: []ReportStep{},
			}
			if a.Signer == (model.Signer{}) {
				e.Signer = ""
			}
			if a.IntegratedTime != nil {
				e.IntegratedTime = a.IntegratedTime.UTC().Format(time.RFC3339)
			}
			if a.Result == nil {
				e.Verdict, e.Reason = "not-applicable", "attached, not signed"
			} else {
				e.Verdict, e.Reason = img.AttachmentVerdict(i).String(), a.Result.Reason()
				for _, s := range a.Result.Steps {
					e.Steps = append(e.Steps, ReportStep{Name: s.Name, Title: s.Title, Status: s.Status, Detail: s.Detail})
				}
			}
			ri.Entries = append(ri.Entries, e)
		}
		r.Images = append(r.Images, ri)
		r.Totals.Images++
		switch img.Verdict {
		case model.VerdictVerified:
			r.Totals.Verified++
		case model.VerdictFailed:
			r.Totals.Failed++
		case model.VerdictUnsigned:
			r.Totals.Unsigned++
		case model.VerdictNotLogged:
			r.Totals.NotLogged++
		case model.VerdictUnpinned:
			r.Totals.Unpinned++
		default:
			r.Totals.Error++
		}
	}
	return r
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
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
// image with its entries and their steps. Every value is foreign (an image
// reference, a predicate type, a signer, a reason quoting a server's answer)
// and goes through md, which keeps it on one line and escapes every Markdown
// metacharacter, or through code, which puts it in a code span only when no
// character of it could end the span or a table cell.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Provenance report\n\n")
	fmt.Fprintf(&b, "Generated %s by %s %s. Log: %s (key %s, %s).\n\n", md(r.GeneratedAt), md(r.Tool.Name), md(r.Tool.Version), md(r.Log.URL), code(shortFP(r.Log.KeyFingerprint)), md(r.Log.KeySource))
	switch {
	case r.Policy.KeyFingerprint != "":
		fmt.Fprintf(&b, "Policy: signatures by key %s.\n\n", code(shortFP(r.Policy.KeyFingerprint)))
	case r.Policy.Identity != "":
		fmt.Fprintf(&b, "Policy: certificates for %s issued by %s.\n\n", md(r.Policy.Identity), md(r.Policy.Issuer))
	default:
		b.WriteString("Policy: **signer not pinned**; each signature was checked with the key its own log entry records, which proves it intact and logged, not who signed: no image can read verified. Pin the signer with `--key` or `--certificate-identity` and `--certificate-oidc-issuer`.\n\n")
	}
	t := r.Totals
	fmt.Fprintf(&b, "**%d image(s)**: %d verified, %d unpinned, %d failed, %d not logged, %d unsigned, %d error.\n\n", t.Images, t.Verified, t.Unpinned, t.Failed, t.NotLogged, t.Unsigned, t.Error)
	b.WriteString("| Image | Digest | Verdict | Reason |\n|---|---|---|---|\n")
	for _, img := range r.Images {
		fmt.Fprintf(&b, "| %s | %s | **%s** | %s |\n", md(img.Reference), code(shortDigest(img.Digest)), md(img.Verdict.String()), md(img.Reason))
	}
	for _, img := range r.Images {
		fmt.Fprintf(&b, "\n## %s\n\nDigest %s: **%s**. %s\n", md(img.Reference), code(img.Digest), md(img.Verdict.String()), md(img.Reason))
		if len(img.Entries) == 0 {
			b.WriteString("\nNothing is attached to this digest.\n")
		}
		for _, e := range img.Entries {
			fmt.Fprintf(&b, "\n### %s %s (%s): %s\n\n", md(e.Kind.String()), code(shortDigest(e.Digest)), md(e.Source), md(e.Verdict))
			if e.Signer != "" {
				fmt.Fprintf(&b, "- Signer: %s\n", md(e.Signer))
			}
			if e.PredicateType != "" {
				fmt.Fprintf(&b, "- Predicate: %s\n", md(e.PredicateType))
			}
			if e.UUID != "" {
				fmt.Fprintf(&b, "- Entry: %s\n", code(e.UUID))
			}
			if e.LogIndex != nil {
				fmt.Fprintf(&b, "- Log index: %d, integrated %s\n", *e.LogIndex, md(e.IntegratedTime))
			}
			if c := e.Checkpoint; c != nil {
				fmt.Fprintf(&b, "- Checkpoint: %s, size %d, root %s\n", md(c.Origin), c.Size, code(c.RootHash))
			}
			if len(e.Steps) > 0 {
				b.WriteString("\n| | Step | Detail |\n|---|---|---|\n")
				for _, s := range e.Steps {
					fmt.Fprintf(&b, "| %s | %s | %s |\n", Mark(s.Status), md(s.Title), md(s.Detail))
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
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
