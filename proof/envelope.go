package proof

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Envelope is a DSSE envelope (https://github.com/secure-systems-lab/dsse):
// what an attestation signs. It is parsed once, here, for both the gatherers
// (registry reads attachments with it) and the judges (an attestation's
// signature is checked over it), so the two cannot read one envelope two
// ways.
type Envelope struct {
	PayloadType string `json:"payloadType"`
	Payload     []byte `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   []byte `json:"sig"`
	} `json:"signatures"`
}

// ParseEnvelope parses a DSSE envelope in JSON: it needs a payload type, a
// payload and at least one signature.
func ParseEnvelope(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("parsing dsse envelope: %w", err)
	}
	if e.PayloadType == "" || len(e.Payload) == 0 {
		return e, errors.New("parsing dsse envelope: no payloadType or payload")
	}
	if len(e.Signatures) == 0 {
		return e, errors.New("parsing dsse envelope: no signatures")
	}
	return e, nil
}

// Statement is the part of an in-toto statement (v0.1 or v1) provscope reads.
type Statement struct {
	Type          string `json:"_type"`
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate json.RawMessage `json:"predicate"`
}

// ParseStatement parses an in-toto statement: its _type must be an in-toto
// statement's and it must name a predicate type.
func ParseStatement(b []byte) (Statement, error) {
	s, err := decodeStatement(b)
	if err != nil {
		return s, err
	}
	if s.PredicateType == "" {
		return s, errors.New("parsing in-toto statement: no predicateType")
	}
	return s, nil
}

// decodeStatement parses b as an in-toto statement of any predicate (or
// none): what a digest binding needs is its subjects.
func decodeStatement(b []byte) (Statement, error) {
	var s Statement
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("parsing in-toto statement: %w", err)
	}
	if !strings.HasPrefix(s.Type, "https://in-toto.io/Statement/") {
		return s, fmt.Errorf("parsing in-toto statement: _type %q, want https://in-toto.io/Statement/v*", s.Type)
	}
	return s, nil
}

// NamesSubject reports whether one of s's subjects has digest[alg] equal
// to hexd (case-insensitively).
func (s Statement) NamesSubject(alg, hexd string) bool {
	for _, sub := range s.Subject {
		if strings.EqualFold(sub.Digest[alg], hexd) {
			return true
		}
	}
	return false
}
