package main

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
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

// logQueryErr is the exit status for a log's answer to a query: a 4xx
// other than 404 (not found) and 429 (rate limited) means the log refused
// the input as malformed, an input error (exit 2); anything else is a
// failure (exit 1).
func logQueryErr(err error) error {
	var he *client.HTTPError
	if errors.As(err, &he) && he.Status >= 400 && he.Status < 500 && he.Status != 404 && he.Status != 429 {
		return usageErr(fmt.Errorf("the log refused the query as malformed input: %w", err))
	}
	return failed(err)
}

// exitUnpinned is the exit code for "intact and logged, signer not pinned".
const exitUnpinned = 3

// verdictExit is the exit status for an image verdict: nil for verified,
// exit 3 for unpinned, exit 1 for anything else (the report already says
// why).
func verdictExit(v model.Verdict) error {
	switch v {
	case model.VerdictVerified:
		return nil
	case model.VerdictUnpinned:
		return &exitError{code: exitUnpinned, err: errSilentFailure}
	}
	return failed(errSilentFailure)
}

// policyFlags are the flags saying what a valid signature is, shared by
// verify and report.
type policyFlags struct {
	key, identity, identityRegexp, issuer, issuerRegexp, trustedRoot string
	insecureRegistry                                                 bool
	reg                                                              registryFlags
	trust                                                            trustFlags
	// trustMarker is set by open: "trust root as of DATE, not refreshed"
	// when the trust root in use is stale or only the embedded one.
	trustMarker string
}

func (p *policyFlags) register(cmd *cobra.Command) {
	p.registerSigner(cmd)
	f := cmd.Flags()
	f.StringVar(&p.trustedRoot, "trusted-root", "", "trusted_root.json for Sigstore bundles (default: the public-good root)")
	f.BoolVar(&p.insecureRegistry, "allow-insecure-registry", false, "allow plain HTTP to non-loopback registries")
	p.reg.register(cmd)
	p.trust.register(cmd)
}

// registerSigner registers the flags that say who must have signed: a key
// or a certificate identity.
func (p *policyFlags) registerSigner(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.key, "key", "", "PEM public key the signatures must verify with")
	f.StringVar(&p.identity, "certificate-identity", "", "certificate identity (SAN) keyless signatures must carry")
	f.StringVar(&p.identityRegexp, "certificate-identity-regexp", "", "regular expression for the certificate identity")
	f.StringVar(&p.issuer, "certificate-oidc-issuer", "", "OIDC issuer the certificate must name")
	f.StringVar(&p.issuerRegexp, "certificate-oidc-issuer-regexp", "", "regular expression for the OIDC issuer")
}

func (p *policyFlags) policy() (inspect.Policy, error) {
	var pol inspect.Policy
	hasID := p.identity != "" || p.identityRegexp != "" || p.issuer != "" || p.issuerRegexp != ""
	if p.key != "" && hasID {
		return pol, usageErr(errors.New("give --key or a certificate identity, not both"))
	}
	if p.key != "" {
		b, err := readFileBounded(p.key, maxKeyFile)
		if err != nil {
			return pol, usageErr(fmt.Errorf("reading --key: %w", err))
		}
		if err := checkPublicKey(p.key, b); err != nil {
			return pol, usageErr(err)
		}
		pol.KeyPEM = b
	}
	if hasID {
		if (p.identity == "" && p.identityRegexp == "") || (p.issuer == "" && p.issuerRegexp == "") {
			return pol, usageErr(errors.New("a certificate identity needs both --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]"))
		}
		pol.Identity = &proof.IdentityPolicy{SAN: p.identity, SANRegexp: p.identityRegexp, Issuer: p.issuer, IssuerRegexp: p.issuerRegexp}
	}
	if p.trustedRoot != "" {
		b, err := readFileBounded(p.trustedRoot, maxTrustedRootFile)
		if err != nil {
			return pol, usageErr(fmt.Errorf("reading --trusted-root: %w", err))
		}
		if _, err := proof.ParseTrustedRoot(b); err != nil {
			return pol, usageErr(fmt.Errorf("reading --trusted-root %s: %w", p.trustedRoot, err))
		}
		pol.TrustedRoot = b
	}
	return pol, nil
}

// checkPublicKey checks that b, read from path, is a PEM public key; a
// private key (cosign's encrypted one, PKCS#8, SEC 1) gets a message
// saying how to get the public one.
func checkPublicKey(path string, b []byte) error {
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if strings.Contains(blk.Type, "PRIVATE KEY") {
			return fmt.Errorf("--key %s: this is a private key; pass the public key (cosign public-key --key %s > key.pub)", path, path)
		}
	}
	if _, err := inspect.KeyFingerprint(b); err != nil {
		return fmt.Errorf("reading --key %s: %w", path, err)
	}
	return nil
}

// open reads the policy, then opens the log lf names, and returns what
// verifying images needs: the registry, the log and the checkpoint store.
// Errors are already usage or failure errors.
func (p *policyFlags) open(ctx context.Context, lf *logFlags) (inspect.Policy, inspect.Deps, error) {
	pol, err := p.policy()
	if err != nil {
		return pol, inspect.Deps{}, err
	}
	if p.trustedRoot == "" {
		m, err := p.trust.load()
		if err != nil {
			return pol, inspect.Deps{}, err
		}
		if pol.TrustedRoot, lf.trusted, err = trustedRoot(m, time.Now()); err != nil {
			return pol, inspect.Deps{}, err
		}
		p.trustMarker = m.Marker()
	}
	rc := registry.Config{Insecure: p.insecureRegistry, UserAgent: "provscope/" + buildVersion()}
	if err := p.reg.apply(&rc); err != nil {
		return pol, inspect.Deps{}, err
	}
	l, _, err := lf.open(ctx)
	if err != nil {
		return pol, inspect.Deps{}, err
	}
	_, cfg, err := lf.selection()
	if err != nil {
		return pol, inspect.Deps{}, err
	}
	dir, err := state.DefaultDir(os.Getenv)
	if err != nil {
		return pol, inspect.Deps{}, usageErr(err)
	}
	return pol, inspect.Deps{
		Registry: registry.New(rc),
		Log:      l,
		Store:    &state.Store{Dir: dir},
		// A bundle's checkpoint may come from another known log.
		OtherLogs: logs.All(cfg),
	}, nil
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
