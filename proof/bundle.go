package proof

// Sigstore bundle verification (bundle.go)
//
// VerifyBundle verifies a Sigstore bundle (media types v0.1, v0.2, v0.3:
// https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto)
// against a trusted_root.json, an artifact (bytes or digest), and either a
// certificate identity policy or a public key, following the Sigstore
// client specification
// (https://github.com/sigstore/architecture-docs/blob/main/client-spec.md).
// The verdict is sigstore-go's (pkg/verify Verifier.Verify, configured as
// sigstore-go's own conformance runner configures it); the steps come from
// running the same checks one at a time (sigstore-go's exported pieces,
// proof.VerifyInclusion for the Merkle walk and proof/body for the entry
// body), so the first failing step names what is wrong. When sigstore-go
// rejects a bundle for a reason no step caught, the step its error belongs
// to is failed with sigstore-go's words, so the two verdicts always agree.
//
// Steps, in order: bundle-parse, media-type, trusted-root, certificate or
// public-key, sct, identity, signature, body-binding, tlog-entry,
// signed-entry-timestamp, inclusion-proof, checkpoint, timestamps. Every
// step runs when its inputs exist, so a result lists every problem, not
// just the first. With several log entries, the steps explain the first one
// from a log in the trusted root (sigstore-go's verdict still covers all).
// The certificate step includes "signing time inside the certificate's
// validity" for every verified time (SET integrated time, RFC 3161 times).
//
// sigstore-go's compatibility signature verifier writes one line to
// stderr ("Failed to verify signature with default verifier…") when it
// falls back; that is the library's, not a verdict.
//
// Policy where official clients disagree (see the real-world vectors'
// README, "Policy-dependent"). provscope follows sigstore-go v1.3.0
// throughout, and the realworld tests pin each choice:
//
//   - Root certificate inside x509CertificateChain (v0.1/v0.2 bundles):
//     tolerated. Only the leaf certificate is taken from the bundle; the
//     chain is always built from the trusted root's Fulcio certificates, so
//     extra certificates in the bundle cannot add trust (sigstore-go does
//     the same). The older real bundles with a full chain (sigstore-js
//     client_bundles_valid__v1__*withSigningCert, bundleV01-full-cert-chain,
//     sigstore-go dsse.sigstore.json, examples_bundle-provenance.json) are
//     valid. Conformance bundle-with-root-cert_fail is still rejected: its
//     inclusion proof has no checkpoint (next item).
//   - v0.1 bundle with a SET but no inclusion proof: accepted (the bundle
//     spec allows it; sigstore-go and sigstore-js accept; sigstore-java's
//     bundle.v1.no.inclusion rejects). The SET is the log's signed promise.
//   - v0.1 inclusion proof without a checkpoint: rejected (sigstore-python
//     and sigstore-go: a proof proves nothing without a signed root), so the
//     real CPython 3.12.5 release bundle is invalid here.
//   - DSSE on Rekor v2: only hashedrekord/0.0.2 over the DSSE PAE (what
//     conformance rekor2-dsse-* and sigstore-java use); dsse/0.0.2 entries
//     are refused (sigstore-go v1.3.0 cannot load them; sigstore-js accepts).
//     proof/body still decodes dsse/0.0.2 bodies for display.
//   - v0.3 bundle with x509CertificateChain instead of certificate:
//     rejected (the v0.3 spec requires a single certificate; sigstore-java's
//     bundle-no-digest accepts it).
//   - DSSE payloads that are not in-toto statements: rejected (no subject
//     binds the signature to an artifact; sigstore-go refuses them,
//     sigstore-js accepts them).
//   - Verification material kind: the log entry must record the same kind
//     of material the bundle is verified with. A key-hint bundle whose entry
//     records a certificate, or a certificate bundle whose Rekor v2 entry
//     records a bare key (sigstore-js V3 TLOG_HASHEDREKORDV002), is
//     rejected at body-binding, as sigstore-go rejects them.
//   - RFC 3161 timestamps present in the bundle are verified whenever the
//     trusted root lists a timestamp authority; one that does not verify
//     fails the bundle, even when a SET also gives a time (sigstore-js's
//     mock-TSA fixtures fail under the production root).
//   - A bundle with no transparency-log entry is invalid: provscope is
//     about logged signatures.
//   - A trusted root that sigstore-go refuses (such as a log key without a
//     validity start) makes the verification fail at the trusted-root step.
//
// Real-world results (bundle_realworld_test.go, vectors in the
// repository's testdata/realworld, each verdict also checked against
// sigstore-go run on its own):
//
//	source                 cases  valid  invalid  decided by policy above
//	sigstore-conformance      70     21       49                        0
//	sigstore-python           18      7       11                        1
//	sigstore-java             31     16       15                        2
//	sigstore-js               24     12       12                       10
//	sigstore-go                6      5        1                        0
//	cosign                     1      1        0                        0
//	sigstore-rs                1      1        0                        0
//	other clients, total      81     42       39                       13
//
// Every failing conformance case is caught by a named step (never only by
// sigstore-go's final verdict), and the step is pinned per case.
//
// The bundle JSON must be at most MaxBundleSize bytes.

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	rekortilesnote "github.com/sigstore/rekor-tiles/v2/pkg/note"
	rekortilesverify "github.com/sigstore/rekor-tiles/v2/pkg/verify"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

// MaxBundleSize bounds the bundle JSON VerifyBundle reads.
const MaxBundleSize = 16 << 20

// Bundle verification step names, in the order they appear in a Result.
const (
	BundleStepBundleParse    = "bundle-parse"
	BundleStepMediaType      = "media-type"
	BundleStepTrustedRoot    = "trusted-root"
	BundleStepCertificate    = "certificate"
	BundleStepPublicKey      = "public-key"
	BundleStepSCT            = "sct"
	BundleStepIdentity       = "identity"
	BundleStepSignature      = "signature"
	BundleStepBodyBinding    = "body-binding"
	BundleStepTlogEntry      = "tlog-entry"
	BundleStepSET            = "signed-entry-timestamp"
	BundleStepInclusionProof = "inclusion-proof"
	BundleStepCheckpoint     = "checkpoint"
	BundleStepTimestamps     = "timestamps"
)

