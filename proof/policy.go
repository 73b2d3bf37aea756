package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

// This file holds the last policy questions gatherers and views used to
// answer themselves: whether a signer is pinned, when a legacy keyless
// signature's certificate is checked and what that check concludes, which
// logged key a signature names, and whether an entry's log is trusted.

// Pinned reports whether p says who must have signed: a key, a certificate
// identity or a list of trusted signers. Without that, a signature that is
// intact and logged is only that: anyone's logged key passes, and
// ImageVerdict and AttachmentVerdict answer unpinned, never verified.
func (p KeyPolicy) Pinned() bool {
	return len(p.Key) > 0 || p.Identity || len(p.Trusted) > 0
}

// IdentityCheckApplies reports whether a legacy (non-bundle) signature's
// certificate identity is checked (JudgeCertificateIdentity) under pol:
// always when an identity is required, and otherwise whenever the
// attachment carries a certificate and no key is pinned, since a
// certificate's key verifying the signature says whose key it is only if a
// trusted CA issued it. A pinned key decides alone.
func IdentityCheckApplies(pol KeyPolicy, hasCertificate bool) bool {
	return pol.Identity || hasCertificate && len(pol.Key) == 0
}

// StepCertificateIdentity is the step that checks a legacy keyless
// signature's certificate chain and identity against the policy.
const StepCertificateIdentity = "certificate-identity"

// IdentityEvidence is what was gathered to check a legacy keyless
// signature or attestation's certificate. Every field is hostile.
type IdentityEvidence struct {
	Kind model.AttachmentKind
	// Payload is a signature's simple-signing payload (the artifact its
	// certificate's key signed); unused for an attestation.
	Payload []byte
	// ImageDigest ("sha256:…") is the image an attestation's in-toto
	// statement must name as a subject.
	ImageDigest string
	// HasCertificate says the attachment carries a certificate; Signer is
	// who it names.
	HasCertificate bool
	Signer         model.Signer
	// Bundle is the attachment repackaged as a Sigstore bundle (with its
	// log entry, SET and inclusion proof), or BundleErr why it could not
	// be.
	Bundle    []byte
	BundleErr error
}

// identityArtifact is what a legacy keyless attachment's bundle must be
// verified against: a signature's payload digest, or for an attestation
// the image digest its statement must name.
func identityArtifact(ev IdentityEvidence) *ArtifactDigest {
	if ev.Kind == model.AttachAttestation {
		alg, hx, _ := strings.Cut(ev.ImageDigest, ":")
		return &ArtifactDigest{Algorithm: alg, Hex: hx}
	}
	sum := sha256.Sum256(ev.Payload)
	return &ArtifactDigest{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// JudgeCertificateIdentity adds the certificate-identity step of a legacy
// keyless signature or attestation to r (call it when
// IdentityCheckApplies): it fails without a certificate, when the
// certificate names another identity than id, when the attachment could
// not be repackaged, or when VerifyBundle (sigstore-go: Fulcio chain, SCT,
// SAN and issuer extension, integrated time inside the certificate's
// validity) rejects the repackaged bundle under trustedRoot (nil: the
// public-good root). Without an identity policy (id nil) everything but
// the SAN and issuer is checked: the identity shown is one a trusted CA
// certified, though any such identity passes, and the step says so.
func JudgeCertificateIdentity(r *model.Result, id *IdentityPolicy, trustedRoot []byte, ev IdentityEvidence) {
	const title = "Certificate identity"
	if !ev.HasCertificate {
		r.Fail(StepCertificateIdentity, title, &WrongIdentityError{Actual: ev.Signer, Pinned: PinnedIdentity(id) + " (a keyless signature)"})
		return
	}
	if id != nil {
		if err := CheckIdentity(ev.Signer, id.SAN, id.Issuer); err != nil {
			r.Fail(StepCertificateIdentity, title, err, model.Evidence{Label: "certificate identity", Value: ev.Signer.Subject}, model.Evidence{Label: "certificate issuer", Value: ev.Signer.Issuer})
			return
		}
	}
	if ev.BundleErr != nil || len(ev.Bundle) == 0 {
		err := ev.BundleErr
		if err == nil {
			err = errors.New("no bundle to verify the certificate with")
		}
		r.Fail(StepCertificateIdentity, title, err)
		return
	}
	res := VerifyBundle(ev.Bundle, BundleOptions{TrustedRoot: trustedRoot, Identity: id, ArtifactDigest: identityArtifact(ev)})
	if res.Verdict() != model.VerdictVerified {
		if hint := UntrustedLogHint(res.FirstFailure()); hint != "" {
			r.Fail(StepCertificateIdentity, title, errors.New(hint))
			return
		}
		r.Fail(StepCertificateIdentity, title, errors.New(res.Reason()))
		return
	}
	if id == nil {
		r.Pass(StepCertificateIdentity, title, "sigstore-go verified the certificate chain and its SCT against the trusted root; no identity was required, so any certified signer passes (give --certificate-identity and --certificate-oidc-issuer)")
		return
	}
	r.Pass(StepCertificateIdentity, title, "sigstore-go verified the certificate chain and the identity policy")
}

// LoggedSignatureKey picks, among the canonical bodies of log entries found
// for a signature's payload, the verifier (PEM key or certificate) and
// signer of the first entry that records this very signature; nil when
// none does or signature is empty. It only picks: JudgeSignature verifies
// the signature with the key, so an entry that records the signature with
// someone else's key fails there. Bodies that do not decode are skipped.
func LoggedSignatureKey(bodies [][]byte, signature []byte) ([]byte, model.Signer) {
	if len(signature) == 0 {
		return nil, model.Signer{}
	}
	for _, raw := range bodies {
		b, err := body.Decode(raw)
		if err != nil {
			continue
		}
		for _, s := range b.Signatures {
			if bytes.Equal(s.Sig, signature) {
				return s.VerifierPEM, s.Signer
			}
		}
	}
	return nil, model.Signer{}
}

// LogTrusted reports whether an entry from the log whose hex log ID (the
// SHA-256 of its key's DER SPKI) is logID is evidence from a trusted log:
// when pinnedKeyPEM, the log key the user pinned, has that fingerprint, or
// when the trusted root (trusted_root.json; nil is the public-good root)
// lists the log, as VerifyBundle requires. An entry with no log ID is not
// judged (true). A pinned key or trusted root that cannot be parsed
// trusts nothing.
func LogTrusted(trustedRootJSON, pinnedKeyPEM []byte, logID string) bool {
	if logID == "" {
		return true
	}
	if len(pinnedKeyPEM) > 0 {
		if fp, err := keyPEMFingerprint(pinnedKeyPEM); err == nil && strings.EqualFold(logID, fp) {
			return true
		}
	}
	ok, err := TrustedRootListsLog(trustedRootJSON, logID)
	return err == nil && ok
}
