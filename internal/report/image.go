package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
)

// Image is an image's verification as every output describes it: `verify
// --output json` prints it, `provscope report` lists one per image, and
// the text and Markdown renderings read from it. inspect.ImageDoc builds
// it from an inspect.ImageReport.
type Image struct {
	Reference string        `json:"reference"`
	Digest    string        `json:"digest"`
	Verdict   model.Verdict `json:"verdict"`
	Reason    string        `json:"reason"`
	// SignerPinned says whether a signer policy was given; Signers are
	// the distinct signers found, trusted or not.
	SignerPinned bool           `json:"signerPinned"`
	Signers      []model.Signer `json:"signers"`
	// Attachments are in VerifiedFirst order.
	Attachments []Attachment `json:"attachments"`
}

// Attachment is one signature, attestation or SBOM attached to the image,
// its log entry and its result.
type Attachment struct {
	AttachmentFacts
	// Verdict is the attachment's verdict under the image's policy, or
	// "not-applicable" for an SBOM (attached, not signed), which has no
	// Result.
	Verdict string     `json:"verdict"`
	Result  *ResultDoc `json:"result,omitempty"`
}

// AttachmentFacts is what was found about an attachment, before any
// verdict: what it is, where it was found, who signed it and where its log
// entry is. inspect.AttachmentReport gathers it and Attachment shows it,
// both embedding this one struct.
type AttachmentFacts struct {
	Kind          model.AttachmentKind `json:"kind"`
	Source        string               `json:"source"`
	Digest        string               `json:"digest"`
	PredicateType string               `json:"predicateType,omitempty"`
	Signer        model.Signer         `json:"signer,omitzero"`
	// EntryUUID, LogIndex and IntegratedTime locate the log entry, when
	// found; Checkpoint is the one its inclusion proof led to.
	EntryUUID      string         `json:"entryUUID,omitempty"`
	LogIndex       *int64         `json:"logIndex,omitempty"`
	IntegratedTime *time.Time     `json:"integratedTime,omitempty"`
	Checkpoint     *CheckpointRef `json:"checkpoint,omitempty"`
}

// NotApplicable is the verdict of an attachment that is not signed.
const NotApplicable = "not-applicable"

// CheckpointRef names the signed checkpoint an entry's inclusion proof
// was verified against; RootHash is hex.
type CheckpointRef struct {
	Origin   string `json:"origin"`
	Size     uint64 `json:"size"`
	RootHash string `json:"rootHash"`
}

// integrated returns the attachment's integrated time in RFC 3339, UTC,
// or "" when its entry was not found.
func (a *Attachment) integrated() string {
	if a.IntegratedTime == nil {
		return ""
	}
	return a.IntegratedTime.UTC().Format(time.RFC3339)
}

// WriteImage writes img as `provscope verify` prints it: the image, each
// attachment with its entry, steps (their evidence when verbose) and
// verdict, then the image verdict and, without a pinned signer, the note
// that says what that means. Every foreign value is sanitised.
func WriteImage(w io.Writer, img *Image, verbose bool) error {
	var b strings.Builder
	line := safetext.Line
	fmt.Fprintf(&b, "Image:   %s\nDigest:  %s\n", line(img.Reference), line(img.Digest))
	if len(img.Attachments) == 0 {
		b.WriteString("\nNothing is attached to this digest.\n")
	}
	for _, a := range img.Attachments {
		fmt.Fprintf(&b, "\n%s %s (%s)", a.Kind, line(a.Digest), line(a.Source))
		if a.PredicateType != "" {
			fmt.Fprintf(&b, "\n  predicate %s", line(a.PredicateType))
		}
		if a.Signer != (model.Signer{}) {
			fmt.Fprintf(&b, "\n  signer    %s", line(a.Signer.String()))
		}
		if a.LogIndex != nil {
			fmt.Fprintf(&b, "\n  log entry %d, integrated %s", *a.LogIndex, a.integrated())
		}
		b.WriteString("\n")
		if a.Result == nil {
			b.WriteString("  attached, not signed: nothing to verify\n")
			continue
		}
		if err := writeSteps(&b, a.Result.Steps, "  ", verbose); err != nil {
			return err
		}
		fmt.Fprintf(&b, "  → %s\n", a.Verdict)
	}
	fmt.Fprintf(&b, "\nVerdict: %s: %s\n", img.Verdict, line(img.Reason))
	if !img.SignerPinned {
		b.WriteString(UnpinnedNote(img.Signers))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
