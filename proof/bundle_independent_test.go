package proof_test

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/proof"
)

// independentVerify checks a bundle with sigstore-go alone, used the way
// sigstore-go's own example verifier (examples/sigstore-go-verification)
// uses it, sharing nothing with provscope's VerifyBundle but the input
// bytes (opts only carries them):
//
//   - the bundle is read by sigstore-go's bundle.Bundle.UnmarshalJSON, the
//     trusted root by root.NewTrustedRootFromJSON (what
//     root.NewTrustedRootFromPath calls), never by proof.ParseTrustedRoot;
//   - the verifier takes the example's defaults: SCTs required for
//     certificates (WithSignedCertificateTimestamps(1)), one observer
//     timestamp of any kind (WithObserverTimestamps(1): a SET's integrated
//     time or an RFC 3161 timestamp) and a transparency-log entry
//     (WithTransparencyLog(1)), whatever the bundle carries; provscope
//     instead requires signed or integrated timestamps according to what
//     the bundle holds, as sigstore-go's conformance runner does;
//   - a public key is trusted at every time, as the example's
//     trustedPublicKeyMaterial does.
//
// The identity is the case's (NewShortCertificateIdentity); a case that
// names none is checked without one (WithoutIdentitiesUnsafe), as provscope
// checks it.
func independentVerify(raw []byte, opts proof.BundleOptions) error {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(raw); err != nil {
		return err
	}
	if len(opts.TrustedRoot) == 0 {
		return errors.New("no trusted root given")
	}
	tr, err := root.NewTrustedRootFromJSON(opts.TrustedRoot)
	if err != nil {
		return err
	}
	tm := root.TrustedMaterialCollection{tr}
	var pol []verify.PolicyOption
	vo := []verify.VerifierOption{verify.WithObserverTimestamps(1), verify.WithTransparencyLog(1)}
	switch {
	case opts.Key != nil:
		km, err := independentKey(opts.Key)
		if err != nil {
			return err
		}
		tm = append(tm, km)
		pol = append(pol, verify.WithKey())
	case opts.Identity != nil:
		id, err := verify.NewShortCertificateIdentity(opts.Identity.Issuer, opts.Identity.IssuerRegexp, opts.Identity.SAN, opts.Identity.SANRegexp)
		if err != nil {
			return err
		}
		pol = append(pol, verify.WithCertificateIdentity(id))
	default:
		pol = append(pol, verify.WithoutIdentitiesUnsafe())
	}
	if opts.Key == nil {
		// The example's -requireCTlog default; a key-signed bundle has no
		// certificate to carry SCTs, so its user turns it off.
		vo = append(vo, verify.WithSignedCertificateTimestamps(1))
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

// independentKey trusts a PEM public key at every time.
func independentKey(pemKey []byte) (*root.TrustedPublicKeyMaterial, error) {
	blk, _ := pem.Decode(pemKey)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	v, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, err
	}
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
	}), nil
}
