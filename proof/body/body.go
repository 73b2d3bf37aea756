// Package body decodes the canonical entry bodies a Rekor log stores and
// checks what they claim: that a signature verifies over the artifact digest
// (hashedrekord) or over the DSSE pre-authentication encoding (dsse, intoto),
// and that a body is bound to the artifact, key, certificate and signatures
// a bundle presents.
//
// One sub-package per entry kind does the decoding (hashedrekord, dsse,
// intoto); Decoders lists them in one explicit map keyed by kind and API
// version, with no init() registration. Formats: Rekor v1 types
// (https://github.com/sigstore/rekor/tree/main/pkg/types) and Rekor v2
// entries (https://github.com/sigstore/rekor-tiles/blob/main/CLIENTS.md).
// DSSE: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md.
package body

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/provscope/provscope/proof/body/decoded"
	"github.com/provscope/provscope/proof/body/dsse"
	"github.com/provscope/provscope/proof/body/hashedrekord"
	"github.com/provscope/provscope/proof/body/intoto"
)

// Body, Digest and Signature are the decoded view every decoder returns.
type (
	Body      = decoded.Body
	Digest    = decoded.Digest
	Signature = decoded.Signature
)

// KindVersion names an entry type, such as hashedrekord 0.0.1.
type KindVersion struct {
	Kind    string
	Version string
}

// String renders kv as "kind/version".
func (kv KindVersion) String() string { return kv.Kind + "/" + kv.Version }

// Decoder decodes one canonical body of a known kind and version.
type Decoder func(canonical []byte) (*Body, error)

// Decoders returns the decoder for every supported kind and version. The map
// is built fresh on each call, so callers may not change what others see.
func Decoders() map[KindVersion]Decoder {
	return map[KindVersion]Decoder{
		{"hashedrekord", "0.0.1"}: hashedrekord.DecodeV001,
		{"hashedrekord", "0.0.2"}: hashedrekord.DecodeV002,
		{"dsse", "0.0.1"}:         dsse.DecodeV001,
		{"dsse", "0.0.2"}:         dsse.DecodeV002,
		{"intoto", "0.0.1"}:       intoto.DecodeV001,
		{"intoto", "0.0.2"}:       intoto.DecodeV002,
	}
}

// UnsupportedKindError reports a body whose kind/version has no decoder.
type UnsupportedKindError struct {
	KindVersion KindVersion
}

func (e *UnsupportedKindError) Error() string {
	return fmt.Sprintf("unsupported entry type %s", e.KindVersion)
}

// Peek returns the kind and API version a canonical body declares.
func Peek(canonical []byte) (KindVersion, error) {
	if len(canonical) > decoded.MaxBodySize {
		return KindVersion{}, fmt.Errorf("body of %d bytes exceeds the %d-byte limit", len(canonical), decoded.MaxBodySize)
	}
	var head struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(canonical, &head); err != nil {
		return KindVersion{}, fmt.Errorf("decoding body header: %w", err)
	}
	if head.Kind == "" || head.APIVersion == "" {
		return KindVersion{}, errors.New("body has no kind or apiVersion")
	}
	return KindVersion{head.Kind, head.APIVersion}, nil
}

// Decode decodes a canonical body with the decoder its kind and version
// select.
func Decode(canonical []byte) (*Body, error) {
	kv, err := Peek(canonical)
	if err != nil {
		return nil, err
	}
	dec, ok := Decoders()[kv]
	if !ok {
		return nil, &UnsupportedKindError{KindVersion: kv}
	}
	return dec(canonical)
}

// BuildHashedRekord returns the canonical hashedrekord 0.0.1 body for a
// signature over digest by the PEM public key or certificate verifierPEM.
func BuildHashedRekord(digest Digest, sig, verifierPEM []byte) ([]byte, error) {
	return hashedrekord.Build(digest, sig, verifierPEM)
}

