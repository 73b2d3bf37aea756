package proof

import (
	"fmt"
	"strings"

	"github.com/provscope/provscope/model"
)

// SignatureOutcome is what ImageVerdict needs to know about one thing
// attached to an image: whether it is a signature (attestations and SBOMs
// do not decide an image's verdict), the verification result (nil for an
// SBOM), whether the signature itself checked out, and who signed.
type SignatureOutcome struct {
	// Name identifies the attachment in reasons, such as "signature
	// 3f1c2a9b0e4d".
	Name string
	// Signature is true for a signature, false for an attestation or SBOM.
	Signature bool
	// Result is the attachment's verification; nil for an SBOM.
	Result *model.Result
	// ValidSignature is true when the signature verified with the key
	// (used to tell a stealth signature from an unverifiable one).
	ValidSignature bool
	// Signer is who signed, as far as it is known.
	Signer model.Signer
}

// PinFlags names the command-line flags that pin a signer, for the
// sentences that say how to turn an unpinned verdict into a verified one.
const PinFlags = "--key, or --certificate-identity with --certificate-oidc-issuer"

// AttachmentVerdict is the verdict one attachment's result adds up to
// under a signer policy: a result that verified without one (pinned false)
// is VerdictUnpinned, since any logged key would have passed. r may be nil
// (an SBOM: pending).
func AttachmentVerdict(r *model.Result, pinned bool) model.Verdict {
	if r == nil {
		return model.VerdictPending
	}
	v := r.Verdict()
	if v == model.VerdictVerified && !pinned {
		return model.VerdictUnpinned
	}
	return v
}

// ImageVerdict computes an image's verdict from its attachments and
// whether a signer policy (a key, a certificate identity or a list of
// trusted signers) was given:
//
//   - unsigned when no signature is attached;
//   - with a policy, verified when at least one signature verified (as
//     cosign verify); without one, unpinned: intact and logged, but not
//     bound to anyone the user trusts;
//   - else not-logged when a signature has no log entry and none failed;
//   - else failed (the first failure's reason), or error when every
//     signature's verification could not be carried out.
//
// The reason counts the signatures that verified ("1 of 2 signatures
// verified") and names the one that did, or the first failure.
func ImageVerdict(atts []SignatureOutcome, pinned bool) (model.Verdict, string) {
	sigs, notLogged, validNotLogged, failedN, errs := 0, 0, 0, 0, 0
	var firstOK *SignatureOutcome
	var firstFail, firstErr string
	for i := range atts {
		a := &atts[i]
		if !a.Signature || a.Result == nil {
			continue
		}
		sigs++
		switch a.Result.Verdict() {
		case model.VerdictVerified:
			if firstOK == nil {
				firstOK = a
			}
		case model.VerdictNotLogged:
			notLogged++
			if a.ValidSignature {
				validNotLogged++
			}
		case model.VerdictError:
			errs++
			if firstErr == "" {
				firstErr = a.Result.Reason()
			}
		default:
			failedN++
			if firstFail == "" {
				firstFail = a.Result.Reason()
			}
		}
	}
	if firstOK != nil {
		ok := sigs - notLogged - errs - failedN
		count := fmt.Sprintf("%d of %d signatures verified", ok, sigs)
		if sigs == 1 {
			count = "the signature verified"
		}
		if !pinned {
			return model.VerdictUnpinned, fmt.Sprintf("intact and logged, signer not pinned: %s (%s by %s), but without a signer policy anyone's logged key passes; pin the signer with %s",
				count, firstOK.Name, firstOK.Signer, PinFlags)
		}
		return model.VerdictVerified, fmt.Sprintf("%s: %s by %s: %s", count, firstOK.Name, firstOK.Signer, firstOK.Result.Reason())
	}
	switch {
	case sigs == 0:
		return model.VerdictUnsigned, "no signature is attached to this digest"
	case validNotLogged > 0 && failedN == 0:
		return model.VerdictNotLogged, "the signature is valid but no log entry records it (stealth signing)"
	case notLogged > 0 && failedN == 0:
		// Without a key the signature itself could not be checked.
		return model.VerdictNotLogged, "a signature is attached but no log entry records it (stealth signing)"
	case failedN > 0:
		if sigs > 1 {
			return model.VerdictFailed, fmt.Sprintf("0 of %d signatures verified; first failure: %s", sigs, firstFail)
		}
		return model.VerdictFailed, firstFail
	case notLogged > 0:
		return model.VerdictNotLogged, "no log entry records the signature"
	}
	return model.VerdictError, firstErr
}

// TrustedSigner is one signer a policy accepts: a key by its fingerprint
// (hex SHA-256 of the DER SPKI), or a certificate identity and its OIDC
// issuer. Name labels it for people ("key 2026", "alice").
type TrustedSigner struct {
	Name           string
	KeyFingerprint string
	// KeyPEM is the key itself, when known: a signature that names no key
	// (no certificate, no bundle, no log entry) is tried with it.
	KeyPEM   []byte
	Identity string
	Issuer   string
}