// bundleStepTitle returns the human title of a bundle step.
func bundleStepTitle(name string) string {
	switch name {
	case BundleStepBundleParse:
		return "Bundle parse"
	case BundleStepMediaType:
		return "Media type and version"
	case BundleStepTrustedRoot:
		return "Trusted root"
	case BundleStepCertificate:
		return "Certificate chain"
	case BundleStepPublicKey:
		return "Public key"
	case BundleStepSCT:
		return "Certificate transparency (SCT)"
	case BundleStepIdentity:
		return "Identity policy"
	case BundleStepSignature:
		return "Artifact signature"
	case BundleStepBodyBinding:
		return "Log entry matches bundle"
	case BundleStepTlogEntry:
		return "Transparency log entry"
	case BundleStepSET:
		return "Signed entry timestamp (SET)"
	case BundleStepInclusionProof:
		return "Inclusion proof"
	case BundleStepCheckpoint:
		return "Checkpoint"
	case BundleStepTimestamps:
		return "Signing time"
	}
	return name
}

// ArtifactDigest is an artifact's digest: Algorithm "sha256", "sha384" or
// "sha512" and the lower-case hex value.
type ArtifactDigest struct {
	Algorithm string
	Hex       string
}

// IdentityPolicy is the certificate identity a bundle must carry: the SAN
// (exact or regular expression) and the OIDC issuer (exact or regular
// expression). Empty fields are not checked, but at least one must be set.
type IdentityPolicy struct {
	SAN          string
	SANRegexp    string
	Issuer       string
	IssuerRegexp string
}

// BundleOptions are the inputs of VerifyBundle besides the bundle itself.
type BundleOptions struct {
	// TrustedRoot is a trusted_root.json; empty selects the embedded
	// production root (PublicGoodTrustedRoot).
	TrustedRoot []byte
	// Artifact is the signed artifact. Give it or ArtifactDigest; with
	// neither, only the DSSE envelope's signature is checked and the step
	// says so.
	Artifact []byte
	// ArtifactDigest is the artifact's digest, used when Artifact is nil.
	ArtifactDigest *ArtifactDigest
	// Key is a PEM public key for bundles signed with a key (publicKey
	// hint) instead of a certificate.
	Key []byte
	// Identity is the certificate identity policy. Nil skips the identity
	// check (the step says so): callers must then check the identity
	// themselves.
	Identity *IdentityPolicy
}

// BundleSyntaxError reports bundle bytes that are not JSON at all.
type BundleSyntaxError struct {
	Err error
}

func (e *BundleSyntaxError) Error() string {
	return fmt.Sprintf("bundle is not valid JSON: %v", e.Err)
}

func (e *BundleSyntaxError) Unwrap() error { return e.Err }

// LibraryVerdictError carries a rejection that sigstore-go reported and no
// individual step caught; Step names the step it was attributed to.
type LibraryVerdictError struct {
	Step string
	Err  error
}

func (e *LibraryVerdictError) Error() string {
	return "sigstore-go rejects the bundle: " + strings.Join(strings.Fields(e.Err.Error()), " ")
}

func (e *LibraryVerdictError) Unwrap() error { return e.Err }

// bundleRun collects step outcomes by name; result() orders them.
type bundleRun struct {
	steps map[string]model.Step
	order []string
}

func newBundleRun() *bundleRun {
	return &bundleRun{steps: map[string]model.Step{}}
}

func (r *bundleRun) set(name string, status model.Status, detail string, err error, ev ...model.Evidence) {
	if _, ok := r.steps[name]; !ok {
		r.order = append(r.order, name)
	}
	r.steps[name] = model.Step{Name: name, Title: bundleStepTitle(name), Status: status, Detail: detail, Err: err, Evidence: ev}
}

func (r *bundleRun) pass(name, detail string, ev ...model.Evidence) {
	r.set(name, model.StatusPass, detail, nil, ev...)
}

func (r *bundleRun) fail(name string, err error, ev ...model.Evidence) {
	// Library errors may join several lines; a step's detail is one line.
	r.set(name, model.StatusFail, strings.Join(strings.Fields(err.Error()), " "), err, ev...)
}

func (r *bundleRun) skip(name, why string) {
	r.set(name, model.StatusSkipped, why, nil)
}

// skipRest marks every step not yet set as skipped with why.
func (r *bundleRun) skipRest(why string) {
	for _, n := range bundleStepOrder() {
		if _, ok := r.steps[n]; !ok {
			r.skip(n, why)
		}
	}
}

func bundleStepOrder() []string {
	return []string{
		BundleStepBundleParse, BundleStepMediaType, BundleStepTrustedRoot, BundleStepCertificate, BundleStepPublicKey,
		BundleStepSCT, BundleStepIdentity, BundleStepSignature, BundleStepBodyBinding, BundleStepTlogEntry, BundleStepSET,
		BundleStepInclusionProof, BundleStepCheckpoint, BundleStepTimestamps,
	}
}

func (r *bundleRun) result(subject string) *model.Result {
	res := &model.Result{Subject: subject}
	for _, n := range bundleStepOrder() {
		if s, ok := r.steps[n]; ok {
			res.Add(s)
		}
	}
	return res
}

func ev(label, value string) model.Evidence { return model.Evidence{Label: label, Value: value} }

// VerifyBundle verifies a Sigstore bundle and explains every step. It never
// returns nil; bad input shows as a failed step (a bundle that is not JSON
// fails bundle-parse with a *BundleSyntaxError).
func VerifyBundle(bundleJSON []byte, opts BundleOptions) *model.Result {
	run := newBundleRun()
	res := verifyBundle(run, bundleJSON, opts)
	return res
}

