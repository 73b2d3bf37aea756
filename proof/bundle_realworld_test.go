package proof_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// policyVerdicts are the cases where official clients truly disagree and
// provscope's documented policy (the comment at the top of bundle.go) gives
// another verdict than the upstream suite. Each pins the first failing step
// and a phrase of its detail, so a verdict reached for another reason fails
// the test; step "" means provscope accepts the bundle.
var policyVerdicts = map[string]struct {
	valid        bool
	step, detail string
	why          string
}{
	"sigstore-java/bundles/bundle.v1.no.inclusion.sigstore": {
		true, "", "",
		"v0.1 bundle with a valid SET and no inclusion proof: spec-valid, accepted as sigstore-go and sigstore-js do (sigstore-java's own policy rejects)",
	},
	"sigstore-java/bundles/bundle-no-digest.sigstore": {
		false, proof.BundleStepCertificate, "cannot be X.509 certificate chain",
		"v0.3 bundle carrying x509CertificateChain: the v0.3 spec requires a single certificate (sigstore-go rejects, sigstore-java accepts)",
	},
	"sigstore-js/fixtures-converted/client_bundles_valid__v1__dsse__withSigningCert.sigstore.json": {
		false, proof.BundleStepSignature, "not an in-toto statement",
		"DSSE payload text/plain is not an in-toto statement: nothing binds it to an artifact (sigstore-go rejects, sigstore-js accepts)",
	},
	"sigstore-js/fixtures-converted/client_bundles_valid__v3__dsse__withSigningCert.sigstore.json": {
		false, proof.BundleStepSignature, "not an in-toto statement",
		"DSSE payload text/plain is not an in-toto statement: nothing binds it to an artifact (sigstore-go rejects, sigstore-js accepts)",
	},
	"sigstore-js/fixtures-converted/client_bundles_valid__v1__dsse__withPublicKey.sigstore.json": {
		false, proof.BundleStepSignature, "not an in-toto statement",
		"text/plain DSSE payload (not in-toto), and a key-hint bundle whose log entry records a certificate (sigstore-go rejects both, sigstore-js accepts)",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V3__DSSE__WITH_SIGNING_CERT__TLOG_DSSEV002.sigstore.json": {
		false, proof.BundleStepTlogEntry, "dsse implementation for version '0.0.2' not found",
		"dsse/0.0.2 on Rekor v2: only hashedrekord/0.0.2 over the PAE is accepted (sigstore-go, sigstore-java, conformance); sigstore-js accepts",
	},
	"sigstore-python/tsa/bundle.txt.sigstore": {
		false, proof.BundleStepTimestamps, "certificate embedded in the TSR does not match the provided TSA certificate",
		"the timestamp's embedded TSA certificate differs from the one in sigstore-python's trust config: sigstore-go requires them equal, sigstore-python checks only the chain",
	},
}

// rootOverrides fix harness gaps: INDEX.json names the production root for
// sigstore-js's verify fixtures, but sigstore-js verifies them with its own
// test root (converted beside them as verify_trust_trustedRoot.json), whose
// mock TSA at localhost:8080 signed their RFC 3161 timestamps. Under the
// production root those timestamps are untrusted, which says nothing about
// the bundles.
var rootOverrides = map[string]string{
	"sigstore-js/fixtures-converted/verify_bundles__V1__MESSAGE_SIGNATURE__WITH_SIGNING_CERT.sigstore.json":     "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
	"sigstore-js/fixtures-converted/verify_bundles__V1__MESSAGE_SIGNATURE__WITH_PUBLIC_KEY.sigstore.json":       "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
	"sigstore-js/fixtures-converted/verify_bundles__V1__DSSE__WITH_SIGNING_CERT__TLOG_INTOTO.sigstore.json":     "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
	"sigstore-js/fixtures-converted/verify_bundles__V1__DSSE__WITH_SIGNING_CERT__TLOG_DSSE.sigstore.json":       "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
	"sigstore-js/fixtures-converted/verify_bundles__V3__DSSE__WITH_SIGNING_CERT__TLOG_DSSEV002.sigstore.json":   "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
	"sigstore-js/fixtures-converted/verify_bundles__V3__MESSAGE_SIGNATURE__TLOG_HASHEDREKORDV002.sigstore.json": "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
	"sigstore-js/fixtures-converted/verify_bundles__V3__MESSAGE_SIGNATURE__WITH_SIGNING_CERT.sigstore.json":     "sigstore-js/fixtures-converted/verify_trust_trustedRoot.json",
}

