package proof_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// indexBundle is one bundle case of the real-world INDEX.json.
type indexBundle struct {
	File             string  `json:"file"`
	Suite            string  `json:"suite"`
	Expect           string  `json:"expect"`
	TrustedRoot      string  `json:"trusted_root"`
	Artifact         *string `json:"artifact"`
	VerificationKey  *string `json:"verification_key"`
	ExpectedIdentity *string `json:"expected_identity"`
	ExpectedIssuer   *string `json:"expected_issuer"`
	Digests          struct {
		MessageDigest  string `json:"messageDigest"`
		InTotoSubjects []struct {
			Digest map[string]string `json:"digest"`
		} `json:"in_toto_subjects"`
	} `json:"digests"`
}

// policyVerdicts are the cases where provscope's documented policy (see the
// comment at the top of bundle.go) gives another verdict than the upstream
// suite's expectation. Each value is provscope's verdict and why.
var policyVerdicts = map[string]struct {
	valid bool
	why   string
}{
	"sigstore-java/bundles/bundle.v1.no.inclusion.sigstore": {
		true,
		"v0.1 bundle with a valid SET and no inclusion proof: spec-valid, accepted (sigstore-java's own policy rejects)",
	},
	"sigstore-java/bundles/bundle-no-digest.sigstore": {
		false,
		"v0.3 bundle carrying x509CertificateChain: the v0.3 spec requires a single certificate",
	},
	"sigstore-js/fixtures-converted/client_bundles_valid__v1__dsse__withSigningCert.sigstore.json": {
		false,
		"DSSE payload text/plain is not an in-toto statement: nothing binds it to an artifact",
	},
	"sigstore-js/fixtures-converted/client_bundles_valid__v3__dsse__withSigningCert.sigstore.json": {
		false,
		"DSSE payload text/plain is not an in-toto statement: nothing binds it to an artifact",
	},
	"sigstore-js/fixtures-converted/client_bundles_valid__v1__dsse__withPublicKey.sigstore.json": {
		false,
		"text/plain DSSE payload (not in-toto), and a key-hint bundle whose log entry records a certificate",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__MESSAGE_SIGNATURE__WITH_PUBLIC_KEY.sigstore.json": {
		false,
		"key-hint bundle whose log entry records a certificate, not the key",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__MESSAGE_SIGNATURE__WITH_SIGNING_CERT.sigstore.json": {
		false,
		"RFC 3161 timestamp from sigstore-js's mock TSA, untrusted under the production root (its own root lacks tlog validity starts, which sigstore-go refuses)",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__DSSE__WITH_SIGNING_CERT__TLOG_INTOTO.sigstore.json": {
		false,
		"RFC 3161 timestamp from sigstore-js's mock TSA, untrusted under the production root",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__DSSE__WITH_SIGNING_CERT__TLOG_DSSE.sigstore.json": {
		false,
		"RFC 3161 timestamp from sigstore-js's mock TSA, untrusted under the production root",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V3__DSSE__WITH_SIGNING_CERT__TLOG_DSSEV002.sigstore.json": {
		false,
		"dsse/0.0.2 on Rekor v2: only hashedrekord/0.0.2 over the PAE is accepted (sigstore-go, sigstore-java, conformance)",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V3__MESSAGE_SIGNATURE__TLOG_HASHEDREKORDV002.sigstore.json": {
		false,
		"certificate bundle whose Rekor v2 entry records a bare public key",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V3__MESSAGE_SIGNATURE__WITH_SIGNING_CERT.sigstore.json": {
		false,
		"no transparency-log entry",
	},
	"sigstore-python/tsa/bundle.txt.sigstore": {
		false,
		"the timestamp's embedded TSA certificate differs from the one in sigstore-python's trust config",
	},
}

