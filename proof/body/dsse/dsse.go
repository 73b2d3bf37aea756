// Package dsse decodes Rekor "dsse" entry bodies, which record a DSSE
// envelope (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md)
// by the hashes of its payload and of the whole envelope plus its signatures
// with their verifiers. Version 0.0.1 is Rekor v1's JSON type
// (github.com/sigstore/rekor pkg/types/dsse/v0.0.1); version 0.0.2 is Rekor
// v2's protobuf type (github.com/sigstore/rekor-tiles api/proto/rekor/v2/dsse.proto).
package dsse

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	v001 "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body/decoded"
)

// DecodeV001 decodes a canonical dsse 0.0.1 body.
func DecodeV001(canonical []byte) (*decoded.Body, error) {
	obj, err := decoded.V1Schema(canonical, string(model.KindDSSE), "0.0.1", v001.DecodeEntry)
	if err != nil {
		return nil, err
	}
	if obj.PayloadHash == nil || obj.PayloadHash.Value == nil || obj.PayloadHash.Algorithm == nil {
		return nil, errors.New("dsse body has no payload hash")
	}
	if len(obj.Signatures) == 0 {
		return nil, errors.New("dsse body has no signatures")
	}
	b := &decoded.Body{
		Kind:        model.KindDSSE,
		APIVersion:  "0.0.1",
		PayloadHash: decoded.Digest{Algorithm: decoded.NormalizeAlgorithm(*obj.PayloadHash.Algorithm), Hex: strings.ToLower(*obj.PayloadHash.Value)},
	}
	if obj.EnvelopeHash != nil && obj.EnvelopeHash.Value != nil && obj.EnvelopeHash.Algorithm != nil {
		b.EnvelopeHash = decoded.Digest{Algorithm: decoded.NormalizeAlgorithm(*obj.EnvelopeHash.Algorithm), Hex: strings.ToLower(*obj.EnvelopeHash.Value)}
	}
	for i, s := range obj.Signatures {
		if s == nil || s.Signature == nil || s.Verifier == nil {
			return nil, fmt.Errorf("dsse signature %d is incomplete", i)
		}
		sig, err := base64.StdEncoding.DecodeString(*s.Signature)
		if err != nil {
			return nil, fmt.Errorf("decoding dsse signature %d: %w", i, err)
		}
		pemBytes, signer, err := decoded.ParseVerifier(*s.Verifier)
		if err != nil {
			return nil, fmt.Errorf("reading dsse verifier %d: %w", i, err)
		}
		b.Signatures = append(b.Signatures, decoded.Signature{Sig: sig, VerifierPEM: pemBytes, Signer: signer})
	}
	return b, nil
}

// DecodeV002 decodes a canonical dsse 0.0.2 body (Rekor v2).
//
// rekor-tiles marks the dsse 0.0.2 type deprecated for new entries; logs
// still hold them, so reading them stays supported.
//
//nolint:staticcheck // SA1019: decoding existing dsse 0.0.2 entries needs the deprecated accessors
func DecodeV002(canonical []byte) (*decoded.Body, error) {
	e, err := decoded.V2Entry(canonical, string(model.KindDSSE), "0.0.2")
	if err != nil {
		return nil, err
	}
	d := e.GetSpec().GetDsseV002()
	if d == nil {
		return nil, errors.New("dsse 0.0.2 body has no dsseV002 spec")
	}
	if len(d.GetPayloadHash().GetDigest()) == 0 {
		return nil, errors.New("dsse 0.0.2 body has no payload hash")
	}
	if len(d.GetSignatures()) == 0 {
		return nil, errors.New("dsse 0.0.2 body has no signatures")
	}
	b := &decoded.Body{
		Kind:       model.KindDSSE,
		APIVersion: "0.0.2",
		PayloadHash: decoded.Digest{
			Algorithm: decoded.NormalizeAlgorithm(d.GetPayloadHash().GetAlgorithm().String()),
			Hex:       hex.EncodeToString(d.GetPayloadHash().GetDigest()),
		},
	}
	for i, s := range d.GetSignatures() {
		sig, err := decoded.FromV2Signature(s)
		if err != nil {
			return nil, fmt.Errorf("reading dsse 0.0.2 signature %d: %w", i, err)
		}
		b.Signatures = append(b.Signatures, sig)
	}
	return b, nil
}
