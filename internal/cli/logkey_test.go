package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/proof"
)

// TestLogKeyPEM: --log-key takes a PEM key as it is, and a note verifier
// key (Ed25519 as Tessera's logs publish it, ECDSA as transparency-dev
// formats write it) as the same key in PEM; a verifier key whose hash does
// not match, a witness key, or text that is neither is refused.
func TestLogKeyPEM(t *testing.T) {
	_, vkey, err := note.GenerateKey(rand.Reader, "example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	got, err := logKeyPEM([]byte(vkey + "\n"))
	if err != nil {
		t.Fatalf("logKeyPEM(Ed25519 vkey) = %v", err)
	}
	pub, err := proof.ParsePublicKeyPEM(got)
	if err != nil {
		t.Fatalf("logKeyPEM(Ed25519 vkey) gave no PEM key: %v\n%s", err, got)
	}
	parts := strings.SplitN(vkey, "+", 3)
	nk, err := proof.NewLogKey("example.com/log", pub)
	if want := parts[0] + "+" + parts[1]; err != nil || nk.ID() != want {
		t.Errorf("the PEM key names as %s, %v; want the verifier key's %s", nk.ID(), err, want)
	}
	if again, err := logKeyPEM(got); err != nil || !bytes.Equal(again, got) {
		t.Errorf("logKeyPEM(PEM) = %v, changed it", err)
	}

	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	ecVkey := fmt.Sprintf("rekor.example+%08x+%s", binary.BigEndian.Uint32(sum[:4]), base64.StdEncoding.EncodeToString(append([]byte{0x02}, der...)))
	if got, err := logKeyPEM([]byte(ecVkey)); err != nil || !bytes.Equal(got, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})) {
		t.Errorf("logKeyPEM(ECDSA vkey) = %s, %v", got, err)
	}

	for name, in := range map[string]string{
		"wrong hash":    parts[0] + "+00000000+" + parts[2],
		"witness key":   parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{0x04}, make([]byte, 32)...)),
		"not a key":     "hello",
		"truncated key": parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString([]byte{0x01, 1, 2, 3}),
	} {
		if got, err := logKeyPEM([]byte(in)); err == nil {
			t.Errorf("logKeyPEM(%s %q) = %s, want an error", name, in, got)
		}
	}
}