// hashFor returns the crypto.Hash named by a normalised algorithm.
func hashFor(alg string) (crypto.Hash, error) {
	switch decoded.NormalizeAlgorithm(alg) {
	case "sha256":
		return crypto.SHA256, nil
	case "sha384":
		return crypto.SHA384, nil
	case "sha512":
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("unsupported digest algorithm %q", alg)
}

// verifierFor loads a signature verifier for a PEM key or certificate.
func verifierFor(verifierPEM []byte, h crypto.Hash) (signature.Verifier, error) {
	var pub crypto.PublicKey
	if certs, err := cryptoutils.UnmarshalCertificatesFromPEM(verifierPEM); err == nil && len(certs) > 0 {
		pub = certs[0].PublicKey
	} else {
		pub, err = cryptoutils.UnmarshalPEMToPublicKey(verifierPEM)
		if err != nil {
			return nil, fmt.Errorf("reading verifier: %w", err)
		}
	}
	v, err := signature.LoadVerifier(pub, h)
	if err != nil {
		return nil, fmt.Errorf("loading verifier: %w", err)
	}
	return v, nil
}

// BadSignatureError reports a signature that does not verify.
type BadSignatureError struct {
	// Over says what was signed ("artifact digest", "DSSE PAE").
	Over string
	Err  error
}

func (e *BadSignatureError) Error() string {
	return fmt.Sprintf("signature does not verify over the %s: %v", e.Over, e.Err)
}

func (e *BadSignatureError) Unwrap() error { return e.Err }

// VerifyDigestSignature checks sig over an artifact digest with the PEM key
// or certificate verifierPEM (hashedrekord). Ed25519 keys cannot sign a
// digest and are refused.
func VerifyDigestSignature(digest Digest, sig, verifierPEM []byte) error {
	h, err := hashFor(digest.Algorithm)
	if err != nil {
		return err
	}
	raw, err := hex.DecodeString(digest.Hex)
	if err != nil {
		return fmt.Errorf("decoding digest: %w", err)
	}
	if len(raw) != h.Size() {
		return fmt.Errorf("digest is %d bytes, want %d for %s", len(raw), h.Size(), digest.Algorithm)
	}
	v, err := verifierFor(verifierPEM, h)
	if err != nil {
		return err
	}
	if err := v.VerifySignature(bytes.NewReader(sig), nil, options.WithDigest(raw), options.WithCryptoSignerOpts(h)); err != nil {
		return &BadSignatureError{Over: "artifact digest", Err: err}
	}
	return nil
}

// PAE returns the DSSE v1 pre-authentication encoding of a payload:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
func PAE(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// VerifyDSSESignature checks one DSSE signature over the PAE of payloadType
// and payload with the PEM key or certificate verifierPEM.
func VerifyDSSESignature(payloadType string, payload, sig, verifierPEM []byte) error {
	v, err := verifierFor(verifierPEM, crypto.SHA256)
	if err != nil {
		return err
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(PAE(payloadType, payload))); err != nil {
		return &BadSignatureError{Over: "DSSE PAE", Err: err}
	}
	return nil
}

// MismatchError reports a body field that differs from what the bundle (or
// the caller) presents.
type MismatchError struct {
	Field     string
	Body      string
	Presented string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("log entry %s is %s, the bundle's is %s", e.Field, e.Body, e.Presented)
}

// Sum returns the digest of data with the named algorithm.
func Sum(alg string, data []byte) (Digest, error) {
	var h hash.Hash
	switch decoded.NormalizeAlgorithm(alg) {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return Digest{}, fmt.Errorf("unsupported digest algorithm %q", alg)
	}
	h.Write(data)
	return Digest{Algorithm: decoded.NormalizeAlgorithm(alg), Hex: hex.EncodeToString(h.Sum(nil))}, nil
}

// CheckDigest checks that the body's artifact digest equals want.
func CheckDigest(b *Body, want Digest) error {
	got := b.ArtifactDigest
	if decoded.NormalizeAlgorithm(got.Algorithm) != decoded.NormalizeAlgorithm(want.Algorithm) || !strings.EqualFold(got.Hex, want.Hex) {
		return &MismatchError{Field: "artifact digest", Body: got.String(), Presented: want.String()}
	}
	return nil
}

// CheckPayloadHash checks that the body's DSSE payload hash is the hash of
// payload.
func CheckPayloadHash(b *Body, payload []byte) error {
	alg := b.PayloadHash.Algorithm
	if alg == "" {
		return errors.New("log entry records no payload hash")
	}
	want, err := Sum(alg, payload)
	if err != nil {
		return err
	}
	if !strings.EqualFold(b.PayloadHash.Hex, want.Hex) {
		return &MismatchError{Field: "payload hash", Body: b.PayloadHash.String(), Presented: want.String()}
	}
	return nil
}

// CheckSignatures checks that the body records exactly the presented
// signatures (in any order).
func CheckSignatures(b *Body, presented [][]byte) error {
	if len(b.Signatures) != len(presented) {
		return &MismatchError{Field: "signature count", Body: fmt.Sprint(len(b.Signatures)), Presented: fmt.Sprint(len(presented))}
	}
	used := make([]bool, len(presented))
	for i, s := range b.Signatures {
		found := false
		for j, p := range presented {
			if !used[j] && subtle.ConstantTimeCompare(s.Sig, p) == 1 {
				used[j], found = true, true
				break
			}
		}
		if !found {
			if i >= len(presented) {
				return &MismatchError{Field: fmt.Sprintf("signature %d", i), Body: short(s.Sig), Presented: "absent"}
			}
			got, want := shortDiff(s.Sig, presented[i])
			return &MismatchError{Field: fmt.Sprintf("signature %d", i), Body: got, Presented: want}
		}
	}
	return nil
}

// CheckVerifier checks that every body signature's key or certificate is
// the presented one: the same certificate (DER) when the presented material
// is a certificate, the same public key (DER SPKI) when it is a key. A
// certificate on one side and a bare key on the other is a mismatch: the
// log must record exactly what the verifier trusts.
func CheckVerifier(b *Body, presentedPEM []byte) error {
	want, err := spki(presentedPEM)
	if err != nil {
		return fmt.Errorf("reading presented verifier: %w", err)
	}
	wantCert := certDER(presentedPEM)
	for i, s := range b.Signatures {
		got, err := spki(s.VerifierPEM)
		if err != nil {
			return fmt.Errorf("reading log entry verifier %d: %w", i, err)
		}
		gotCert := certDER(s.VerifierPEM)
		switch {
		case gotCert != nil && wantCert != nil:
			if !bytes.Equal(gotCert, wantCert) {
				return &MismatchError{Field: "certificate", Body: fingerprint(gotCert), Presented: fingerprint(wantCert)}
			}
			continue
		case gotCert != nil:
			return &MismatchError{Field: fmt.Sprintf("verifier %d", i), Body: "a certificate", Presented: "a bare public key"}
		case wantCert != nil:
			return &MismatchError{Field: fmt.Sprintf("verifier %d", i), Body: "a bare public key", Presented: "a certificate"}
		}
		if !bytes.Equal(got, want) {
			return &MismatchError{Field: "public key", Body: fingerprint(got), Presented: fingerprint(want)}
		}
	}
	return nil
}

func certDER(p []byte) []byte {
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM(p)
	if err != nil || len(certs) == 0 {
		return nil
	}
	return certs[0].Raw
}

func spki(p []byte) ([]byte, error) {
	if certs, err := cryptoutils.UnmarshalCertificatesFromPEM(p); err == nil && len(certs) > 0 {
		return certs[0].RawSubjectPublicKeyInfo, nil
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(p)
	if err != nil {
		return nil, err
	}
	return cryptoutils.MarshalPublicKeyToDER(pub)
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:8]) + "…"
}

func short(b []byte) string {
	if len(b) > 8 {
		return hex.EncodeToString(b[:8]) + "…"
	}
	return hex.EncodeToString(b)
}

// shortDiff renders two byte strings around the first byte where they
// differ, so that two long signatures sharing a prefix do not print alike:
// "…a1b2c3d4… (from byte 40)".
func shortDiff(a, b []byte) (string, string) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i < 8 {
		return short(a), short(b)
	}
	at := func(x []byte) string {
		end := min(i+8, len(x))
		s := "…" + hex.EncodeToString(x[i:end])
		if end < len(x) {
			s += "…"
		}
		return fmt.Sprintf("%s (from byte %d)", s, i)
	}
	return at(a), at(b)
}

// AttachEnvelope records what a DSSE envelope adds to a dsse or intoto body:
// after checking that the body's payload hash is the payload's, it sets the
// payload type and, for in-toto statements, the statement and predicate
// types.
func AttachEnvelope(b *Body, payloadType string, payload []byte) error {
	if err := CheckPayloadHash(b, payload); err != nil {
		return err
	}
	if b.PayloadType != "" && b.PayloadType != payloadType {
		return &MismatchError{Field: "payload type", Body: b.PayloadType, Presented: payloadType}
	}
	b.PayloadType = payloadType
	b.StatementType, b.PredicateType = Statement(payloadType, payload)
	return nil
}

// Statement returns the in-toto statement type and predicate type of a DSSE
// payload, or empty strings when the payload is not an in-toto statement.
func Statement(payloadType string, payload []byte) (statementType, predicateType string) {
	if payloadType != "application/vnd.in-toto+json" {
		return "", ""
	}
	var st struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(payload, &st) != nil {
		return "", ""
	}
	return st.Type, st.PredicateType
}
