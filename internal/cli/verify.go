package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
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
			w, img := cmd.OutOrStdout(), inspect.ImageDoc(rep)
			if out.json() {
				if err := writeJSON(w, img); err != nil {
					return err
				}
			} else if err := report.WriteImage(w, &img, verbose); err != nil {
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
