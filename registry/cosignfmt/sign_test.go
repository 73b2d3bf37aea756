package cosignfmt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestKeysAndSignaturesAreDeterministic(t *testing.T) {
	k1, err := KeyFromSeed("seed")
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := KeyFromSeed("seed")
	k3, _ := KeyFromSeed("other")
	if !k1.Equal(k2) || k1.Equal(k3) {
		t.Fatal("KeyFromSeed: same seed must give the same key, different seeds different keys")
	}
	s, _ := NewSigner(k1)
	a, _ := s.SignMessage(strings.NewReader("msg"))
	b, _ := s.SignMessage(strings.NewReader("msg"))
	if !bytes.Equal(a, b) {
		t.Error("SignMessage is not deterministic")
	}
	h := sha256.Sum256([]byte("msg"))
	if !ecdsa.VerifyASN1(&k1.PublicKey, h[:], a) {
		t.Error("signature does not verify")
	}
	twin, err := MalleateSignature(a)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(twin, a) || !ecdsa.VerifyASN1(&k1.PublicKey, h[:], twin) {
		t.Error("MalleateSignature: want a different, valid signature")
	}
	if _, err := MalleateSignature([]byte("junk")); err == nil {
		t.Error("MalleateSignature(junk) succeeded")
	}
}

func TestEncryptedKeyRoundTrip(t *testing.T) {
	k, _ := KeyFromSeed("seed")
	s, _ := NewSigner(k)
	pemBytes, err := s.EncryptedPrivateKeyPEM([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pemBytes, []byte("ENCRYPTED SIGSTORE PRIVATE KEY")) {
		t.Errorf("pem type: %s", pemBytes)
	}
	got, err := ImportEncryptedPrivateKey(pemBytes, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.PublicKeyPEM(), s.PublicKeyPEM()) {
		t.Error("imported key differs")
	}
	if _, err := ImportEncryptedPrivateKey(pemBytes, []byte("wrong")); err == nil {
		t.Error("wrong password accepted")
	}
}
