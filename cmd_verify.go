package main

import (
	"context"
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

Exit code 0 when a signature verified, 1 when the image is failed, unsigned
or not logged, 2 for a usage or input error.`,
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
			if rep.Verdict != model.VerdictVerified {
				return failed(errSilentFailure)
			}
			return nil
		},
	}
	lf.register(cmd)
	pf.register(cmd)
	out.register(cmd)
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the evidence of every step")
	return cmd
}

// policyFlags are the flags saying what a valid signature is, shared by
// verify and report.
type policyFlags struct {
	key, identity, identityRegexp, issuer, issuerRegexp, trustedRoot string
	insecureRegistry                                                 bool
}

func (p *policyFlags) register(cmd *cobra.Command) {
	p.registerSigner(cmd)
	f := cmd.Flags()
	f.StringVar(&p.trustedRoot, "trusted-root", "", "trusted_root.json for Sigstore bundles (default: the public-good root)")
	f.BoolVar(&p.insecureRegistry, "allow-insecure-registry", false, "allow plain HTTP to non-loopback registries")
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
		if _, err := inspect.KeyFingerprint(b); err != nil {
			return pol, usageErr(fmt.Errorf("reading --key %s: %w", p.key, err))
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
		pol.TrustedRoot = b
	}
	return pol, nil
}

// open reads the policy, then opens the log lf names, and returns what
// verifying images needs: the registry, the log and the checkpoint store.
// Errors are already usage or failure errors.
func (p *policyFlags) open(ctx context.Context, lf *logFlags) (inspect.Policy, inspect.Deps, error) {
	pol, err := p.policy()
	if err != nil {
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
		Registry: registry.New(registry.Config{Insecure: p.insecureRegistry, UserAgent: "provscope/" + buildVersion()}),
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
	for _, a := range rep.Attachments {
		d := attachmentDoc{AttachmentReport: a, Verdict: "not-applicable"}
		if a.Result != nil {
			doc := inspect.Doc(a.Result)
			d.Result, d.Verdict = &doc, a.Result.Verdict().String()
		}
		atts = append(atts, d)
	}
	return struct {
		Reference   string          `json:"reference"`
		Digest      string          `json:"digest"`
		Verdict     model.Verdict   `json:"verdict"`
		Reason      string          `json:"reason"`
		Attachments []attachmentDoc `json:"attachments"`
	}{rep.Reference, rep.Digest, rep.Verdict, rep.Reason, atts}
}

func writeImageReport(w io.Writer, rep *inspect.ImageReport, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Image:   %s\nDigest:  %s\n", line(rep.Reference), line(rep.Digest))
	if len(rep.Attachments) == 0 {
		b.WriteString("\nNothing is attached to this digest.\n")
	}
	for _, a := range rep.Attachments {
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
		fmt.Fprintf(&b, "  → %s\n", a.Result.Verdict())
	}
	fmt.Fprintf(&b, "\nVerdict: %s: %s\n", rep.Verdict, line(rep.Reason))
	_, err := io.WriteString(w, b.String())
	return err
}
