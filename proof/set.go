package proof

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	jsoncanonicalizer "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
)

// SETPayload is what a Rekor v1 signed entry timestamp (SET) signs: the
// entry as the log integrated it.
//
// LogIndex is the GLOBAL (virtual) log index across all of the log's shards,
// the "logIndex" of the entry. It differs from the inclusion proof's
// logIndex, which is the leaf's index inside its shard's Merkle tree (for
// example 59674396 vs 55510965 for a 2023 production entry). Mixing them up
// makes either the SET or the proof fail.
type SETPayload struct {
	// Body is the canonical entry body (decoded bytes; signed as base64).
	Body           []byte
	IntegratedTime int64
	// LogID is the hex SHA-256 of the log's DER public key.
	LogID    string
	LogIndex int64
}

// Canonical returns the exact bytes the SET signs: the RFC 8785 canonical
// JSON of {"body","integratedTime","logID","logIndex"}, as rekor's
// pkg/verify VerifySignedEntryTimestamp builds them (json.Marshal, then
// github.com/cyberphone/json-canonicalization).
func (p SETPayload) Canonical() ([]byte, error) {
	raw, err := json.Marshal(struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	}{base64.StdEncoding.EncodeToString(p.Body), p.IntegratedTime, p.LogIndex, p.LogID})
	if err != nil {
		return nil, fmt.Errorf("encoding SET payload: %w", err)
	}
	out, err := jsoncanonicalizer.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("canonicalizing SET payload: %w", err)
	}
	return out, nil
}

// VerifySET verifies a Rekor v1 signed entry timestamp (an ASN.1 ECDSA
// signature over SHA-256 of Canonical(), or Ed25519 over Canonical()) with
// the log's public key. A signature that does not verify gives
// *BadSignatureError; negative indices or times are rejected first.
func VerifySET(set []byte, p SETPayload, logKey crypto.PublicKey) error {
	switch {
	case len(set) == 0:
		return errors.New("signed entry timestamp is empty")
	case p.LogIndex < 0:
		return &RangeError{Msg: fmt.Sprintf("log index %d is negative", p.LogIndex)}
	case p.IntegratedTime < 0:
		return &RangeError{Msg: fmt.Sprintf("integrated time %d is negative", p.IntegratedTime)}
	}
	msg, err := p.Canonical()
	if err != nil {
		return err
	}
	ok := false
	switch k := logKey.(type) {
	case *ecdsa.PublicKey:
		d := sha256.Sum256(msg)
		ok = ecdsa.VerifyASN1(k, d[:], set)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, msg, set)
	default:
		return fmt.Errorf("unsupported log key type %T, want ECDSA or Ed25519", logKey)
	}
	if !ok {
		signer, _ := KeyFingerprint(logKey)
		return &BadSignatureError{What: "signed entry timestamp", Signer: "log key " + shortHex(signer)}
	}
	return nil
}

func shortHex(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
