package proof

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"
	rekorverify "github.com/sigstore/rekor/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

func signSET(t testing.TB, priv *ecdsa.PrivateKey, p SETPayload) []byte {
	t.Helper()
	c, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(c)
	sig, err := ecdsa.SignASN1(rand.Reader, priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestSETCanonical(t *testing.T) {
	p := SETPayload{Body: []byte("hello"), IntegratedTime: 1, LogID: "ab", LogIndex: 2}
	got, err := p.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	// RFC 8785: keys sorted, no whitespace.
	if want := `{"body":"aGVsbG8=","integratedTime":1,"logID":"ab","logIndex":2}`; string(got) != want {
		t.Errorf("Canonical() = %s, want %s", got, want)
	}
}

// TestVerifySETAgainstRekor checks VerifySET against rekor's own
// pkg/verify VerifySignedEntryTimestamp on valid and mutated SETs.
func TestVerifySETAgainstRekor(t *testing.T) {
	s := newRekorV1Signer(t, "rekor.example.dev")
	fp, _ := KeyFingerprint(&s.priv.PublicKey)
	p := SETPayload{Body: []byte(`{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}`), IntegratedTime: 1700000000, LogID: fp, LogIndex: 123456789}
	set := signSET(t, s.priv, p)
	v, err := signature.LoadVerifier(&s.priv.PublicKey, crypto256())
	if err != nil {
		t.Fatal(err)
	}
	rekor := func(p SETPayload, set []byte) error {
		body := base64.StdEncoding.EncodeToString(p.Body)
		e := &models.LogEntryAnon{
			Body: body, IntegratedTime: &p.IntegratedTime, LogID: &p.LogID, LogIndex: &p.LogIndex,
			Verification: &models.LogEntryAnonVerification{SignedEntryTimestamp: strfmt.Base64(set)},
		}
		return rekorverify.VerifySignedEntryTimestamp(context.Background(), e, v)
	}
	mutations := []struct {
		name string
		p    SETPayload
		set  []byte
	}{
		{"valid", p, set},
		{"body", SETPayload{Body: []byte("x"), IntegratedTime: p.IntegratedTime, LogID: p.LogID, LogIndex: p.LogIndex}, set},
		{"time", SETPayload{Body: p.Body, IntegratedTime: p.IntegratedTime + 1, LogID: p.LogID, LogIndex: p.LogIndex}, set},
		{"shard-local index instead of global", SETPayload{Body: p.Body, IntegratedTime: p.IntegratedTime, LogID: p.LogID, LogIndex: 55}, set},
		{"log ID", SETPayload{Body: p.Body, IntegratedTime: p.IntegratedTime, LogID: "00" + p.LogID[2:], LogIndex: p.LogIndex}, set},
		{"signature bit flip", p, flipLast(set)},
		{"truncated signature", p, set[:len(set)-2]},
	}
	for _, m := range mutations {
		ours := VerifySET(m.set, m.p, &s.priv.PublicKey)
		theirs := rekor(m.p, m.set)
		if (ours == nil) != (theirs == nil) {
			t.Errorf("%s: VerifySET = %v, rekor = %v", m.name, ours, theirs)
		}
		var bad *BadSignatureError
		if ours != nil && !errors.As(ours, &bad) {
			t.Errorf("%s: VerifySET = %v, want *BadSignatureError", m.name, ours)
		}
	}
	var re *RangeError
	if err := VerifySET(set, SETPayload{Body: p.Body, LogIndex: -1, LogID: fp}, &s.priv.PublicKey); !errors.As(err, &re) {
		t.Errorf("negative index: %v, want *RangeError", err)
	}
	if err := VerifySET(nil, p, &s.priv.PublicKey); err == nil {
		t.Error("empty SET: nil error")
	}
	if err := VerifySET(set, p, "not a key"); err == nil {
		t.Error("string key: nil error")
	}
	// Ed25519 log keys are supported too.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	c, _ := p.Canonical()
	if err := VerifySET(ed25519.Sign(priv, c), p, pub); err != nil {
		t.Errorf("Ed25519 SET: %v", err)
	}
}

func flipLast(b []byte) []byte {
	out := append([]byte(nil), b...)
	out[len(out)-1] ^= 1
	return out
}

func crypto256() crypto.Hash { return crypto.SHA256 }