func verifyBundle(run *bundleRun, bundleJSON []byte, opts BundleOptions) *model.Result {
	subject := "bundle"
	// 1. Parse.
	if len(bundleJSON) > MaxBundleSize {
		run.fail(BundleStepBundleParse, fmt.Errorf("bundle is %d bytes, limit %d", len(bundleJSON), MaxBundleSize))
		run.skipRest("the bundle could not be read")
		return run.result(subject)
	}
	if !json.Valid(bundleJSON) {
		var v any
		err := json.Unmarshal(bundleJSON, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		run.fail(BundleStepBundleParse, &BundleSyntaxError{Err: err})
		run.skipRest("the bundle could not be read")
		return run.result(subject)
	}
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(bundleJSON, &pb); err != nil {
		run.fail(BundleStepBundleParse, fmt.Errorf("decoding bundle protobuf JSON: %w", err))
		run.skipRest("the bundle could not be read")
		return run.result(subject)
	}
	subject = "bundle " + pb.GetMediaType()
	b, err := bundle.NewBundle(&pb)
	if err != nil {
		attributeLoadError(run, &pb, err)
		run.skipRest("the bundle could not be loaded")
		return run.result(subject)
	}
	version, _ := b.Version()
	run.pass(BundleStepBundleParse, "the bundle is well-formed protobuf JSON", ev("content", bundleContentKind(&pb)))
	run.pass(BundleStepMediaType, "media type "+pb.GetMediaType()+" is a supported bundle version", ev("version", version))

	// 2. Trusted root and key material.
	tr, err := ParseTrustedRoot(opts.TrustedRoot)
	if err != nil {
		run.fail(BundleStepTrustedRoot, err)
		run.skipRest("no usable trusted root")
		return run.result(subject)
	}
	trEv := []model.Evidence{ev("source", "embedded production root (sigstore/root-signing)")}
	if len(opts.TrustedRoot) > 0 {
		trEv = []model.Evidence{ev("source", "given by the caller")}
	}
	trEv = append(trEv, ev("transparency logs", strconv.Itoa(len(tr.RekorLogs()))),
		ev("certificate authorities", strconv.Itoa(len(tr.FulcioCertificateAuthorities()))),
		ev("timestamp authorities", strconv.Itoa(len(tr.TimestampingAuthorities()))),
		ev("CT logs", strconv.Itoa(len(tr.CTLogs()))))
	run.pass(BundleStepTrustedRoot, "trusted root parsed", trEv...)

	var tm root.TrustedMaterial = tr
	var keyPub crypto.PublicKey
	if len(opts.Key) > 0 {
		keyPub, err = cryptoutils.UnmarshalPEMToPublicKey(opts.Key)
		if err != nil {
			run.fail(BundleStepPublicKey, fmt.Errorf("reading the given public key: %w", err))
			run.skipRest("the given public key is unusable")
			return run.result(subject)
		}
		pub := keyPub
		km := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			v, err := signature.LoadDefaultVerifier(pub)
			if err != nil {
				return nil, err
			}
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		tm = root.TrustedMaterialCollection{km, tr}
	}

	c := &bundleChecks{run: run, b: b, tr: tr, tm: tm, opts: opts, keyPub: keyPub}
	c.verify()

	// The verdict is sigstore-go's: make sure a rejection shows.
	libErr := c.libraryVerify()
	run.skipRest("not reached")
	if libErr != nil && !anyFailed(run) {
		name := attributeLibraryError(libErr, c.keyBased())
		s := run.steps[name]
		e := &LibraryVerdictError{Step: name, Err: libErr}
		run.set(name, model.StatusFail, e.Error(), e, s.Evidence...)
	}
	return run.result(subject)
}

func anyFailed(run *bundleRun) bool {
	for _, s := range run.steps {
		if s.Status == model.StatusFail {
			return true
		}
	}
	return false
}

func bundleContentKind(pb *protobundle.Bundle) string {
	switch {
	case pb.GetMessageSignature() != nil:
		return "message signature"
	case pb.GetDsseEnvelope() != nil:
		return "DSSE envelope"
	}
	return "none"
}

// attributeLoadError names the step a sigstore-go bundle-load error belongs to.
func attributeLoadError(run *bundleRun, pb *protobundle.Bundle, err error) {
	msg := err.Error()
	run.pass(BundleStepBundleParse, "the bundle is protobuf JSON", ev("content", bundleContentKind(pb)))
	switch {
	case errors.Is(err, bundle.ErrUnsupportedMediaType):
		run.fail(BundleStepMediaType, fmt.Errorf("unsupported bundle media type %q: %w", pb.GetMediaType(), err))
	case strings.Contains(msg, "missing required checkpoint"):
		run.pass(BundleStepMediaType, "media type "+pb.GetMediaType())
		run.fail(BundleStepCheckpoint, fmt.Errorf("the inclusion proof has no checkpoint: nothing signed by the log vouches for its root: %w", err))
	case strings.Contains(msg, "inclusion proof missing"):
		run.pass(BundleStepMediaType, "media type "+pb.GetMediaType())
		run.fail(BundleStepInclusionProof, fmt.Errorf("bundle has no inclusion proof, required from v0.2 on: %w", err))
	case strings.Contains(msg, "inclusion promises missing"):
		run.pass(BundleStepMediaType, "media type "+pb.GetMediaType())
		run.fail(BundleStepSET, fmt.Errorf("v0.1 bundle has no SET (inclusion promise): %w", err))
	case strings.Contains(msg, "entry body") || strings.Contains(msg, "tlog") || strings.Contains(msg, "log entry") || strings.Contains(msg, "canonicalized"):
		run.pass(BundleStepMediaType, "media type "+pb.GetMediaType())
		run.fail(BundleStepTlogEntry, fmt.Errorf("reading the transparency log entry: %w", err))
	case strings.Contains(msg, "certificate"):
		run.pass(BundleStepMediaType, "media type "+pb.GetMediaType())
		run.fail(BundleStepCertificate, fmt.Errorf("reading the verification material: %w", err))
	default:
		run.fail(BundleStepMediaType, fmt.Errorf("bundle does not meet its version's requirements: %w", err))
	}
}

// attributeLibraryError maps a sigstore-go Verify error to a step.
func attributeLibraryError(err error, keyBased bool) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "failed to verify log inclusion"):
		return BundleStepTlogEntry
	case strings.Contains(msg, "failed to verify timestamps"), strings.Contains(msg, "timestamp"):
		return BundleStepTimestamps
	case strings.Contains(msg, "leaf certificate"):
		return BundleStepCertificate
	case strings.Contains(msg, "signed certificate timestamp"):
		return BundleStepSCT
	case strings.Contains(msg, "identit"):
		return BundleStepIdentity
	case strings.Contains(msg, "signature"), strings.Contains(msg, "statement"):
		return BundleStepSignature
	}
	if keyBased {
		return BundleStepPublicKey
	}
	return BundleStepCertificate
}

