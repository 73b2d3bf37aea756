// Package intoto decodes Rekor "intoto" entry bodies, which record an in-toto
// attestation in a DSSE envelope. Version 0.0.1 keeps only the hashes and the
// signer's public key; version 0.0.2 also keeps the envelope's payload type
// and its signatures (github.com/sigstore/rekor pkg/types/intoto).
package intoto

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	v001 "github.com/sigstore/rekor/pkg/types/intoto/v0.0.1"
	v002 "github.com/sigstore/rekor/pkg/types/intoto/v0.0.2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body/decoded"
)

// DecodeV001 decodes a canonical intoto 0.0.1 body. It records no signature:
// the returned Body has one Signature with an empty Sig and the public key.
func DecodeV001(canonical []byte) (*decoded.Body, error) {
	obj, err := decoded.V1Schema(canonical, string(model.KindIntoto), "0.0.1", v001.DecodeEntry)
	if err != nil {
		return nil, err
	}
	if obj.PublicKey == nil || obj.Content == nil {
		return nil, errors.New("intoto 0.0.1 body has no public key or content")
	}
	pemBytes, signer, err := decoded.ParseVerifier(*obj.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("reading intoto public key: %w", err)
	}
	b := &decoded.Body{
		Kind:       model.KindIntoto,
		APIVersion: "0.0.1",
		Signatures: []decoded.Signature{{VerifierPEM: pemBytes, Signer: signer}},
	}
	if h := obj.Content.PayloadHash; h != nil && h.Value != nil && h.Algorithm != nil {
		b.PayloadHash = decoded.Digest{Algorithm: decoded.NormalizeAlgorithm(*h.Algorithm), Hex: strings.ToLower(*h.Value)}
	}
	if h := obj.Content.Hash; h != nil && h.Value != nil && h.Algorithm != nil {
		b.EnvelopeHash = decoded.Digest{Algorithm: decoded.NormalizeAlgorithm(*h.Algorithm), Hex: strings.ToLower(*h.Value)}
	}
	return b, nil
}

// DecodeV002 decodes a canonical intoto 0.0.2 body. Rekor stores each
// signature base64-encoded twice; the returned Sig is the raw signature.
func DecodeV002(canonical []byte) (*decoded.Body, error) {
	obj, err := decoded.V1Schema(canonical, string(model.KindIntoto), "0.0.2", v002.DecodeEntry)
	if err != nil {
		return nil, err
	}
	if obj.Content == nil || obj.Content.Envelope == nil {
		return nil, errors.New("intoto 0.0.2 body has no envelope")
	}
	env := obj.Content.Envelope
	if len(env.Signatures) == 0 {
		return nil, errors.New("intoto 0.0.2 body has no signatures")
	}
	b := &decoded.Body{Kind: model.KindIntoto, APIVersion: "0.0.2"}
	if env.PayloadType != nil {
		b.PayloadType = *env.PayloadType
	}
	if h := obj.Content.PayloadHash; h != nil && h.Value != nil && h.Algorithm != nil {
		b.PayloadHash = decoded.Digest{Algorithm: decoded.NormalizeAlgorithm(*h.Algorithm), Hex: strings.ToLower(*h.Value)}
	}
	if h := obj.Content.Hash; h != nil && h.Value != nil && h.Algorithm != nil {
		b.EnvelopeHash = decoded.Digest{Algorithm: decoded.NormalizeAlgorithm(*h.Algorithm), Hex: strings.ToLower(*h.Value)}
	}
	for i, s := range env.Signatures {
		if s == nil || s.Sig == nil || s.PublicKey == nil {
			return nil, fmt.Errorf("intoto signature %d is incomplete", i)
		}
		sig, err := base64.StdEncoding.DecodeString(string(*s.Sig))
		if err != nil {
			return nil, fmt.Errorf("decoding intoto signature %d: %w", i, err)
		}
		pemBytes, signer, err := decoded.ParseVerifier(*s.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("reading intoto public key %d: %w", i, err)
		}
		b.Signatures = append(b.Signatures, decoded.Signature{Sig: sig, VerifierPEM: pemBytes, Signer: signer})
	}
	return b, nil
}