// conformanceFirstFailure is the step each failing conformance case must
// name first: the check that catches what the case's README says is wrong
// (rekor2-timestamp-with-incorrect-time_fail is caught earlier than its
// README's point: its signedTimestamp has line breaks in its base64, which
// protobuf JSON refuses).
var conformanceFirstFailure = map[string]string{
	"bundle-empty-certificate-chain_fail":                       proof.BundleStepCheckpoint,
	"bundle-from-wrong-instance_fail":                           proof.BundleStepTlogEntry,
	"bundle-invalid-base64-signature_fail":                      proof.BundleStepBundleParse,
	"bundle-malformed-json_fail":                                proof.BundleStepBundleParse,
	"bundle-negative-log-index_fail":                            proof.BundleStepTlogEntry,
	"bundle-unknown-version_fail":                               proof.BundleStepMediaType,
	"bundle-with-root-cert_fail":                                proof.BundleStepCheckpoint,
	"checkpoint-bad-keyhint_fail":                               proof.BundleStepCheckpoint,
	"checkpoint-wrong-roothash_fail":                            proof.BundleStepCheckpoint,
	"dsse-invalid-sig_fail":                                     proof.BundleStepSignature,
	"dsse-mismatch-envelope_fail":                               proof.BundleStepBodyBinding,
	"dsse-mismatch-sig_fail":                                    proof.BundleStepBodyBinding,
	"inclusion-proof-corrupted-hash_fail":                       proof.BundleStepInclusionProof,
	"incorrect-public-key_fail":                                 proof.BundleStepTlogEntry,
	"integrated-time-in-future_fail":                            proof.BundleStepCertificate,
	"intoto-expired-certificate_fail":                           proof.BundleStepCertificate,
	"intoto-log-entry-mismatch_fail":                            proof.BundleStepTlogEntry,
	"intoto-missing-inclusion-proof_fail":                       proof.BundleStepInclusionProof,
	"intoto-set-outside-signing-cert-validity_fail":             proof.BundleStepCertificate,
	"intoto-tsa-timestamp-outside-cert-validity_fail":           proof.BundleStepCertificate,
	"invalid-checkpoint-signature_fail":                         proof.BundleStepCheckpoint,
	"invalid-ct-key_fail":                                       proof.BundleStepSCT,
	"invalid-inclusion-proof_fail":                              proof.BundleStepCheckpoint,
	"managed-key-no-key_fail":                                   proof.BundleStepPublicKey,
	"managed-key-wrong-key_fail":                                proof.BundleStepPublicKey,
	"message-digest-mismatch_fail":                              proof.BundleStepSignature,
	"rekor2-checkpoint-missing-log-signature_fail":              proof.BundleStepCheckpoint,
	"rekor2-checkpoint-missing-origin_fail":                     proof.BundleStepCheckpoint,
	"rekor2-checkpoint-missing-root-hash_fail":                  proof.BundleStepCheckpoint,
	"rekor2-checkpoint-missing-size_fail":                       proof.BundleStepCheckpoint,
	"rekor2-checkpoint-no-matching-signature_fail":              proof.BundleStepCheckpoint,
	"rekor2-dsse-invalid-sig_fail":                              proof.BundleStepSignature,
	"rekor2-dsse-mismatch-envelope_fail":                        proof.BundleStepBodyBinding,
	"rekor2-dsse-mismatch-sig_fail":                             proof.BundleStepBodyBinding,
	"rekor2-no-inclusion-proof_fail":                            proof.BundleStepInclusionProof,
	"rekor2-no-timestamp_fail":                                  proof.BundleStepTimestamps,
	"rekor2-timestamp-outside-trust-root-tsa-validity_fail":     proof.BundleStepTimestamps,
	"rekor2-timestamp-outside-tsa-cert-validity_fail":           proof.BundleStepTimestamps,
	"rekor2-timestamp-payload-mismatch_fail":                    proof.BundleStepTimestamps,
	"rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail":    proof.BundleStepTimestamps,
	"rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": proof.BundleStepTimestamps,
	"rekor2-timestamp-with-incorrect-time_fail":                 proof.BundleStepBundleParse,
	"set-invalid-signature_fail":                                proof.BundleStepSET,
	"signature-mismatch_fail":                                   proof.BundleStepSignature,
	"trust-root-tlog-missing-validity-start_fail":               proof.BundleStepTrustedRoot,
	"wrong-hashedrekord-artifact_fail":                          proof.BundleStepBodyBinding,
	"wrong-hashedrekord-cert-and-sig_fail":                      proof.BundleStepBodyBinding,
	"wrong-hashedrekord-entry_fail":                             proof.BundleStepBodyBinding,
	"wrong-material_fail":                                       proof.BundleStepSignature,
}