// bundleChecks runs the individual steps.
type bundleChecks struct {
	run    *bundleRun
	b      *bundle.Bundle
	tr     *root.TrustedRoot
	tm     root.TrustedMaterial
	opts   BundleOptions
	keyPub crypto.PublicKey

	vc        verify.VerificationContent
	sc        verify.SignatureContent
	leaf      *x509.Certificate
	verifierP []byte // PEM of the bundle's certificate or the given key

	entry        *tlog.Entry
	setTime      time.Time // verified SET integrated time, zero if none
	tsaTimes     []time.Time
	needSignedTS bool
}

func (c *bundleChecks) keyBased() bool { return c.vc != nil && c.vc.PublicKey() != nil }

func (c *bundleChecks) verify() {
	run := c.run
	var err error
	c.sc, err = c.b.SignatureContent()
	if err != nil {
		run.fail(BundleStepSignature, fmt.Errorf("reading the signature: %w", err))
	}
	c.vc, err = c.b.VerificationContent()
	if err != nil {
		run.fail(BundleStepCertificate, fmt.Errorf("reading the verification material: %w", err))
	}

	c.checkTlog()
	c.checkTimestamps()
	if c.vc != nil {
		if c.keyBased() {
			c.checkKey()
		} else {
			c.checkCertificate()
		}
	}
	c.checkSignature()
}

