package proof

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
)

// Step names of a legacy (non-bundle) cosign signature or attestation that
// JudgeSignature, JudgeSignedDigest and JudgeBodyBinding add.
const (
	StepAttachmentSignature = "signature"
	StepSignedDigest        = "signed-digest"
	StepBodyBinding         = "entry-matches-signature"
)

// KeySource says where the key a legacy signature is checked with comes
// from. The order is the policy's: a pinned key wins, then the key the
// attachment names itself, then the key a log entry about its payload
// records, then the first trusted key that verifies it.
type KeySource int

// The key sources ChooseKey picks from.
const (
	KeyNone     KeySource = iota // no key: the signature cannot be checked
	KeyPinned                    // the policy's key (--key)
	KeyAttached                  // the attachment's certificate, or its bundle entry's key
	KeyLogged                    // a log entry about its payload that records its signature
	KeyTrusted                   // one of the policy's trusted signers' keys
)

func (s KeySource) String() string {
	switch s {
	case KeyPinned:
		return "pinned key"
	case KeyAttached:
		return "attached key"
	case KeyLogged:
		return "logged key"
	case KeyTrusted:
		return "trusted key"
	}
	return "no key"
}

// KeyPolicy is what a policy says about whose key a legacy signature must
// verify with.
type KeyPolicy struct {
	// Key is the pinned signer's PEM public key; it is the only key tried.
	Key []byte
	// Identity says a certificate identity is required: the attachment's
	// own key is used, and trusted keys are never tried.
	Identity bool
	// Trusted are tried, in order, when nothing else names a key.
	Trusted []TrustedSigner
}

// SignatureEvidence is what was gathered about one legacy attachment: its
// signed bytes, and the keys that name themselves as its signer's. Every
// field is hostile.
type SignatureEvidence struct {
	Kind model.AttachmentKind
	// Payload is a signature's simple-signing payload, or an attestation's
	// DSSE envelope (JSON).
	Payload []byte
	// Signature is a signature's raw signature (unused for attestations,
	// whose signature is in the envelope).
	Signature []byte
	// Attached is the PEM key of the attachment's certificate, else of its
	// bundle entry's first signature; AttachedSigner names it.
	Attached       []byte
	AttachedSigner model.Signer
	// Logged is the key a log entry about the payload records with this
	// signature (gathered only when NeedsLoggedKey says so).
	Logged       []byte
	LoggedSigner model.Signer
}

// NeedsLoggedKey reports whether JudgeSignature will look at the key a log
// entry records for ev: a signature that names no key itself, when no
// pinned key verifies it. Gatherers fetch that key only then.
func NeedsLoggedKey(pol KeyPolicy, ev SignatureEvidence) bool {
	if ev.Kind != model.AttachSignature || len(ev.Attached) > 0 {
		return false
	}
	return len(pol.Key) == 0 || VerifyAttachmentSignature(ev, pol.Key) != nil
}

// ChooseKey picks the key ev's signature is checked with under pol, and
// the signer that key names (a bare key's fingerprint when it names none).
func ChooseKey(pol KeyPolicy, ev SignatureEvidence) (key []byte, signer model.Signer, src KeySource) {
	switch {
	case len(pol.Key) > 0:
		key, src = pol.Key, KeyPinned
	case len(ev.Attached) > 0:
		key, signer, src = ev.Attached, ev.AttachedSigner, KeyAttached
	case ev.Kind == model.AttachSignature && len(ev.Logged) > 0:
		key, signer, src = ev.Logged, ev.LoggedSigner, KeyLogged
	case !pol.Identity:
		// Nothing names the key: try the policy's trusted keys, as cosign
		// does with each key it is given.
		for _, t := range pol.Trusted {
			if len(t.KeyPEM) > 0 && VerifyAttachmentSignature(ev, t.KeyPEM) == nil {
				key, src = t.KeyPEM, KeyTrusted
				break
			}
		}
	}
	return key, withKeyFingerprint(signer, key), src
}

// SignatureJudgement is JudgeSignature's answer.
type SignatureJudgement struct {
	// Key is the key the log entry must record: the chosen one, or, when a
	// pinned key does not verify the signature but the attachment's own
	// key does, that one (the failure is who signed, not the entry). Nil
	// when no key was found.
	Key []byte
	// Chosen is the signer of the chosen key; Signer is who signed, as the
	// report names them (Chosen unless another key did sign).
	Chosen, Signer model.Signer
	Source         KeySource
	// Err is why the signature does not verify; nil when it does (or when
	// Key is nil: nothing was checked).
	Err error
}