// caseOptions builds the verification inputs of one INDEX case.
func caseOptions(t *testing.T, dir string, c indexBundle) proof.BundleOptions {
	t.Helper()
	var opts proof.BundleOptions
	trPath := strings.Fields(c.TrustedRoot)[0]
	if strings.HasPrefix(c.File, "sigstore-python/tsa/") {
		// The TSA cases need sigstore-python's trust config, whose
		// trustedRoot adds the staging TSA.
		raw := readFile(t, filepath.Join(dir, "sigstore-python/tsa/trust_config.json"))
		var tc struct {
			TrustedRoot json.RawMessage `json:"trustedRoot"`
		}
		if err := json.Unmarshal(raw, &tc); err != nil {
			t.Fatalf("reading trust_config.json: %v", err)
		}
		opts.TrustedRoot = tc.TrustedRoot
	} else {
		opts.TrustedRoot = readFile(t, filepath.Join(dir, trPath))
	}
	switch {
	case c.Artifact != nil:
		opts.Artifact = readFile(t, filepath.Join(dir, *c.Artifact))
	case c.Digests.MessageDigest != "":
		alg, hexv, _ := strings.Cut(c.Digests.MessageDigest, ":")
		opts.ArtifactDigest = &proof.ArtifactDigest{Algorithm: strings.ToLower(strings.ReplaceAll(alg, "SHA2_", "sha")), Hex: hexv}
	case len(c.Digests.InTotoSubjects) > 0:
		for alg, hexv := range c.Digests.InTotoSubjects[0].Digest {
			opts.ArtifactDigest = &proof.ArtifactDigest{Algorithm: alg, Hex: hexv}
		}
	}
	if c.VerificationKey != nil {
		opts.Key = readFile(t, filepath.Join(dir, *c.VerificationKey))
	}
	san, iss := deref(c.ExpectedIdentity), deref(c.ExpectedIssuer)
	if san != "" || iss != "" {
		opts.Identity = &proof.IdentityPolicy{SAN: san, Issuer: iss}
	}
	return opts
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return b
}

