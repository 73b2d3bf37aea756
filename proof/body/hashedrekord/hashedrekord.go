// Package hashedrekord decodes and builds Rekor "hashedrekord" entry bodies:
// a signature over an artifact digest with the signer's public key or
// certificate. Version 0.0.1 is Rekor v1's JSON type
// (github.com/sigstore/rekor pkg/types/hashedrekord/v0.0.1); version 0.0.2 is
// Rekor v2's protobuf type (github.com/sigstore/rekor-tiles
// api/proto/rekor/v2/hashedrekord.proto), stored as its protojson encoding.
package hashedrekord

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	jsoncanonicalizer "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
	v001 "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body/decoded"
)

// DecodeV001 decodes a canonical hashedrekord 0.0.1 body.
func DecodeV001(canonical []byte) (*decoded.Body, error) {
	obj, err := decoded.V1Schema(canonical, string(model.KindHashedRekord), "0.0.1", v001.DecodeEntry)
	if err != nil {
		return nil, err
	}
	if obj.Signature == nil || obj.Signature.PublicKey == nil || len(obj.Signature.PublicKey.Content) == 0 {
		return nil, errors.New("hashedrekord body has no public key")
	}
	if len(obj.Signature.Content) == 0 {
		return nil, errors.New("hashedrekord body has no signature")
	}
	if obj.Data == nil || obj.Data.Hash == nil || obj.Data.Hash.Value == nil || obj.Data.Hash.Algorithm == nil {
		return nil, errors.New("hashedrekord body has no artifact digest")
	}
	pemBytes, signer, err := decoded.ParseVerifier(obj.Signature.PublicKey.Content)
	if err != nil {
		return nil, fmt.Errorf("reading hashedrekord verifier: %w", err)
	}
	return &decoded.Body{
		Kind:       model.KindHashedRekord,
		APIVersion: "0.0.1",
		ArtifactDigest: decoded.Digest{
			Algorithm: decoded.NormalizeAlgorithm(*obj.Data.Hash.Algorithm),
			Hex:       strings.ToLower(*obj.Data.Hash.Value),
		},
		Signatures: []decoded.Signature{{Sig: obj.Signature.Content, VerifierPEM: pemBytes, Signer: signer}},
	}, nil
}

// DecodeV002 decodes a canonical hashedrekord 0.0.2 body (Rekor v2).
func DecodeV002(canonical []byte) (*decoded.Body, error) {
	e, err := decoded.V2Entry(canonical, string(model.KindHashedRekord), "0.0.2")
	if err != nil {
		return nil, err
	}
	hr := e.GetSpec().GetHashedRekordV002()
	if hr == nil {
		return nil, errors.New("hashedrekord 0.0.2 body has no hashedRekordV002 spec")
	}
	if len(hr.GetData().GetDigest()) == 0 {
		return nil, errors.New("hashedrekord 0.0.2 body has no artifact digest")
	}
	sig, err := decoded.FromV2Signature(hr.GetSignature())
	if err != nil {
		return nil, fmt.Errorf("reading hashedrekord 0.0.2 signature: %w", err)
	}
	return &decoded.Body{
		Kind:       model.KindHashedRekord,
		APIVersion: "0.0.2",
		ArtifactDigest: decoded.Digest{
			Algorithm: decoded.NormalizeAlgorithm(hr.GetData().GetAlgorithm().String()),
			Hex:       hex.EncodeToString(hr.GetData().GetDigest()),
		},
		Signatures: []decoded.Signature{sig},
	}, nil
}

// Build returns the canonical hashedrekord 0.0.1 body, exactly as Rekor v1
// stores it, for a signature over an artifact digest. digest is "sha256",
// "sha384" or "sha512" with hex; verifierPEM is a PEM public key or
// certificate. Rekor's own type validates that the signature and key parse
// (it does not verify the signature: use VerifySignature).
func Build(digest decoded.Digest, sig, verifierPEM []byte) ([]byte, error) {
	alg := decoded.NormalizeAlgorithm(digest.Algorithm)
	hexv := strings.ToLower(digest.Hex)
	e := v001.V001Entry{HashedRekordObj: models.HashedrekordV001Schema{
		Data: &models.HashedrekordV001SchemaData{Hash: &models.HashedrekordV001SchemaDataHash{Algorithm: &alg, Value: &hexv}},
		Signature: &models.HashedrekordV001SchemaSignature{
			Content:   strfmt.Base64(sig),
			PublicKey: &models.HashedrekordV001SchemaSignaturePublicKey{Content: strfmt.Base64(verifierPEM)},
		},
	}}
	if err := e.HashedRekordObj.Validate(strfmt.Default); err != nil {
		return nil, fmt.Errorf("validating hashedrekord fields: %w", err)
	}
	out, err := e.Canonicalize(context.Background())
	if err != nil {
		return nil, fmt.Errorf("canonicalizing hashedrekord body: %w", err)
	}
	// Rekor stores what types.CanonicalizeEntry returns: Canonicalize's
	// JSON, then RFC 8785 (keys sorted: apiVersion, kind, spec). Without
	// this step the leaf hash of a logged signature is not the log's, and
	// a lookup by it finds nothing.
	out, err = jsoncanonicalizer.Transform(out)
	if err != nil {
		return nil, fmt.Errorf("canonicalizing hashedrekord body: %w", err)
	}
	return out, nil
}