// checkTlog covers tlog-entry, body-binding, set, inclusion-proof, checkpoint.
func (c *bundleChecks) checkTlog() {
	run := c.run
	entries, err := c.b.TlogEntries()
	if err != nil {
		run.fail(BundleStepTlogEntry, fmt.Errorf("reading the transparency log entries: %w", err))
		return
	}
	if len(entries) == 0 {
		run.fail(BundleStepTlogEntry, errors.New("the bundle has no transparency log entry: nothing shows the signature was logged"))
		return
	}
	logs := c.tm.RekorLogs()
	var tl *root.TransparencyLog
	for _, e := range entries {
		if l, ok := logs[hex.EncodeToString([]byte(e.LogKeyID()))]; ok {
			c.entry, tl = e, l
			break
		}
	}
	if c.entry == nil {
		run.fail(BundleStepTlogEntry, &UntrustedLogError{LogID: hex.EncodeToString([]byte(entries[0].LogKeyID()))},
			ev("log ID", hex.EncodeToString([]byte(entries[0].LogKeyID()))))
		return
	}
	e := c.entry
	tle := e.TransparencyLogEntry()
	kv := tle.GetKindVersion().GetKind() + "/" + tle.GetKindVersion().GetVersion()
	entryEv := []model.Evidence{
		ev("log", tl.BaseURL), ev("log ID", hex.EncodeToString([]byte(e.LogKeyID()))),
		ev("kind", kv), ev("log index", strconv.FormatInt(e.LogIndex(), 10)),
	}
	if !e.IntegratedTime().IsZero() {
		entryEv = append(entryEv, ev("integrated time", e.IntegratedTime().UTC().Format(time.RFC3339)))
	}
	if err := tlog.ValidateEntry(e); err != nil {
		run.fail(BundleStepTlogEntry, fmt.Errorf("validating the log entry: %w", err), entryEv...)
	} else if !e.HasInclusionPromise() && !e.HasInclusionProof() {
		run.fail(BundleStepTlogEntry, errors.New("the entry has neither an inclusion proof nor a SET"), entryEv...)
	} else {
		run.pass(BundleStepTlogEntry, "entry "+kv+" from "+tl.BaseURL+", a log in the trusted root", entryEv...)
	}

	c.checkBodyBinding(tle.GetCanonicalizedBody())

	// SET.
	if e.HasInclusionPromise() {
		if err := tlog.VerifySET(e, logs); err != nil {
			run.fail(BundleStepSET, fmt.Errorf("the log's signed entry timestamp does not verify: %w", err),
				ev("signed fields", "body, integratedTime, logID, logIndex (global)"))
		} else {
			c.setTime = e.IntegratedTime()
			run.pass(BundleStepSET, "the log signed this entry's body, time, log ID and global index "+strconv.FormatInt(e.LogIndex(), 10),
				ev("integrated time", e.IntegratedTime().UTC().Format(time.RFC3339)), ev("global log index", strconv.FormatInt(e.LogIndex(), 10)))
		}
	} else {
		run.skip(BundleStepSET, "no SET: Rekor v2 entries have none; the inclusion proof and a signed timestamp stand in for it")
	}

	// Inclusion proof and checkpoint.
	if !e.HasInclusionProof() {
		if e.IsRekorV2() {
			run.fail(BundleStepInclusionProof, errors.New("rekor v2 entries must carry an inclusion proof (no online lookup is made)"))
		} else {
			run.skip(BundleStepInclusionProof, "no inclusion proof: the v0.1 bundle relies on the SET, the log's promise to include the entry")
		}
		run.skip(BundleStepCheckpoint, "no inclusion proof, so no checkpoint")
		return
	}
	ip := tle.GetInclusionProof()
	index, size := ip.GetLogIndex(), ip.GetTreeSize()
	leaf := LeafHash(tle.GetCanonicalizedBody())
	ipEv := []model.Evidence{
		ev("leaf index (in tree)", strconv.FormatInt(index, 10)),
		ev("tree size", strconv.FormatInt(size, 10)),
		ev("leaf hash", hex.EncodeToString(leaf)),
		ev("root hash", hex.EncodeToString(ip.GetRootHash())),
		ev("proof hashes", strconv.Itoa(len(ip.GetHashes()))),
	}
	if index >= 0 && size >= 0 {
		if trace, _ := TraceInclusion(uint64(index), uint64(size), leaf, ip.GetHashes(), ip.GetRootHash()); trace != nil {
			for _, st := range trace.Steps {
				ipEv = append(ipEv, ev("node "+st.Node.String(), describeHashStep(st)))
			}
			ipEv = append(ipEv, ev("computed root", hex.EncodeToString(trace.Computed)))
		}
	}
	merkleOK := false
	switch {
	case index < 0 || size < 0:
		run.fail(BundleStepInclusionProof, fmt.Errorf("negative index %d or tree size %d", index, size), ipEv...)
	default:
		if err := VerifyInclusion(uint64(index), uint64(size), leaf, ip.GetHashes(), ip.GetRootHash()); err != nil {
			run.fail(BundleStepInclusionProof, fmt.Errorf("verifying inclusion: %w", err), ipEv...)
		} else {
			merkleOK = true
			run.pass(BundleStepInclusionProof, fmt.Sprintf("leaf %d is in the tree of size %d with the given root", index, size), ipEv...)
		}
	}
	cp := ip.GetCheckpoint().GetEnvelope()
	if cp == "" {
		run.fail(BundleStepCheckpoint, errors.New("the inclusion proof has no checkpoint: nothing signed by the log vouches for its root"))
		return
	}
	logVerifier, err := signature.LoadVerifier(tl.PublicKey, tl.SignatureHashFunc)
	if err != nil {
		run.fail(BundleStepCheckpoint, fmt.Errorf("loading the log key: %w", err))
		return
	}
	if !e.IsRekorV2() && hasRekorV1Origin(cp) {
		if err := tlog.VerifyInclusion(e, logVerifier); err != nil {
			if merkleOK {
				run.fail(BundleStepCheckpoint, fmt.Errorf("verifying the checkpoint: %w", err))
			} else {
				run.skip(BundleStepCheckpoint, "the inclusion proof failed, so its checkpoint is not checked")
			}
			return
		}
		run.pass(BundleStepCheckpoint, "the log signed a checkpoint for this tree size and root", ev("checkpoint", firstLine(cp)))
		return
	}
	u, err := url.Parse(tl.BaseURL)
	if err != nil || u.Hostname() == "" {
		run.fail(BundleStepCheckpoint, fmt.Errorf("the trusted root gives log %q no host name for its checkpoint origin", tl.BaseURL))
		return
	}
	nv, err := rekortilesnote.NewNoteVerifier(u.Hostname(), logVerifier)
	if err != nil {
		run.fail(BundleStepCheckpoint, fmt.Errorf("loading the checkpoint verifier: %w", err))
		return
	}
	ckpt, err := rekortilesverify.VerifyCheckpoint(cp, nv)
	if err != nil {
		run.fail(BundleStepCheckpoint, fmt.Errorf("verifying the checkpoint signature: %w", err), ev("origin expected", u.Hostname()))
		return
	}
	if size < 0 || ckpt.Size != uint64(size) || !bytes.Equal(ckpt.Hash, ip.GetRootHash()) {
		run.fail(BundleStepCheckpoint, fmt.Errorf("checkpoint is for size %d root %x, the proof for size %d root %x", ckpt.Size, ckpt.Hash, ip.GetTreeSize(), ip.GetRootHash()))
		return
	}
	run.pass(BundleStepCheckpoint, "the log signed a checkpoint for this tree size and root", ev("origin", ckpt.Origin), ev("size", strconv.FormatUint(ckpt.Size, 10)))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// hasRekorV1Origin reports whether a checkpoint's origin is Rekor v1's
// "<host> - <tree ID>" form (or the bare early "Rekor").
func hasRekorV1Origin(cp string) bool {
	origin := firstLine(cp)
	return strings.Contains(origin, " - ") || origin == "Rekor"
}

// checkBodyBinding decodes the canonical body and compares it with the
// bundle's signature, key or certificate, and digest or envelope.
func (c *bundleChecks) checkBodyBinding(canonical []byte) {
	run := c.run
	bd, err := body.Decode(canonical)
	if err != nil {
		run.fail(BundleStepBodyBinding, fmt.Errorf("decoding the log entry body: %w", err))
		return
	}
	if c.sc == nil || c.vc == nil {
		run.skip(BundleStepBodyBinding, "the bundle's signature or verification material is unreadable")
		return
	}
	bodyEv := []model.Evidence{ev("body", string(bd.Kind)+"/"+bd.APIVersion)}
	if bd.ArtifactDigest.Hex != "" {
		bodyEv = append(bodyEv, ev("body digest", bd.ArtifactDigest.String()))
	}
	if bd.PayloadHash.Hex != "" {
		bodyEv = append(bodyEv, ev("body payload hash", bd.PayloadHash.String()))
	}
	if s := bd.Signer(); s.KeyFingerprint != "" || s.Subject != "" {
		bodyEv = append(bodyEv, ev("body signer", s.String()))
	}
	fail := func(err error) { run.fail(BundleStepBodyBinding, err, bodyEv...) }

	// The bundle's verification material.
	var presented []byte
	switch {
	case c.vc.Certificate() != nil:
		presented = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.vc.Certificate().Raw})
	case c.keyPub != nil:
		presented, err = cryptoutils.MarshalPublicKeyToPEM(c.keyPub)
		if err != nil {
			fail(fmt.Errorf("encoding the given key: %w", err))
			return
		}
	default:
		run.skip(BundleStepBodyBinding, "the bundle names a key but none was given, so the entry's key cannot be compared")
		return
	}
	c.verifierP = presented

	switch {
	case c.sc.MessageSignatureContent() != nil:
		msg := c.sc.MessageSignatureContent()
		if bd.Kind != model.KindHashedRekord {
			fail(fmt.Errorf("a message signature must be logged as hashedrekord, the entry is %s", bd.Kind))
			return
		}
		want := body.Digest{Algorithm: msg.DigestAlgorithm(), Hex: hex.EncodeToString(msg.Digest())}
		if err := body.CheckDigest(bd, body.Digest{Algorithm: normAlg(want.Algorithm), Hex: want.Hex}); err != nil {
			fail(err)
			return
		}
		if err := body.CheckSignatures(bd, [][]byte{msg.Signature()}); err != nil {
			fail(err)
			return
		}
	case c.sc.EnvelopeContent() != nil:
		env := c.sc.EnvelopeContent().RawEnvelope()
		payload, err := base64.StdEncoding.DecodeString(env.Payload)
		if err != nil {
			fail(fmt.Errorf("decoding the envelope payload: %w", err))
			return
		}
		var sigs [][]byte
		for _, s := range env.Signatures {
			raw, err := base64.StdEncoding.DecodeString(s.Sig)
			if err != nil {
				fail(fmt.Errorf("decoding an envelope signature: %w", err))
				return
			}
			sigs = append(sigs, raw)
		}
		switch bd.Kind {
		case model.KindHashedRekord: // Rekor v2: hashedrekord over the PAE
			want, _ := body.Sum(bd.ArtifactDigest.Algorithm, body.PAE(env.PayloadType, payload))
			if err := body.CheckDigest(bd, want); err != nil {
				fail(fmt.Errorf("the entry's digest is not the hash of the envelope's PAE: %w", err))
				return
			}
			if err := body.CheckSignatures(bd, sigs); err != nil {
				fail(err)
				return
			}
		case model.KindDSSE, model.KindIntoto:
			if err := body.AttachEnvelope(bd, env.PayloadType, payload); err != nil {
				fail(err)
				return
			}
			if bd.PredicateType != "" {
				bodyEv = append(bodyEv, ev("predicate", bd.PredicateType))
			}
			if bd.Kind != model.KindIntoto || bd.APIVersion != "0.0.1" {
				if err := body.CheckSignatures(bd, sigs); err != nil {
					fail(err)
					return
				}
			}
		default:
			fail(fmt.Errorf("a DSSE envelope cannot be logged as %s", bd.Kind))
			return
		}
	}
	if err := body.CheckVerifier(bd, presented); err != nil {
		fail(err)
		return
	}
	run.pass(BundleStepBodyBinding, "the logged body records this bundle's digest, signature and "+verifierNoun(c.vc), bodyEv...)
}