// notTestable are cases this harness cannot check against their upstream
// verdict, each still pinned to the step that refuses it and counted:
//   - the sigstore-js verify fixtures, given their own trusted root
//     (rootOverrides): that root has no tlog validFor.start, which
//     sigstore-go refuses (as conformance
//     trust-root-tlog-missing-validity-start_fail requires) and sigstore-js
//     accepts, so no sigstore-go-based verifier reaches their log entries;
//   - a case upstream marks "n/a" (no transparency-log entry at all).
var notTestable = map[string]struct{ step, detail, why string }{
	"sigstore-js/fixtures-converted/verify_bundles__V1__MESSAGE_SIGNATURE__WITH_SIGNING_CERT.sigstore.json": {
		proof.BundleStepTrustedRoot, "tlog missing public key validity period",
		"own root refused (no tlog validity start)",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__MESSAGE_SIGNATURE__WITH_PUBLIC_KEY.sigstore.json": {
		proof.BundleStepTrustedRoot, "tlog missing public key validity period",
		"own root refused (no tlog validity start); its log entry also records a certificate, not the key",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__DSSE__WITH_SIGNING_CERT__TLOG_INTOTO.sigstore.json": {
		proof.BundleStepTrustedRoot, "tlog missing public key validity period",
		"own root refused (no tlog validity start)",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V1__DSSE__WITH_SIGNING_CERT__TLOG_DSSE.sigstore.json": {
		proof.BundleStepTrustedRoot, "tlog missing public key validity period",
		"own root refused (no tlog validity start)",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V3__MESSAGE_SIGNATURE__TLOG_HASHEDREKORDV002.sigstore.json": {
		proof.BundleStepTrustedRoot, "tlog missing public key validity period",
		"own root refused (no tlog validity start); its Rekor v2 entry also records a bare key for a certificate bundle",
	},
	"sigstore-js/fixtures-converted/verify_bundles__V3__MESSAGE_SIGNATURE__WITH_SIGNING_CERT.sigstore.json": {
		proof.BundleStepTrustedRoot, "tlog missing public key validity period",
		`upstream "n/a": no transparency-log entry (mock TSA only); its own root is refused first`,
	},
}

