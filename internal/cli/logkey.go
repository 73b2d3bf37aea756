package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/provscope/provscope/proof"
)

// logKeyPEM reads a log key as --log-key takes it: a PEM public key, or a
// signed-note verifier key (name+hash+base64(alg || key)), the form in
// which tlog-tiles logs such as Tessera's publish their key, for Ed25519
// (0x01) or ECDSA (0x02, DER SPKI). A verifier key is checked whole
// (its key hash must match its name and key) and handed on as PEM: the
// checkpoint verifier names the key after the checkpoint's origin, and
// the key hash commits to that name, so a verifier key for another name
// verifies nothing.
func logKeyPEM(b []byte) ([]byte, error) {
	if bytes.Contains(b, []byte("-----BEGIN")) {
		return b, nil
	}
	vkey := strings.TrimSpace(string(b))
	if strings.Count(vkey, "+") < 2 || strings.ContainsAny(vkey, " \t\n") {
		return nil, errors.New("want a PEM public key or a note verifier key (name+hash+base64)")
	}
	if _, err := proof.ParseNoteKey(vkey); err != nil {
		return nil, fmt.Errorf("note verifier key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	if err != nil || len(raw) < 2 {
		return nil, errors.New("note verifier key: bad base64")
	}
	var der []byte
	switch raw[0] {
	case 0x01:
		if len(raw) != 1+ed25519.PublicKeySize {
			return nil, fmt.Errorf("note verifier key: Ed25519 key of %d bytes, want %d", len(raw)-1, ed25519.PublicKeySize)
		}
		der, err = x509.MarshalPKIXPublicKey(ed25519.PublicKey(raw[1:]))
		if err != nil {
			return nil, fmt.Errorf("note verifier key: %w", err)
		}
	case 0x02:
		der = raw[1:]
		if _, err := x509.ParsePKIXPublicKey(der); err != nil {
			return nil, fmt.Errorf("note verifier key: ECDSA key: %w", err)
		}
	default:
		return nil, fmt.Errorf("note verifier key: algorithm 0x%02x is not a log key provscope reads (want 0x01 Ed25519 or 0x02 ECDSA)", raw[0])
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