func verifierNoun(vc verify.VerificationContent) string {
	if vc.Certificate() != nil {
		return "certificate"
	}
	return "key"
}

func normAlg(a string) string {
	switch strings.ToUpper(a) {
	case "SHA2_256", "SHA256":
		return "sha256"
	case "SHA2_384", "SHA384":
		return "sha384"
	case "SHA2_512", "SHA512":
		return "sha512"
	}
	return strings.ToLower(a)
}

// checkTimestamps verifies RFC 3161 timestamps when the trusted root has a
// timestamp authority and the bundle carries timestamps, and requires at
// least one verified time.
func (c *bundleChecks) checkTimestamps() {
	run := c.run
	ts, err := c.b.Timestamps()
	if err != nil {
		run.fail(BundleStepTimestamps, fmt.Errorf("reading the timestamps: %w", err))
		return
	}
	var evs []model.Evidence
	if !c.setTime.IsZero() {
		evs = append(evs, ev("log integrated time (SET)", c.setTime.UTC().Format(time.RFC3339)))
	}
	if len(ts) > 0 && len(c.tm.TimestampingAuthorities()) > 0 {
		c.needSignedTS = true
		verified, err := verify.VerifySignedTimestampWithThreshold(c.b, c.tm, 1)
		if err != nil {
			run.fail(BundleStepTimestamps, fmt.Errorf("verifying the RFC 3161 timestamps: %w", err), evs...)
			return
		}
		for _, v := range verified {
			c.tsaTimes = append(c.tsaTimes, v.Time)
			evs = append(evs, ev("RFC 3161 time ("+v.URI+")", v.Time.UTC().Format(time.RFC3339)))
		}
	} else if len(ts) > 0 {
		evs = append(evs, ev("RFC 3161 timestamps", strconv.Itoa(len(ts))+" present, ignored: the trusted root lists no timestamp authority"))
	}
	if c.setTime.IsZero() && len(c.tsaTimes) == 0 {
		if c.entry != nil && !c.entry.HasInclusionPromise() || c.entry == nil {
			run.fail(BundleStepTimestamps, errors.New("no verified signing time: no SET and no trusted RFC 3161 timestamp"), evs...)
		} else {
			run.skip(BundleStepTimestamps, "the SET did not verify, so there is no verified signing time")
		}
		return
	}
	run.pass(BundleStepTimestamps, fmt.Sprintf("%d verified signing time(s)", len(c.tsaTimes)+boolInt(!c.setTime.IsZero())), evs...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *bundleChecks) verifiedTimes() []time.Time {
	var out []time.Time
	out = append(out, c.tsaTimes...)
	if !c.setTime.IsZero() {
		out = append(out, c.setTime)
	}
	return out
}

// checkKey covers public-key bundles: a key must be given.
func (c *bundleChecks) checkKey() {
	run := c.run
	hint := c.vc.PublicKey().Hint()
	if c.keyPub == nil {
		run.fail(BundleStepPublicKey, fmt.Errorf("the bundle was signed with a key (hint %q) but no public key was given", hint))
		return
	}
	der, _ := cryptoutils.MarshalPublicKeyToDER(c.keyPub)
	fp := sha256Hex(der)
	for _, t := range c.verifiedTimes() {
		if !c.vc.ValidAtTime(t, c.tm) {
			run.fail(BundleStepPublicKey, fmt.Errorf("signing time %s is outside the key's validity", t.UTC().Format(time.RFC3339)))
			return
		}
	}
	run.pass(BundleStepPublicKey, "verifying with the given public key", ev("key hint", hint), ev("key fingerprint (sha256 of SPKI)", fp))
	run.skip(BundleStepCertificate, "signed with a key, not a certificate")
	run.skip(BundleStepSCT, "signed with a key: no certificate, no SCT")
	run.skip(BundleStepIdentity, "signed with a key: the key is the identity")
}

// checkCertificate covers certificate, sct and identity.
func (c *bundleChecks) checkCertificate() {
	run := c.run
	if c.opts.Key != nil {
		run.fail(BundleStepPublicKey, errors.New("a public key was given but the bundle is signed with a certificate"))
	} else {
		run.skip(BundleStepPublicKey, "signed with a certificate")
	}
	leaf := c.vc.Certificate()
	if leaf == nil {
		run.fail(BundleStepCertificate, errors.New("the bundle has no signing certificate"))
		return
	}
	c.leaf = leaf
	summary, sumErr := certificate.SummarizeCertificate(leaf)
	certEv := []model.Evidence{
		ev("subject (SAN)", summary.SubjectAlternativeName), ev("issuer (OIDC)", summary.Issuer),
		ev("valid", leaf.NotBefore.UTC().Format(time.RFC3339)+" – "+leaf.NotAfter.UTC().Format(time.RFC3339)),
		ev("issued by", leaf.Issuer.String()),
	}
	times := c.verifiedTimes()
	var chains [][]*x509.Certificate
	switch {
	case sumErr != nil:
		run.fail(BundleStepCertificate, fmt.Errorf("reading the certificate: %w", sumErr), certEv...)
	case len(times) == 0:
		run.skip(BundleStepCertificate, "no verified signing time to check the certificate at")
	default:
		ok := true
		for _, t := range times {
			if t.Before(leaf.NotBefore) || t.After(leaf.NotAfter) {
				run.fail(BundleStepCertificate, fmt.Errorf("signing time %s is outside the certificate's validity %s – %s",
					t.UTC().Format(time.RFC3339), leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339)), certEv...)
				ok = false
				break
			}
			ch, err := verify.VerifyLeafCertificate(t, withoutOtherNameSAN(leaf), c.tm)
			if err != nil {
				run.fail(BundleStepCertificate, fmt.Errorf("the certificate does not chain to a trusted certificate authority at %s: %w", t.UTC().Format(time.RFC3339), err), certEv...)
				ok = false
				break
			}
			chains = ch
		}
		if ok {
			run.pass(BundleStepCertificate, "the certificate chains to a trusted Fulcio root at every verified signing time", certEv...)
		}
	}
	if chains == nil {
		run.skip(BundleStepSCT, "no verified certificate chain")
	} else if err := verify.VerifySignedCertificateTimestamp(chains, 1, c.tm); err != nil {
		run.fail(BundleStepSCT, fmt.Errorf("verifying the embedded SCT: %w", err))
	} else {
		run.pass(BundleStepSCT, "a trusted CT log signed a timestamp for this certificate")
	}
	c.checkIdentity(summary, sumErr)
}