// JudgeSignature chooses the key for ev under pol (ChooseKey), verifies the
// signature with it and adds the signature step to r: skipped without a
// key, failed with who did sign when a pinned key does not verify it.
func JudgeSignature(r *model.Result, pol KeyPolicy, ev SignatureEvidence) SignatureJudgement {
	const title = "Signature"
	key, chosen, src := ChooseKey(pol, ev)
	j := SignatureJudgement{Key: key, Chosen: chosen, Signer: chosen, Source: src}
	if len(key) == 0 {
		r.Skip(StepAttachmentSignature, title, "no key to verify with: give --key or a certificate identity")
		return j
	}
	j.Err = VerifyAttachmentSignature(ev, key)
	if j.Err != nil && len(pol.Key) > 0 {
		// The pinned key does not verify it: say who did sign, when the
		// attachment's own key (or the log's record of it) verifies it.
		own, ownSigner := ev.Attached, ev.AttachedSigner
		if len(own) == 0 && ev.Kind == model.AttachSignature {
			own, ownSigner = ev.Logged, ev.LoggedSigner
		}
		if len(own) > 0 && VerifyAttachmentSignature(ev, own) == nil {
			ownSigner = withKeyFingerprint(ownSigner, own)
			pinned, _ := keyPEMFingerprint(pol.Key)
			if ownSigner.Subject != "" {
				j.Err = &WrongIdentityError{Actual: ownSigner, Pinned: "key " + shortFP8(pinned) + "…"}
			} else {
				j.Err = &WrongKeyError{Pinned: pinned, Actual: ownSigner}
			}
			j.Signer, j.Key = ownSigner, own
		}
	}
	if j.Err == nil {
		r.Pass(StepAttachmentSignature, title, "verifies with "+chosen.String())
		return j
	}
	ev2 := []model.Evidence{{Label: "pinned key", Value: chosen.KeyFingerprint}}
	if len(pol.Key) == 0 {
		ev2 = []model.Evidence{{Label: "key", Value: chosen.String()}}
	}
	if j.Signer != chosen {
		by := DescribeSigner(j.Signer)
		if j.Signer.Subject == "" && j.Signer.KeyFingerprint != "" {
			by = "key sha256:" + j.Signer.KeyFingerprint
		}
		ev2 = append(ev2, model.Evidence{Label: "signed by", Value: by})
	}
	r.Fail(StepAttachmentSignature, title, j.Err, ev2...)
	return j
}

// VerifyAttachmentSignature checks ev's signature with keyPEM: a
// signature's over the SHA-256 of its payload, an attestation's over its
// DSSE envelope's pre-authentication encoding (first signature).
func VerifyAttachmentSignature(ev SignatureEvidence, keyPEM []byte) error {
	switch ev.Kind {
	case model.AttachSignature:
		return body.VerifyDigestSignature(sha256Of(ev.Payload), ev.Signature, keyPEM)
	case model.AttachAttestation:
		env, err := ParseEnvelope(ev.Payload)
		if err != nil {
			return err
		}
		return body.VerifyDSSESignature(env.PayloadType, env.Payload, env.Signatures[0].Sig, keyPEM)
	}
	return fmt.Errorf("a %s carries no signature", ev.Kind)
}

// JudgeSignedDigest adds the signed-digest step: the digest a signature's
// payload names (signed, as read from it) must be the image's.
func JudgeSignedDigest(r *model.Result, signed, imageDigest string) {
	const title = "Signed digest"
	if signed == imageDigest {
		r.Pass(StepSignedDigest, title, "the payload names this image's digest", model.Evidence{Label: "digest", Value: imageDigest})
		return
	}
	r.Fail(StepSignedDigest, title, fmt.Errorf("the payload names %q, the image is %s", signed, imageDigest))
}

// BindBody checks that a logged body b records the presented signature,
// the key it was verified with and, when payload is not nil (signatures),
// the SHA-256 of the payload.
func BindBody(b *body.Body, signature, payload, keyPEM []byte) error {
	if err := body.CheckSignatures(b, [][]byte{signature}); err != nil {
		return err
	}
	if err := body.CheckVerifier(b, keyPEM); err != nil {
		return err
	}
	if payload != nil {
		if err := body.CheckDigest(b, sha256Of(payload)); err != nil {
			return err
		}
	}
	return nil
}

// JudgeBodyBinding adds the step that binds an attached bundle's log entry
// body b (nil: it could not be decoded) to the signature (BindBody).
func JudgeBodyBinding(r *model.Result, b *body.Body, signature, payload, keyPEM []byte) {
	const title = "Entry matches signature"
	if b == nil {
		r.Fail(StepBodyBinding, title, errors.New("the bundle's entry body cannot be decoded"))
		return
	}
	if err := BindBody(b, signature, payload, keyPEM); err != nil {
		r.Fail(StepBodyBinding, title, err)
		return
	}
	r.Pass(StepBodyBinding, title, "the logged body records this signature, key and payload")
}

// BundleKey is the key a Sigstore bundle is verified with under pol: the
// pinned key; without any policy (neither key nor identity), the key its
// own log entry records (entryVerifierPEM, used only when it is a PEM
// public key, never a certificate), which proves the signature was logged,
// not who signed it; else nil (a certificate is checked against the
// trusted root instead).
func BundleKey(pol KeyPolicy, entryVerifierPEM []byte) []byte {
	if len(pol.Key) > 0 {
		return pol.Key
	}
	if pol.Identity {
		return nil
	}
	if blk, _ := pem.Decode(entryVerifierPEM); blk == nil || blk.Type != "PUBLIC KEY" {
		return nil
	}
	return entryVerifierPEM
}

// withKeyFingerprint fills s's key fingerprint from keyPEM when s names no
// signer yet.
func withKeyFingerprint(s model.Signer, keyPEM []byte) model.Signer {
	if s == (model.Signer{}) && len(keyPEM) > 0 {
		if fp, err := keyPEMFingerprint(keyPEM); err == nil {
			s = model.Signer{KeyFingerprint: fp}
		}
	}
	return s
}

// keyPEMFingerprint is the hex SHA-256 of a PEM public key's DER SPKI.
func keyPEMFingerprint(keyPEM []byte) (string, error) {
	der, err := PublicKeyDER(keyPEM)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// shortFP8 cuts a fingerprint to 8 hex digits.
func shortFP8(fp string) string {
	if len(fp) > 8 {
		return fp[:8]
	}
	return fp
}