func loadIndex(t *testing.T) (string, []indexBundle) {
	t.Helper()
	dir := testenv.RealWorld(t)
	var idx struct {
		Bundles []indexBundle `json:"bundles"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "INDEX.json")), &idx); err != nil {
		t.Fatalf("reading INDEX.json: %v", err)
	}
	return dir, idx.Bundles
}

// TestBundleRealWorld verifies every real-world bundle case: the verdict
// must be the upstream expectation (or the documented policy verdict), and
// must agree with sigstore-go's own verdict computed independently here.
func TestBundleRealWorld(t *testing.T) {
	dir, cases := loadIndex(t)
	type tally struct{ total, valid, invalid, policy int }
	counts := map[string]*tally{}
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			opts := caseOptions(t, dir, c)
			raw := readFile(t, filepath.Join(dir, c.File))
			res := proof.VerifyBundle(raw, opts)
			gotValid := res.Verdict() == model.VerdictVerified

			wantValid := strings.HasPrefix(c.Expect, "valid")
			pv, isPolicy := policyVerdicts[c.File]
			if isPolicy {
				wantValid = pv.valid
			}
			group := "sigstore-conformance"
			if c.Suite != group {
				group = "other clients"
			}
			groups := []string{group}
			if c.Suite != group {
				groups = append(groups, c.Suite)
			}
			for _, g := range groups {
				tl := counts[g]
				if tl == nil {
					tl = &tally{}
					counts[g] = tl
				}
				tl.total++
				if gotValid {
					tl.valid++
				} else {
					tl.invalid++
				}
				if isPolicy {
					tl.policy++
				}
			}
			if gotValid != wantValid {
				t.Errorf("VerifyBundle(%s) valid = %v, want %v (expect %q, policy %q); reason: %s",
					c.File, gotValid, wantValid, c.Expect, pv.why, res.Reason())
			}
			f := res.FirstFailure()
			if !gotValid && f == nil {
				t.Errorf("VerifyBundle(%s) failed without a failing step", c.File)
			}
			var lib *proof.LibraryVerdictError
			if f != nil && errors.As(f.Err, &lib) {
				t.Errorf("VerifyBundle(%s): no step caught the failure, only sigstore-go's verdict: %v", c.File, f.Err)
			}
			if c.Suite == "sigstore-conformance" && !wantValid {
				name := filepath.Base(filepath.Dir(c.File))
				if want := conformanceFirstFailure[name]; f == nil || f.Name != want {
					t.Errorf("VerifyBundle(%s) first failure = %v, want step %q", c.File, f, want)
				}
			}
			libErr := referenceVerify(t, raw, opts)
			if (libErr == nil) != gotValid {
				t.Errorf("VerifyBundle(%s) valid = %v, sigstore-go says %v; reason: %s", c.File, gotValid, libErr, res.Reason())
			}
		})
	}
	conf, other := counts["sigstore-conformance"], counts["other clients"]
	if conf == nil || other == nil {
		t.Fatalf("missing suites in INDEX.json: %v", counts)
	}
	for _, g := range []string{"sigstore-conformance", "sigstore-python", "sigstore-java", "sigstore-js", "sigstore-go", "cosign", "sigstore-rs", "other clients"} {
		if tl := counts[g]; tl != nil {
			t.Logf("%-20s %3d cases: %3d valid, %3d invalid, %2d decided by documented policy", g, tl.total, tl.valid, tl.invalid, tl.policy)
		}
	}
	wantTotals := map[string]int{"sigstore-python": 18, "sigstore-java": 31, "sigstore-js": 24, "sigstore-go": 6, "cosign": 1, "sigstore-rs": 1}
	for g, n := range wantTotals {
		if tl := counts[g]; tl == nil || tl.total != n {
			t.Errorf("%s: %v cases, want %d", g, tl, n)
		}
	}
	if conf.total != 70 || other.total != 81 {
		t.Errorf("case totals = %d conformance + %d others, want 70 + 81", conf.total, other.total)
	}
	if conf.policy != 0 {
		t.Errorf("%d conformance cases are decided by policy, want 0: conformance verdicts are not negotiable", conf.policy)
	}
}

// referenceVerify runs sigstore-go alone, configured like its conformance
// runner, and returns its error.
func referenceVerify(t *testing.T, raw []byte, opts proof.BundleOptions) error {
	t.Helper()
	var b bundle.Bundle
	if err := b.UnmarshalJSON(raw); err != nil {
		return err
	}
	tr, err := proof.ParseTrustedRoot(opts.TrustedRoot)
	if err != nil {
		return err
	}
	var tm root.TrustedMaterial = tr
	var pol []verify.PolicyOption
	var vo []verify.VerifierOption
	if opts.Key != nil {
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(opts.Key)
		if err != nil {
			return err
		}
		km := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			v, err := signature.LoadDefaultVerifier(pub)
			if err != nil {
				return nil, err
			}
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		tm = root.TrustedMaterialCollection{km, tr}
		pol = append(pol, verify.WithKey())
	} else {
		vo = append(vo, verify.WithSignedCertificateTimestamps(1))
		if opts.Identity != nil {
			id, err := verify.NewShortCertificateIdentity(opts.Identity.Issuer, "", opts.Identity.SAN, "")
			if err != nil {
				return err
			}
			pol = append(pol, verify.WithCertificateIdentity(id))
		} else {
			pol = append(pol, verify.WithoutIdentitiesUnsafe())
		}
	}
	ts, err := b.Timestamps()
	if err != nil {
		return err
	}
	if len(tm.TimestampingAuthorities()) > 0 && len(ts) > 0 {
		vo = append(vo, verify.WithSignedTimestamps(1))
	}
	if len(tm.RekorLogs()) > 0 {
		vo = append(vo, verify.WithTransparencyLog(1))
		if b.HasInclusionPromise() {
			vo = append(vo, verify.WithIntegratedTimestamps(1))
		}
	}
	v, err := verify.NewVerifier(tm, vo...)
	if err != nil {
		return err
	}
	var art verify.ArtifactPolicyOption
	switch {
	case opts.Artifact != nil:
		art = verify.WithArtifact(bytes.NewReader(opts.Artifact))
	case opts.ArtifactDigest != nil:
		d, err := hex.DecodeString(opts.ArtifactDigest.Hex)
		if err != nil {
			return err
		}
		art = verify.WithArtifactDigest(opts.ArtifactDigest.Algorithm, d)
	default:
		art = verify.WithoutArtifactUnsafe()
	}
	_, err = v.Verify(&b, verify.NewPolicy(art, pol...))
	return err
}
