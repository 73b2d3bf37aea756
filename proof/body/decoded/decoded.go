// Package decoded holds the kind-independent view of a decoded Rekor entry
// body that every per-kind decoder under proof/body returns, plus the small
// key and certificate helpers they share. It is a leaf package so that
// proof/body can register the per-kind decoders without an import cycle.
//
// Entry body formats: https://github.com/sigstore/rekor/tree/main/pkg/types
// (Rekor v1) and https://github.com/sigstore/rekor-tiles/blob/main/api/proto
// (Rekor v2). Fulcio certificate extensions:
// https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md.
package decoded

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"

	"github.com/provscope/provscope/model"
)

// MaxBodySize bounds the canonical body a decoder accepts (Rekor v1 limits
// attestations to 100 KiB; bodies carry at most a few certificates).
const MaxBodySize = 1 << 20

// Digest is a hash with its algorithm name in lower case ("sha256",
// "sha384", "sha512").
type Digest struct {
	Algorithm string `json:"algorithm"`
	Hex       string `json:"hex"`
}

// String renders d as "algorithm:hex", or "" when d is empty.
func (d Digest) String() string {
	if d.Hex == "" {
		return ""
	}
	return d.Algorithm + ":" + d.Hex
}

// Signature is one signature in an entry body with the verification
// material (PEM public key or PEM certificate) recorded beside it.
type Signature struct {
	// Sig is the raw signature bytes.
	Sig []byte `json:"sig"`
	// VerifierPEM is the PEM public key or certificate the log recorded.
	VerifierPEM []byte `json:"verifierPem"`
	// Signer is who VerifierPEM identifies.
	Signer model.Signer `json:"signer"`
}

// Body is a decoded entry body.
type Body struct {
	Kind       model.EntryKind `json:"kind"`
	APIVersion string          `json:"apiVersion"`
	// ArtifactDigest is the digest the signature is over: the artifact for
	// hashedrekord (for hashedrekord 0.0.2 over DSSE, the SHA-256 of the
	// PAE); empty for dsse and intoto.
	ArtifactDigest Digest `json:"artifactDigest,omitzero"`
	// PayloadHash is the hash of the DSSE payload (dsse, intoto).
	PayloadHash Digest `json:"payloadHash,omitzero"`
	// EnvelopeHash is the hash of the whole DSSE envelope (dsse 0.0.1) or
	// of the in-toto content (intoto), when recorded.
	EnvelopeHash Digest `json:"envelopeHash,omitzero"`
	// Signatures are the signatures with their verification material.
	Signatures []Signature `json:"signatures"`
	// PayloadType is the DSSE payload type when the body records it
	// (intoto 0.0.2) or an envelope was attached (body.AttachEnvelope).
	PayloadType string `json:"payloadType,omitempty"`
	// StatementType and PredicateType are the in-toto statement's _type and
	// predicateType, known once an envelope whose payload is an in-toto
	// statement was attached: canonical bodies do not keep the payload.
	StatementType string `json:"statementType,omitempty"`
	PredicateType string `json:"predicateType,omitempty"`
}

// Signer returns the first signature's signer, or the zero Signer.
func (b *Body) Signer() model.Signer {
	if b == nil || len(b.Signatures) == 0 {
		return model.Signer{}
	}
	return b.Signatures[0].Signer
}

// Fulcio certificate extensions carrying the OIDC issuer: the deprecated
// raw-string one (…57264.1.1) and the DER UTF8String one (…57264.1.8).
func oidIssuerV1() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1} }

func oidIssuerV2() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8} }

// ParseVerifier decodes verification material given as PEM (a certificate
// or a public key) or as DER (a certificate, then a PKIX public key), and
// returns its PEM encoding and the signer it identifies.
func ParseVerifier(material []byte) (pemBytes []byte, signer model.Signer, err error) {
	if len(material) == 0 {
		return nil, model.Signer{}, errors.New("empty verification material")
	}
	der := material
	blockType := ""
	if blk, _ := pem.Decode(material); blk != nil {
		der, blockType = blk.Bytes, blk.Type
	}
	if blockType == "" || strings.Contains(blockType, "CERTIFICATE") {
		if cert, cerr := x509.ParseCertificate(der); cerr == nil {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), CertificateSigner(cert), nil
		} else if blockType != "" {
			return nil, model.Signer{}, fmt.Errorf("parsing certificate: %w", cerr)
		}
	}
	if _, err := x509.ParsePKIXPublicKey(der); err != nil {
		return nil, model.Signer{}, fmt.Errorf("parsing public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), model.Signer{KeyFingerprint: hex.EncodeToString(sum[:])}, nil
}

// CertificateSigner describes a certificate's holder: the SAN (email, URI,
// DNS name or IP, in that order), the Fulcio OIDC issuer extension, the
// validity window and the fingerprint of its public key.
func CertificateSigner(cert *x509.Certificate) model.Signer {
	s := model.Signer{NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	s.KeyFingerprint = hex.EncodeToString(sum[:])
	switch {
	case len(cert.EmailAddresses) > 0:
		s.Subject = cert.EmailAddresses[0]
	case len(cert.URIs) > 0:
		s.Subject = cert.URIs[0].String()
	case len(cert.DNSNames) > 0:
		s.Subject = cert.DNSNames[0]
	case len(cert.IPAddresses) > 0:
		s.Subject = cert.IPAddresses[0].String()
	}
	for _, ext := range cert.Extensions {
		switch {
		case ext.Id.Equal(oidIssuerV2()):
			var v string
			if _, err := asn1.Unmarshal(ext.Value, &v); err == nil {
				s.Issuer = v
			}
		case ext.Id.Equal(oidIssuerV1()) && s.Issuer == "":
			s.Issuer = string(ext.Value)
		}
	}
	return s
}

// NormalizeAlgorithm maps the spellings used by Rekor and the bundle
// protobufs ("sha256", "SHA2_256") to lower-case "sha256", "sha384",
// "sha512".
func NormalizeAlgorithm(alg string) string {
	switch strings.ToUpper(alg) {
	case "SHA256", "SHA2_256", "SHA-256":
		return "sha256"
	case "SHA384", "SHA2_384", "SHA-384":
		return "sha384"
	case "SHA512", "SHA2_512", "SHA-512":
		return "sha512"
	}
	return strings.ToLower(alg)
}

// FromV2Signature converts a Rekor v2 signature (content plus a public key
// or certificate verifier, both DER) into a Signature.
func FromV2Signature(sig *protobuf.Signature) (Signature, error) {
	if sig == nil || len(sig.GetContent()) == 0 {
		return Signature{}, errors.New("no signature content")
	}
	v := sig.GetVerifier()
	var der []byte
	switch {
	case v.GetX509Certificate() != nil:
		der = v.GetX509Certificate().GetRawBytes()
	case v.GetPublicKey() != nil:
		der = v.GetPublicKey().GetRawBytes()
	default:
		return Signature{}, errors.New("no verifier beside the signature")
	}
	pemBytes, signer, err := ParseVerifier(der)
	if err != nil {
		return Signature{}, err
	}
	return Signature{Sig: sig.GetContent(), VerifierPEM: pemBytes, Signer: signer}, nil
}
