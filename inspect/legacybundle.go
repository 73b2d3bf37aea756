package inspect

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// legacyBundle repackages a cosign legacy signature or attestation (its
// payload, signature, certificate or key, and its log entry with SET and
// inclusion proof) as a Sigstore bundle v0.3, so that proof.VerifyBundle
// (sigstore-go) can check what the legacy format cannot say alone: the
// certificate chain, SCTs and identity. A signature (simple-signing payload)
// becomes a message signature over the payload, an attestation (a DSSE
// envelope) the envelope itself. keyPEM is used for the key hint when there
// is no certificate.
func legacyBundle(a model.Attachment, e *model.LogEntry, keyPEM []byte) ([]byte, error) {
	if e == nil || e.Proof == nil {
		return nil, errors.New("the signature's log entry has no inclusion proof")
	}
	vm := &protobundle.VerificationMaterial{}
	switch {
	case len(a.Certificate) > 0:
		block, _ := pem.Decode(a.Certificate)
		if block == nil {
			return nil, errors.New("certificate is not PEM")
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return nil, fmt.Errorf("parsing certificate: %w", err)
		}
		vm.Content = &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: block.Bytes}}
	case len(keyPEM) > 0:
		block, _ := pem.Decode(keyPEM)
		if block == nil {
			return nil, errors.New("key is not PEM")
		}
		vm.Content = keyHint(block.Bytes)
	default:
		return nil, errors.New("no certificate or key")
	}
	tle, err := tlogEntry(e)
	if err != nil {
		return nil, err
	}
	vm.TlogEntries = []*protorekor.TransparencyLogEntry{tle}
	b := &protobundle.Bundle{
		MediaType:            "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: vm,
	}
	switch a.Kind {
	case model.AttachSignature:
		digest := sha256.Sum256(a.Payload)
		b.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: digest[:]},
			Signature:     a.Signature,
		}}
	case model.AttachAttestation:
		env, err := registry.ParseEnvelope(a.Payload)
		if err != nil {
			return nil, err
		}
		de := &protodsse.Envelope{Payload: env.Payload, PayloadType: env.PayloadType}
		for _, s := range env.Signatures {
			de.Signatures = append(de.Signatures, &protodsse.Signature{Sig: s.Sig, Keyid: s.KeyID})
		}
		b.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: de}
	default:
		return nil, fmt.Errorf("a %s is neither a signature nor an attestation", a.Kind)
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encoding bundle: %w", err)
	}
	return out, nil
}

// tlogEntry is e as a bundle's transparency log entry: its SET as the
// inclusion promise, its inclusion proof with the checkpoint, and its body.
// Requires e.Proof != nil.
func tlogEntry(e *model.LogEntry) (*protorekor.TransparencyLogEntry, error) {
	logID, err := hex.DecodeString(e.LogID)
	if err != nil {
		return nil, fmt.Errorf("decoding log ID: %w", err)
	}
	p := e.Proof
	return &protorekor.TransparencyLogEntry{
		LogIndex:          e.LogIndex,
		LogId:             &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: string(e.Kind), Version: e.APIVersion},
		IntegratedTime:    e.IntegratedTime.Unix(),
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: e.SET},
		InclusionProof:    &protorekor.InclusionProof{LogIndex: p.LogIndex, RootHash: p.RootHash, TreeSize: p.TreeSize, Hashes: p.Hashes, Checkpoint: &protorekor.Checkpoint{Envelope: p.Checkpoint}},
		CanonicalizedBody: e.Body,
	}, nil
}

// keyHint is the bundle's verification material for a public key: the
// base64 SHA-256 of its DER as the hint.
func keyHint(der []byte) *protobundle.VerificationMaterial_PublicKey {
	hint := sha256.Sum256(der)
	return &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: base64.StdEncoding.EncodeToString(hint[:])}}
}