func (c *bundleChecks) checkIdentity(summary certificate.Summary, sumErr error) {
	run := c.run
	p := c.opts.Identity
	if p == nil {
		run.skip(BundleStepIdentity, "no identity policy given: the signer's identity was not checked")
		return
	}
	if sumErr != nil {
		run.skip(BundleStepIdentity, "the certificate could not be read")
		return
	}
	id, err := identityFor(p)
	if err != nil {
		run.fail(BundleStepIdentity, err)
		return
	}
	polEv := []model.Evidence{ev("certificate SAN", summary.SubjectAlternativeName), ev("certificate issuer", summary.Issuer)}
	if err := id.Verify(summary); err != nil {
		run.fail(BundleStepIdentity, fmt.Errorf("the certificate identity does not match the policy: %w", err), polEv...)
		return
	}
	run.pass(BundleStepIdentity, "signed by "+summary.SubjectAlternativeName+" via "+summary.Issuer, polEv...)
}

func identityFor(p *IdentityPolicy) (verify.CertificateIdentity, error) {
	if p.SAN == "" && p.SANRegexp == "" && p.Issuer == "" && p.IssuerRegexp == "" {
		return verify.CertificateIdentity{}, errors.New("the identity policy is empty")
	}
	id, err := verify.NewShortCertificateIdentity(p.Issuer, p.IssuerRegexp, p.SAN, p.SANRegexp)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("building the identity policy: %w", err)
	}
	return id, nil
}

// checkSignature verifies the signature over the artifact (or envelope).
func (c *bundleChecks) checkSignature() {
	run := c.run
	if c.sc == nil || c.vc == nil {
		run.skip(BundleStepSignature, "the bundle's signature or verification material is unreadable")
		return
	}
	if c.keyBased() && c.keyPub == nil {
		run.skip(BundleStepSignature, "no public key to verify with")
		return
	}
	var err error
	detail := ""
	switch {
	case c.opts.Artifact != nil:
		err = verify.VerifySignatureWithArtifacts(c.sc, c.vc, c.tm, []io.Reader{bytes.NewReader(c.opts.Artifact)})
		d, _ := body.Sum("sha256", c.opts.Artifact)
		detail = "the signature verifies over the artifact " + d.String()
	case c.opts.ArtifactDigest != nil:
		raw, derr := hex.DecodeString(c.opts.ArtifactDigest.Hex)
		if derr != nil {
			run.fail(BundleStepSignature, fmt.Errorf("decoding the artifact digest: %w", derr))
			return
		}
		err = verify.VerifySignatureWithArtifactDigests(c.sc, c.vc, c.tm, []verify.ArtifactDigest{{Algorithm: c.opts.ArtifactDigest.Algorithm, Digest: raw}})
		detail = "the signature verifies over the artifact digest " + c.opts.ArtifactDigest.Algorithm + ":" + c.opts.ArtifactDigest.Hex
	default:
		err = verify.VerifySignature(c.sc, c.vc, c.tm)
		detail = "the envelope's signature verifies (no artifact given: its subject was not compared)"
	}
	if err != nil && c.compatRetry() {
		err = nil
	}
	if err != nil {
		run.fail(BundleStepSignature, fmt.Errorf("the signature does not verify: %w", err))
		return
	}
	if env := c.sc.EnvelopeContent(); env != nil {
		st, serr := env.Statement()
		if serr != nil {
			run.fail(BundleStepSignature, fmt.Errorf("the envelope payload is not an in-toto statement, so nothing binds it to an artifact: %w", serr))
			return
		}
		run.pass(BundleStepSignature, detail, ev("statement", st.GetType()), ev("predicate", st.GetPredicateType()), ev("subjects", strconv.Itoa(len(st.GetSubject()))))
		return
	}
	run.pass(BundleStepSignature, detail)
}