// String renders t as the explanations quote it.
func (t TrustedSigner) String() string {
	if t.KeyFingerprint != "" {
		return "key " + shortFP(t.KeyFingerprint)
	}
	return t.Identity + " via " + t.Issuer
}

// UntrustedSignerError reports a signature by a signer the policy does not
// list: who signed, and whom the policy accepts.
type UntrustedSignerError struct {
	Found   model.Signer
	Trusted []TrustedSigner
}

func (e *UntrustedSignerError) Error() string {
	names := make([]string, 0, len(e.Trusted))
	for _, t := range e.Trusted {
		names = append(names, t.String())
	}
	return fmt.Sprintf("signed by %s, which is not a trusted signer (trusted: %s)", DescribeSigner(e.Found), strings.Join(names, ", "))
}

// MatchSigner checks that found is one of trusted: the same key
// fingerprint, or the same certificate identity and issuer. The caller
// must already have verified that found's key made the signature and, for
// a certificate, that a trusted CA issued it. Requires len(trusted) > 0.
func MatchSigner(found model.Signer, trusted []TrustedSigner) error {
	for _, t := range trusted {
		switch {
		case t.KeyFingerprint != "" && found.Subject == "" && strings.EqualFold(t.KeyFingerprint, found.KeyFingerprint):
			return nil
		case t.Identity != "" && found.Subject == t.Identity && found.Issuer == t.Issuer:
			return nil
		}
	}
	return &UntrustedSignerError{Found: found, Trusted: trusted}
}

// WrongKeyError reports a signature that does not verify with the pinned
// key because another key made it (the key its log entry or certificate
// records, which does verify it).
type WrongKeyError struct {
	// Pinned is the fingerprint of the key the policy requires.
	Pinned string
	// Actual is who did sign.
	Actual model.Signer
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("signed by %s (not the pinned key %s)", DescribeSigner(e.Actual), shortFP(e.Pinned))
}

// WrongIdentityError reports a keyless signature whose certificate names
// another identity than the one pinned.
type WrongIdentityError struct {
	Actual model.Signer
	// Pinned describes the pinned identity and issuer (literal or regular
	// expression), or the pinned key.
	Pinned string
}

func (e *WrongIdentityError) Error() string {
	return fmt.Sprintf("signed by %s, you pinned %s", DescribeSigner(e.Actual), e.Pinned)
}

// CheckIdentity compares a certificate's identity with a pinned literal
// identity and issuer (empty means not pinned literally: a regular
// expression is left to the full verification). It returns a
// *WrongIdentityError on a mismatch, nil otherwise.
func CheckIdentity(actual model.Signer, san, issuer string) error {
	if actual.Subject == "" {
		return nil
	}
	if san != "" && actual.Subject != san || issuer != "" && actual.Issuer != issuer {
		want := san
		if want == "" {
			want = "an identity"
		}
		if issuer != "" {
			want += " via " + issuer
		}
		return &WrongIdentityError{Actual: actual, Pinned: want}
	}
	return nil
}

// DescribeSigner names a signer in a sentence: "key dde0705e…" or
// "alice@example.com via https://accounts.example.com".
func DescribeSigner(s model.Signer) string {
	switch {
	case s.Subject != "" && s.Issuer != "":
		return s.Subject + " via " + s.Issuer
	case s.Subject != "":
		return s.Subject
	case s.KeyFingerprint != "":
		return "key " + shortFP(s.KeyFingerprint)
	}
	return "an unknown signer"
}

// UntrustedLogError reports a Sigstore bundle whose log entries all come
// from logs the trusted root does not list.
type UntrustedLogError struct {
	// LogID is the hex log ID of the bundle's first entry.
	LogID string
}

func (e *UntrustedLogError) Error() string {
	return fmt.Sprintf("this entry comes from log %s, which your trusted root does not list", shortFP(e.LogID))
}

// shortFP cuts a hex fingerprint or log ID to 8 digits and an ellipsis.
func shortFP(h string) string {
	if len(h) > 8 {
		return h[:8] + "…"
	}
	return h
}

// TrustedRootListsLog reports whether the trusted root (trusted_root.json;
// nil or empty is the embedded public-good root) lists the transparency
// log whose hex log ID (the SHA-256 of its key's DER SPKI) is logID, as
// VerifyBundle requires of a bundle's entry. The error is for a trusted
// root that cannot be parsed.
func TrustedRootListsLog(trustedRootJSON []byte, logID string) (bool, error) {
	tr, err := ParseTrustedRoot(trustedRootJSON)
	if err != nil {
		return false, err
	}
	_, ok := tr.RekorLogs()[strings.ToLower(logID)]
	return ok, nil
}
