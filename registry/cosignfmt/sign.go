// Package cosignfmt writes signatures, attestations and SBOMs for container
// images in the formats cosign writes and reads, so that real cosign verifies
// what provscope signs:
//
//   - the legacy format: a simple-signing payload signed with ECDSA P-256,
//     logged as a hashedrekord entry, stored as a layer of the
//     "sha256-<hex>.sig" image with the dev.cosignproject.cosign/signature
//     and dev.sigstore.cosign/bundle annotations
//     (https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md);
//   - the new bundle format (cosign --new-bundle-format): an in-toto statement
//     with predicate https://sigstore.dev/cosign/sign/v1 in a DSSE envelope,
//     logged as a dsse entry, packed in a Sigstore bundle v0.3 and stored as an
//     OCI 1.1 referrer of the image
//     (https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto);
//   - attestations: DSSE envelopes with in-toto statements, logged as dsse
//     entries and stored in the "sha256-<hex>.att" image;
//   - SBOMs: SPDX or CycloneDX documents stored in the "sha256-<hex>.sbom"
//     image (cosign attach sbom).
//
// Signatures are deterministic (RFC 6979), so signing the same thing twice
// with the same key gives the same bytes and the same log entry. Like the
// rest of registry/, this package decides no trust.
package cosignfmt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
)

// Signer signs with an ECDSA P-256 key, deterministically (RFC 6979). It
// implements sigstore's signature.Signer.
type Signer struct {
	key    *ecdsa.PrivateKey
	pubPEM []byte
}

var _ signature.Signer = (*Signer)(nil)

// NewSigner returns a Signer for key, which must be on P-256.
func NewSigner(key *ecdsa.PrivateKey) (*Signer, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("signer key must be ecdsa p-256")
	}
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return &Signer{key: key, pubPEM: pubPEM}, nil
}

// KeyFromSeed derives a P-256 private key from seed deterministically: the
// scalar is SHA-256(counter ‖ seed) for the first counter giving a valid
// scalar. For demos and tests only: a seed is not a secret.
func KeyFromSeed(seed string) (*ecdsa.PrivateKey, error) {
	for i := byte(0); i < 16; i++ {
		d := sha256.Sum256(append([]byte{i}, seed...))
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
		if err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("deriving key from seed %q: no valid scalar", seed)
}

// PublicKeyPEM returns the public key as PKIX PEM (what cosign's --key takes).
func (s *Signer) PublicKeyPEM() []byte { return bytes.Clone(s.pubPEM) }

// PublicKey implements signature.Signer.
func (s *Signer) PublicKey(...signature.PublicKeyOption) (crypto.PublicKey, error) {
	return &s.key.PublicKey, nil
}

// KeyFingerprint is the hex SHA-256 of the public key's DER SPKI.
func (s *Signer) KeyFingerprint() string {
	fp, _ := proof.KeyFingerprint(&s.key.PublicKey) // a P-256 key always encodes
	return fp
}

// SignMessage implements signature.Signer: an ASN.1 ECDSA signature over
// SHA-256 of the message, deterministic per RFC 6979.
func (s *Signer) SignMessage(r io.Reader, _ ...signature.SignOption) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("hashing message: %w", err)
	}
	return s.key.Sign(nil, h.Sum(nil), crypto.SHA256)
}

// SignDSSE wraps payload in a DSSE envelope of payloadType signed by s and
// returns the envelope's JSON.
func (s *Signer) SignDSSE(payloadType string, payload []byte) ([]byte, error) {
	env, err := sigdsse.WrapSigner(s, payloadType).SignMessage(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("signing dsse envelope: %w", err)
	}
	return env, nil
}

// MalleateSignature returns the other valid encoding of an ECDSA signature,
// (r, n−s) for (r, s): a second, distinct signature over the same message by
// the same key. Logs store it as a separate entry.
func MalleateSignature(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, fmt.Errorf("parsing ecdsa signature: %w", err)
	}
	n := elliptic.P256().Params().N
	sig.S = new(big.Int).Sub(n, sig.S)
	return asn1.Marshal(sig)
}

// EncryptedPrivateKeyPEM exports the key in cosign's encrypted format
// ("ENCRYPTED SIGSTORE PRIVATE KEY": PKCS #8 sealed with scrypt and
// secretbox), which `cosign sign --key` reads with COSIGN_PASSWORD.
func (s *Signer) EncryptedPrivateKeyPEM(password []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, fmt.Errorf("encrypting private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: enc}), nil
}

// ImportEncryptedPrivateKey reads a key written by cosign generate-key-pair
// or EncryptedPrivateKeyPEM.
func ImportEncryptedPrivateKey(pemBytes, password []byte) (*Signer, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return nil, errors.New("importing key: no pem block")
	}
	if b.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" && b.Type != "ENCRYPTED COSIGN PRIVATE KEY" {
		return nil, fmt.Errorf("importing key: pem type %q, want ENCRYPTED SIGSTORE PRIVATE KEY", b.Type)
	}
	der, err := encrypted.Decrypt(b.Bytes, password)
	if err != nil {
		return nil, fmt.Errorf("decrypting key: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing key: %w", err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("importing key: %T, want ecdsa", k)
	}
	return NewSigner(ek)
}

// SimpleSigningPayload returns cosign's simple-signing payload for an image
// digest ("sha256:<hex>") in repository dockerRef, with optional
// annotations, exactly as cosign marshals it.
func SimpleSigningPayload(dockerRef, digest string, annotations map[string]any) ([]byte, error) {
	var p registry.SimpleSigning
	p.Critical.Identity.DockerReference = dockerRef
	p.Critical.Image.DockerManifestDigest = digest
	p.Critical.Type = "cosign container image signature"
	p.Optional = annotations
	return json.Marshal(p)
}

// CosignSignStatement returns the in-toto statement cosign --new-bundle-format
// signs for an image digest ("sha256:<hex>").
func CosignSignStatement(digest string) ([]byte, error) {
	alg, hexd, ok := cutDigest(digest)
	if !ok {
		return nil, fmt.Errorf("digest %q, want alg:hex", digest)
	}
	return json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"digest": map[string]string{alg: hexd}}},
		"predicateType": "https://sigstore.dev/cosign/sign/v1",
	})
}

// Statement returns an in-toto v1 statement about the image digest with the
// given predicate.
func Statement(imageName, digest, predicateType string, predicate any) ([]byte, error) {
	alg, hexd, ok := cutDigest(digest)
	if !ok {
		return nil, fmt.Errorf("digest %q, want alg:hex", digest)
	}
	return json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": imageName, "digest": map[string]string{alg: hexd}}},
		"predicateType": predicateType,
		"predicate":     predicate,
	})
}

func cutDigest(d string) (alg, hexd string, ok bool) {
	for i := 0; i < len(d); i++ {
		if d[i] == ':' {
			return d[:i], d[i+1:], i > 0 && i < len(d)-1
		}
	}
	return "", "", false
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
