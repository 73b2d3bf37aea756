package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// verifyBundleFlags are verify-bundle's flags.
type verifyBundleFlags struct {
	artifact, digest, trustedRoot, key string
	identity, identityRegexp           string
	issuer, issuerRegexp               string
	output                             outputFlag
	trust                              trustFlags
}

// newVerifyBundleCmd verifies a Sigstore bundle offline.
//
// Exit codes: 0 the bundle verified; 1 it did not (every bundle that is
// JSON gets a full report, even one whose structure is wrong); 2 usage or
// input errors: bad flags, unreadable files, a malformed --digest, and a
// bundle file that is not JSON at all (its report is still printed).
func newVerifyBundleCmd() *cobra.Command {
	var f verifyBundleFlags
	cmd := &cobra.Command{
		Use:   "verify-bundle BUNDLE (--artifact FILE | --digest sha256:HEX)",
		Short: "Verify a Sigstore bundle offline and explain every step",
		Long: `verify-bundle checks a Sigstore bundle (v0.1, v0.2, v0.3) offline against a
trusted root: the certificate chain or public key, the embedded SCT, the
signer's identity, the signature over the artifact, that the transparency-log
entry records this very signature, the log's signed entry timestamp, the
Merkle inclusion proof, the signed checkpoint and the RFC 3161 timestamps.

It prints each step with ✓ (passed), ✗ (failed) or - (skipped) and, when the
bundle does not verify, the first failure and why.

The production Sigstore trusted root is built in; --trusted-root gives another
(staging, a private deployment). Certificate-signed bundles need an identity
policy (--certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]);
key-signed bundles need --key.

Exit codes: 0 verified, 1 not verified, 2 usage or input error (bad flags,
unreadable file, a bundle that is not JSON).`,
		Example: `  provscope verify-bundle app.sigstore.json --artifact app.tar.gz \
    --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com
  provscope verify-bundle app.sigstore.json --digest sha256:a0cf…01bf --key cosign.pub --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerifyBundle(cmd.OutOrStdout(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.artifact, "artifact", "", "the signed artifact `FILE`")
	fl.StringVar(&f.digest, "digest", "", "the artifact's digest, `sha256:HEX` (also sha384, sha512)")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "trusted_root.json `FILE` (default: the built-in production root)")
	fl.StringVar(&f.key, "key", "", "PEM public key `FILE` for key-signed bundles")
	fl.StringVar(&f.identity, "certificate-identity", "", "expected certificate SAN (email or URI), exact")
	fl.StringVar(&f.identityRegexp, "certificate-identity-regexp", "", "expected certificate SAN, as a regular expression")
	fl.StringVar(&f.issuer, "certificate-oidc-issuer", "", "expected OIDC issuer, exact")
	fl.StringVar(&f.issuerRegexp, "certificate-oidc-issuer-regexp", "", "expected OIDC issuer, as a regular expression")
	f.output.register(cmd)
	f.trust.register(cmd)
	cmd.MarkFlagsMutuallyExclusive("artifact", "digest")
	cmd.MarkFlagsOneRequired("artifact", "digest")
	cmd.MarkFlagsMutuallyExclusive("certificate-identity", "certificate-identity-regexp")
	cmd.MarkFlagsMutuallyExclusive("certificate-oidc-issuer", "certificate-oidc-issuer-regexp")
	return cmd
}

// bundleOptions turns the flags into proof.BundleOptions, reading files.
// Every error it returns is a usage or input error.
func (f verifyBundleFlags) bundleOptions() (proof.BundleOptions, error) {
	var opts proof.BundleOptions
	var err error
	if err := f.output.check(); err != nil {
		return opts, err
	}
	hasIdentity := f.identity != "" || f.identityRegexp != ""
	hasIssuer := f.issuer != "" || f.issuerRegexp != ""
	if f.key == "" && (!hasIdentity || !hasIssuer) {
		return opts, errors.New("an identity policy is required: give --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp), or --key for a key-signed bundle")
	}
	if hasIdentity || hasIssuer {
		opts.Identity = &proof.IdentityPolicy{SAN: f.identity, SANRegexp: f.identityRegexp, Issuer: f.issuer, IssuerRegexp: f.issuerRegexp}
	}
	if f.artifact != "" {
		if opts.Artifact, err = os.ReadFile(f.artifact); err != nil { // #nosec G304 -- the user names the file
			return opts, fmt.Errorf("reading the artifact: %w", err)
		}
		if opts.Artifact == nil {
			opts.Artifact = []byte{}
		}
	}
	if f.digest != "" {
		d, err := parseDigestFlag(f.digest)
		if err != nil {
			return opts, err
		}
		opts.ArtifactDigest = d
	}
	if f.trustedRoot != "" {
		if opts.TrustedRoot, err = readFileBounded(f.trustedRoot, maxTrustedRootFile); err != nil {
			return opts, fmt.Errorf("reading the trusted root: %w", err)
		}
	}
	if f.key != "" {
		if opts.Key, err = readFileBounded(f.key, maxKeyFile); err != nil {
			return opts, fmt.Errorf("reading the public key: %w", err)
		}
	}
	return opts, nil
}

// parseDigestFlag parses "sha256:HEX" (or sha384, sha512).
func parseDigestFlag(s string) (*proof.ArtifactDigest, error) {
	alg, hexv, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("--digest %q: want ALGORITHM:HEX, such as sha256:a0cf…", s)
	}
	alg = strings.ToLower(alg)
	sizes := map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}
	size, known := sizes[alg]
	if !known {
		return nil, fmt.Errorf("--digest algorithm %q: want sha256, sha384 or sha512", alg)
	}
	raw, err := hex.DecodeString(hexv)
	if err != nil {
		return nil, fmt.Errorf("--digest: decoding hex: %w", err)
	}
	if len(raw) != size {
		return nil, fmt.Errorf("--digest: %d bytes, want %d for %s", len(raw), size, alg)
	}
	return &proof.ArtifactDigest{Algorithm: alg, Hex: strings.ToLower(hexv)}, nil
}

func runVerifyBundle(w io.Writer, bundlePath string, f verifyBundleFlags) error {
	opts, err := f.bundleOptions()
	if err != nil {
		return usageErr(err)
	}
	marker := ""
	if f.trustedRoot == "" {
		m, err := f.trust.load()
		if err != nil {
			return err
		}
		if opts.TrustedRoot, _, err = trustedRoot(m, time.Now()); err != nil {
			return err
		}
		marker = m.Marker()
	}
	raw, err := os.ReadFile(bundlePath) // #nosec G304 -- the user names the file
	if err != nil {
		return usageErr(fmt.Errorf("reading the bundle: %w", err))
	}
	res := proof.VerifyBundle(raw, opts)
	if f.output.json() {
		doc := bundleReport(res)
		doc.TrustMarker = marker
		err = writeJSON(w, doc)
	} else if err = writeBundleResult(w, bundlePath, res); err == nil && marker != "" {
		_, err = fmt.Fprintf(w, "Note: %s\n", marker)
	}
	if err != nil {
		return err
	}
	if first := res.FirstFailure(); first != nil {
		var syn *proof.BundleSyntaxError
		if errors.As(first.Err, &syn) {
			return usageErr(fmt.Errorf("reading %s: %w", bundlePath, syn))
		}
	}
	if res.Verdict() != model.VerdictVerified {
		return failed(errSilentFailure)
	}
	return nil
}

// bundleReportJSON is verify-bundle's JSON output.
type bundleReportJSON struct {
	Subject      string        `json:"subject"`
	Verdict      model.Verdict `json:"verdict"`
	Reason       string        `json:"reason"`
	FirstFailure string        `json:"firstFailure,omitempty"`
	Steps        []model.Step  `json:"steps"`
	// TrustMarker says the trust root was stale or only the embedded one.
	TrustMarker string `json:"trustMarker,omitempty"`
}

func bundleReport(res *model.Result) bundleReportJSON {
	r := bundleReportJSON{Subject: res.Subject, Verdict: res.Verdict(), Reason: res.Reason(), Steps: res.Steps}
	if f := res.FirstFailure(); f != nil {
		r.FirstFailure = f.Name
	}
	return r
}

// writeBundleResult prints the steps with ✓/✗/-, their evidence, the
// verdict and the first failure.
func writeBundleResult(w io.Writer, path string, res *model.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", line(path), line(res.Subject))
	for _, s := range res.Steps {
		report.StepLine(&b, s)
		if s.Status == model.StatusSkipped {
			continue
		}
		for _, e := range s.Evidence {
			if e.Value == "" {
				continue
			}
			fmt.Fprintf(&b, "      %s: %s\n", line(e.Label), line(e.Value))
		}
	}
	switch v := res.Verdict(); v {
	case model.VerdictVerified:
		b.WriteString("VERIFIED: all checks passed\n")
	default:
		fmt.Fprintf(&b, "NOT VERIFIED (%s)\n", v)
		if f := res.FirstFailure(); f != nil {
			fmt.Fprintf(&b, "First failure: %s\n  %s\n", line(f.Title), line(f.Detail))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
