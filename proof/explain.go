package proof

import (
	"errors"

	"github.com/provscope/provscope/model"
)

// ExplainBundleFailure rewrites f, a failed bundle verification's first
// failure, in terms of who signed and what to do: a log the trusted root
// does not list (UntrustedLogHint), or a signer (actual) other than the
// pinned one, by key (pinnedKey) or identity (id). The verifier's own words
// are kept as evidence. f is left as it is when nothing better can be said.
func ExplainBundleFailure(f *model.Step, actual model.Signer, pinnedKey []byte, id *IdentityPolicy) {
	if f == nil {
		return
	}
	if hint := UntrustedLogHint(f); hint != "" {
		f.Detail = hint
		return
	}
	switch f.Name {
	case BundleStepPublicKey, BundleStepCertificate, BundleStepSignature, BundleStepIdentity:
	default:
		return
	}
	if actual == (model.Signer{}) {
		return
	}
	if err := wrongSigner(actual, pinnedKey, id); err != nil {
		f.Evidence = append(f.Evidence, model.Evidence{Label: "verifier said", Value: f.Detail})
		f.Err, f.Detail = err, err.Error()
	}
}

// wrongSigner says how actual differs from the pinned key or identity;
// nil when it cannot tell.
func wrongSigner(actual model.Signer, pinnedKey []byte, id *IdentityPolicy) error {
	switch {
	case len(pinnedKey) > 0:
		pinned, _ := keyPEMFingerprint(pinnedKey)
		switch {
		case actual.Subject != "":
			return &WrongIdentityError{Actual: actual, Pinned: "key " + shortFP8(pinned) + "…"}
		case actual.KeyFingerprint != "" && actual.KeyFingerprint != pinned:
			return &WrongKeyError{Pinned: pinned, Actual: actual}
		}
	case id != nil:
		if actual.Subject == "" {
			return &WrongIdentityError{Actual: actual, Pinned: PinnedIdentity(id) + " (a keyless signature)"}
		}
		return CheckIdentity(actual, id.SAN, id.Issuer)
	}
	return nil
}

// UntrustedLogHint is the explanation for a step that failed because the
// entry's log is not in the trusted root, with the change that makes it
// pass; "" for any other failure.
func UntrustedLogHint(f *model.Step) string {
	var untrusted *UntrustedLogError
	if f == nil || !errors.As(f.Err, &untrusted) {
		return ""
	}
	return untrusted.Error() + ": pass --trusted-root FILE with a trusted root that lists it (cosign's own, or the log operator's)"
}

// PinnedIdentity renders an identity policy for explanations.
func PinnedIdentity(id *IdentityPolicy) string {
	if id == nil {
		return "no identity"
	}
	san, iss := id.SAN, id.Issuer
	switch {
	case san == "" && id.SANRegexp == "":
		san = "any identity"
	case san == "":
		san = "~" + id.SANRegexp
	}
	switch {
	case iss == "" && id.IssuerRegexp == "":
		iss = "any issuer"
	case iss == "":
		iss = "~" + id.IssuerRegexp
	}
	return san + " via " + iss
}

// StepTrustedSigner is the step that checks a signer against a list of
// trusted signers.
const StepTrustedSigner = "trusted-signer"

// JudgeTrustedSigner is the trusted-signer step for an attachment signed by
// signer that otherwise verified (verified): it applies only when pol lists
// trusted signers and pins neither a key nor an identity (those decide
// alone). ok is false when the step does not apply.
func JudgeTrustedSigner(pol KeyPolicy, signer model.Signer, verified bool) (step model.Step, ok bool) {
	if len(pol.Trusted) == 0 || len(pol.Key) > 0 || pol.Identity || !verified {
		return model.Step{}, false
	}
	const title = "Trusted signer"
	if err := MatchSigner(signer, pol.Trusted); err != nil {
		return model.Step{
			Name: StepTrustedSigner, Title: title, Status: model.StatusFail, Detail: err.Error(), Err: err,
			Evidence: []model.Evidence{{Label: "signed by", Value: DescribeSigner(signer)}},
		}, true
	}
	return model.Step{Name: StepTrustedSigner, Title: title, Status: model.StatusPass, Detail: DescribeSigner(signer) + " is a trusted signer"}, true
}
