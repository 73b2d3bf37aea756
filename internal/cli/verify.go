package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// newVerifyCmd verifies every signature and attestation of one image.
func newVerifyCmd() *cobra.Command {
	var lf logFlags
	var pf policyFlags
	var out outputFlag
	var verbose bool
	cmd := &cobra.Command{
		Use:   "verify IMAGE",
		Short: "Verify an image's signatures and attestations down to the log's checkpoints",
		Long: `verify resolves IMAGE, finds every signature, attestation and SBOM attached
to its digest (cosign tags and OCI referrers) and checks each one: the
signature against --key or the certificate identity, the digest it names,
its transparency-log entry (from the attached bundle, or looked up in the log
when there is none: a valid signature that the log does not hold was never
logged, "stealth signing"), the SET, the inclusion proof, the signed
checkpoint and its consistency with the checkpoint remembered by loginfo.

Without --key or --certificate-identity/--certificate-oidc-issuer nothing
says whose signature it must be: each one is checked with the key its own
log entry or certificate records, which proves it intact and logged, not
who signed (anyone can log a key). The verdict is then "unpinned", never
"verified".

Exit code 0 when a signature by the pinned signer verified, 1 when the image
is failed, unsigned or not logged, 2 for a usage or input error, 3 when a
signature is intact and logged but no signer was pinned.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			pol, deps, err := pf.open(ctx, &lf)
			if err != nil {
				return err
			}
			rep, err := inspect.VerifyImage(ctx, deps, args[0], pol, nil)
			if err != nil && rep.Digest == "" {
				if registry.IsNotFound(err) || strings.Contains(err.Error(), "parsing reference") {
					return usageErr(err)
				}
				return failed(err)
			}
			w := cmd.OutOrStdout()
			if out.json() {
				if err := writeJSON(w, imageDoc(rep)); err != nil {
					return err
				}
			} else if err := writeImageReport(w, rep, verbose); err != nil {
				return err
			}
			pf.printTrustMarker(cmd, out.json())
			return verdictExit(rep.Verdict)
		},
	}
	lf.register(cmd)
	pf.register(cmd)
	out.register(cmd)
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the evidence of every step")
	return cmd
}

// attachmentDoc is an attachment in verify's JSON output.
type attachmentDoc struct {
	inspect.AttachmentReport
	Verdict string             `json:"verdict"`
	Result  *inspect.ResultDoc `json:"result,omitempty"`
}

func imageDoc(rep *inspect.ImageReport) any {
	atts := make([]attachmentDoc, 0, len(rep.Attachments))
	for _, i := range inspect.VerifiedFirst(rep) {
		a := rep.Attachments[i]
		d := attachmentDoc{AttachmentReport: a, Verdict: "not-applicable"}
		if a.Result != nil {
			doc := inspect.Doc(a.Result)
			doc.Verdict = rep.AttachmentVerdict(i)
			d.Result, d.Verdict = &doc, doc.Verdict.String()
		}
		atts = append(atts, d)
	}
	signers := rep.Signers
	if signers == nil {
		signers = []model.Signer{}
	}
	return struct {
		Reference    string          `json:"reference"`
		Digest       string          `json:"digest"`
		Verdict      model.Verdict   `json:"verdict"`
		Reason       string          `json:"reason"`
		SignerPinned bool            `json:"signerPinned"`
		Signers      []model.Signer  `json:"signers"`
		Attachments  []attachmentDoc `json:"attachments"`
	}{rep.Reference, rep.Digest, rep.Verdict, rep.Reason, rep.SignerPinned, signers, atts}
}

func writeImageReport(w io.Writer, rep *inspect.ImageReport, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Image:   %s\nDigest:  %s\n", line(rep.Reference), line(rep.Digest))
	if len(rep.Attachments) == 0 {
		b.WriteString("\nNothing is attached to this digest.\n")
	}
	for _, i := range inspect.VerifiedFirst(rep) {
		a := rep.Attachments[i]
		fmt.Fprintf(&b, "\n%s %s (%s)", a.Kind, line(a.Digest), line(a.Source))
		if a.PredicateType != "" {
			fmt.Fprintf(&b, "\n  predicate %s", line(a.PredicateType))
		}
		if a.Signer != (model.Signer{}) {
			fmt.Fprintf(&b, "\n  signer    %s", line(a.Signer.String()))
		}
		if a.LogIndex != nil {
			fmt.Fprintf(&b, "\n  log entry %d, integrated %s", *a.LogIndex, a.IntegratedTime.UTC().Format(time.RFC3339))
		}
		b.WriteString("\n")
		if a.Result == nil {
			b.WriteString("  attached, not signed: nothing to verify\n")
			continue
		}
		if err := inspect.WriteSteps(&b, a.Result, "  ", verbose); err != nil {
			return err
		}
		fmt.Fprintf(&b, "  → %s\n", rep.AttachmentVerdict(i))
	}
	fmt.Fprintf(&b, "\nVerdict: %s: %s\n", rep.Verdict, line(rep.Reason))
	if !rep.SignerPinned {
		b.WriteString(inspect.UnpinnedNote(rep.Signers))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