// independentDisagreements are the cases where sigstore-go used with its
// example verifier's defaults (independentVerify) reaches another verdict
// than provscope, and why. The set is asserted exactly.
var independentDisagreements = map[string]string{
	"sigstore-python/tsa/bundle.txt.sigstore": "provscope requires every RFC 3161 timestamp the bundle carries to verify (sigstore-go's conformance configuration); " +
		"the example's WithObserverTimestamps(1) is satisfied by the SET's integrated time alone",
	"sigstore-python/tsa/bundle.duplicate.sigstore": "as bundle.txt.sigstore: the failing RFC 3161 timestamps are ignored once the SET supplies an observer timestamp",
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

// caseRootPath is the trusted root a case needs: INDEX.json's
// trusted_root, except where rootOverrides names the one the upstream
// suite itself verifies the case with.
func caseRootPath(c indexBundle) string {
	if p, ok := rootOverrides[c.File]; ok {
		return p
	}
	if strings.HasPrefix(c.File, "sigstore-python/tsa/") {
		// The TSA cases need sigstore-python's trust config, whose
		// trustedRoot adds the staging TSA.
		return "sigstore-python/tsa/trust_config.json"
	}
	return strings.Fields(c.TrustedRoot)[0]
}

// caseOptions builds the verification inputs of one INDEX case.
func caseOptions(t *testing.T, dir string, c indexBundle) proof.BundleOptions {
	t.Helper()
	var opts proof.BundleOptions
	trPath := caseRootPath(c)
	if strings.HasSuffix(trPath, "trust_config.json") {
		raw := readFile(t, filepath.Join(dir, trPath))
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

// TestBundleRealWorld verifies every real-world bundle case. The verdict
// must be the upstream expectation, except in policyVerdicts (true client
// disagreements, each pinned to its first failing step) and notTestable
// (counted apart, also pinned); and it must agree with sigstore-go used
// independently (independentVerify), except in independentDisagreements.
// Every table is asserted in full, so a stale entry fails too.
func TestBundleRealWorld(t *testing.T) {
	dir, cases := loadIndex(t)
	type tally struct{ total, valid, invalid, policy, notTestable int }
	counts := map[string]*tally{}
	seenPolicy, seenNotTestable, disagreed := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range cases {
		opts := caseOptions(t, dir, c)
		raw := readFile(t, filepath.Join(dir, c.File))
		res := proof.VerifyBundle(raw, opts)
		gotValid := res.Verdict() == model.VerdictVerified
		f := res.FirstFailure()
		indErr := independentVerify(raw, opts)
		pv, isPolicy := policyVerdicts[c.File]
		nt, isNotTestable := notTestable[c.File]

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
			if isNotTestable {
				tl.notTestable++
			}
		}

		switch {
		case isNotTestable:
			seenNotTestable[c.File] = true
			if gotValid || f == nil || f.Name != nt.step || !strings.Contains(f.Detail, nt.detail) {
				t.Errorf("VerifyBundle(%s) (not testable here: %s) = %s, first failure %v; want a failure at %q containing %q",
					c.File, nt.why, res.Verdict(), f, nt.step, nt.detail)
			}
		case isPolicy:
			seenPolicy[c.File] = true
			switch {
			case pv.valid && !gotValid:
				t.Errorf("VerifyBundle(%s) = %s (%s), want verified by policy: %s", c.File, res.Verdict(), res.Reason(), pv.why)
			case !pv.valid && (gotValid || f == nil || f.Name != pv.step || !strings.Contains(f.Detail, pv.detail)):
				t.Errorf("VerifyBundle(%s) = %s, first failure %v; want a failure at %q containing %q (policy: %s)",
					c.File, res.Verdict(), f, pv.step, pv.detail, pv.why)
			}
			if upstream := strings.HasPrefix(c.Expect, "valid"); upstream == pv.valid {
				t.Errorf("%s: policy verdict valid=%v equals upstream %q: not a disagreement, drop it from policyVerdicts", c.File, pv.valid, c.Expect)
			}
		default:
			if wantValid := strings.HasPrefix(c.Expect, "valid"); gotValid != wantValid {
				t.Errorf("VerifyBundle(%s) valid = %v, want %v (upstream %q); reason: %s", c.File, gotValid, wantValid, c.Expect, res.Reason())
			}
		}
		if !gotValid && f == nil {
			t.Errorf("VerifyBundle(%s) failed without a failing step", c.File)
		}
		var lib *proof.LibraryVerdictError
		if f != nil && errors.As(f.Err, &lib) {
			t.Errorf("VerifyBundle(%s): no step caught the failure, only sigstore-go's verdict: %v", c.File, f.Err)
		}
		if c.Suite == "sigstore-conformance" && !gotValid {
			name := filepath.Base(filepath.Dir(c.File))
			if want := conformanceFirstFailure[name]; f == nil || f.Name != want {
				t.Errorf("VerifyBundle(%s) first failure = %v, want step %q", c.File, f, want)
			}
		}
		why, listed := independentDisagreements[c.File]
		switch disagree := (indErr == nil) != gotValid; {
		case disagree && !listed:
			t.Errorf("VerifyBundle(%s) valid = %v, independent sigstore-go says %v; reason: %s", c.File, gotValid, indErr, res.Reason())
		case disagree:
			disagreed[c.File] = true
			t.Logf("disagreement with independent sigstore-go: %s: provscope valid=%v, sigstore-go %v: %s", c.File, gotValid, indErr, why)
		case listed:
			t.Errorf("%s: listed in independentDisagreements but both say valid=%v: drop it", c.File, gotValid)
		}
	}
	if len(seenPolicy) != len(policyVerdicts) || len(seenNotTestable) != len(notTestable) {
		t.Errorf("INDEX.json has %d of %d policy cases and %d of %d not-testable cases: stale table entries", len(seenPolicy), len(policyVerdicts), len(seenNotTestable), len(notTestable))
	}
	// The figures the package doc and README may quote.
	if len(policyVerdicts) != 7 || len(notTestable) != 6 || len(disagreed) != 2 {
		t.Errorf("%d policy verdicts, %d not testable, %d disagreements with independent sigstore-go; want 7, 6, 2",
			len(policyVerdicts), len(notTestable), len(disagreed))
	}
	conf, other := counts["sigstore-conformance"], counts["other clients"]
	if conf == nil || other == nil {
		t.Fatalf("missing suites in INDEX.json: %v", counts)
	}
	for _, g := range []string{"sigstore-conformance", "sigstore-python", "sigstore-java", "sigstore-js", "sigstore-go", "cosign", "sigstore-rs", "other clients"} {
		if tl := counts[g]; tl != nil {
			t.Logf("%-20s %3d cases: %3d valid, %3d invalid, %2d decided by documented policy, %d not testable here", g, tl.total, tl.valid, tl.invalid, tl.policy, tl.notTestable)
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
	if conf.policy != 0 || conf.notTestable != 0 {
		t.Errorf("%d conformance cases are decided by policy and %d not testable, want 0 and 0: conformance verdicts are not negotiable", conf.policy, conf.notTestable)
	}
}