// compatRetry mirrors sigstore-go's compatibility verifier for bundles up to
// v0.3: ECDSA P-384/P-521 message signatures made over a SHA-256 digest by
// older clients. It re-runs the check through the library's full verifier
// limited to the signature, reporting whether it passes there.
func (c *bundleChecks) compatRetry() bool {
	if c.sc.MessageSignatureContent() == nil || (c.opts.Artifact == nil && c.opts.ArtifactDigest == nil) {
		return false
	}
	msg := c.sc.MessageSignatureContent()
	if c.opts.Artifact != nil {
		d, err := body.Sum(normAlg(msg.DigestAlgorithm()), c.opts.Artifact)
		if err != nil || d.Hex != hex.EncodeToString(msg.Digest()) {
			return false
		}
	} else if !strings.EqualFold(c.opts.ArtifactDigest.Hex, hex.EncodeToString(msg.Digest())) {
		return false
	}
	var verifierPEM []byte
	if c.leaf != nil {
		verifierPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.leaf.Raw})
	} else if c.vc.Certificate() != nil {
		verifierPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.vc.Certificate().Raw})
	} else if c.keyPub != nil {
		verifierPEM, _ = cryptoutils.MarshalPublicKeyToPEM(c.keyPub)
	}
	return body.VerifyDigestSignature(body.Digest{Algorithm: normAlg(msg.DigestAlgorithm()), Hex: hex.EncodeToString(msg.Digest())}, msg.Signature(), verifierPEM) == nil
}

// libraryVerify runs sigstore-go's complete verification, configured as
// sigstore-go's conformance runner does.
func (c *bundleChecks) libraryVerify() error {
	var pol []verify.PolicyOption
	var vo []verify.VerifierOption
	if c.keyPub != nil {
		pol = append(pol, verify.WithKey())
	} else {
		vo = append(vo, verify.WithSignedCertificateTimestamps(1))
		if c.opts.Identity != nil {
			id, err := identityFor(c.opts.Identity)
			if err != nil {
				return err
			}
			pol = append(pol, verify.WithCertificateIdentity(id))
		} else {
			pol = append(pol, verify.WithoutIdentitiesUnsafe())
		}
	}
	ts, err := c.b.Timestamps()
	if err != nil {
		return err
	}
	if len(c.tm.TimestampingAuthorities()) > 0 && len(ts) > 0 {
		vo = append(vo, verify.WithSignedTimestamps(1))
	}
	if len(c.tm.RekorLogs()) > 0 {
		vo = append(vo, verify.WithTransparencyLog(1))
		if c.b.HasInclusionPromise() {
			vo = append(vo, verify.WithIntegratedTimestamps(1))
		}
	}
	v, err := verify.NewVerifier(c.tm, vo...)
	if err != nil {
		return fmt.Errorf("no source of signed time: %w", err)
	}
	var art verify.ArtifactPolicyOption
	switch {
	case c.opts.Artifact != nil:
		art = verify.WithArtifact(bytes.NewReader(c.opts.Artifact))
	case c.opts.ArtifactDigest != nil:
		raw, err := hex.DecodeString(c.opts.ArtifactDigest.Hex)
		if err != nil {
			return fmt.Errorf("decoding the artifact digest: %w", err)
		}
		art = verify.WithArtifactDigest(c.opts.ArtifactDigest.Algorithm, raw)
	default:
		art = verify.WithoutArtifactUnsafe()
	}
	_, err = v.Verify(c.b, verify.NewPolicy(art, pol...))
	return err
}

func sha256Hex(b []byte) string {
	d, _ := body.Sum("sha256", b)
	return d.Hex
}

// withoutOtherNameSAN returns leaf, or a copy of it whose critical SAN
// extension is marked handled: Go's x509 cannot parse an OtherName SAN (as
// Fulcio issues for some identities), SummarizeCertificate already read it,
// and sigstore-go drops it the same way before path validation.
func withoutOtherNameSAN(leaf *x509.Certificate) *x509.Certificate {
	var keep []asn1.ObjectIdentifier
	for _, oid := range leaf.UnhandledCriticalExtensions {
		if !oid.Equal(cryptoutils.SANOID) {
			keep = append(keep, oid)
		}
	}
	if len(keep) == len(leaf.UnhandledCriticalExtensions) {
		return leaf
	}
	cp := *leaf
	cp.UnhandledCriticalExtensions = keep
	return &cp
}

// describeHashStep renders one Merkle hash step for the evidence list.
func describeHashStep(st HashStep) string {
	side := "right"
	if st.SiblingOnLeft {
		side = "left"
	}
	out := bundleShortHex(st.Out)
	if st.ProofIndex >= 0 {
		out = fmt.Sprintf("proof[%d] on the %s → %s", st.ProofIndex, side, out)
	}
	if st.Ephemeral {
		out += " (ephemeral)"
	}
	return out
}

func bundleShortHex(b []byte) string {
	if len(b) > 8 {
		return hex.EncodeToString(b[:8]) + "…"
	}
	return hex.EncodeToString(b)
}
