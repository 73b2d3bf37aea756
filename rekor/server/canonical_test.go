package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	hashedrekord001 "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// hrSpec is a hashedrekord 0.0.1 proposed entry's parts, before encoding.
type hrSpec struct {
	alg, value string
	sig, key   []byte // raw signature and PEM key or certificate(s)
}

func (s hrSpec) json() []byte {
	b, _ := json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "hashedrekord",
		"spec": map[string]any{
			"data":      map[string]any{"hash": map[string]any{"algorithm": s.alg, "value": s.value}},
			"signature": map[string]any{"content": base64.StdEncoding.EncodeToString(s.sig), "publicKey": map[string]any{"content": base64.StdEncoding.EncodeToString(s.key)}},
		},
	})
	return b
}

// signedSpec signs artifact's digest (alg) with signer and names pub.
func signedSpec(t testing.TB, signer crypto.Signer, pub []byte, alg crypto.Hash, artifact string) hrSpec {
	t.Helper()
	h := alg.New()
	h.Write([]byte(artifact))
	d := h.Sum(nil)
	var opts crypto.SignerOpts = alg
	if _, ok := signer.(ed25519.PrivateKey); ok {
		opts = &ed25519.Options{Hash: crypto.SHA512} // Ed25519ph, as hashedrekord verifies it
	}
	sig, err := signer.Sign(rand.Reader, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	name := map[crypto.Hash]string{crypto.SHA256: "sha256", crypto.SHA384: "sha384", crypto.SHA512: "sha512"}[alg]
	return hrSpec{alg: name, value: hex.EncodeToString(d), sig: sig, key: pub}
}

func pubPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// selfSigned returns the PEM of a certificate for k signed by parent
// (k itself when nil), with an e-mail and a URI SAN.
func selfSigned(t *testing.T, k crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer, ca bool) (*x509.Certificate, []byte) {
	t.Helper()
	u, _ := url.Parse("https://github.com/provscope/provscope/.github/workflows/release.yml@refs/heads/main")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		EmailAddresses: []string{"Signer@Example.com"}, URIs: []*url.URL{u},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: ca,
	}
	if parent == nil {
		parent, parentKey = tmpl, k
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, k.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// rekorCanonicalize is Rekor's own path for a proposed entry: its
// UnmarshalEntry, Insertable, CanonicalizeEntry and IndexKeys.
func rekorCanonicalize(ctx context.Context, pe models.ProposedEntry) (body []byte, keys []string, err error) {
	ei, err := types.UnmarshalEntry(pe)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := ei.Insertable(); !ok {
		return nil, nil, err
	}
	if body, err = types.CanonicalizeEntry(ctx, ei); err != nil {
		return nil, nil, err
	}
	keys, err = ei.IndexKeys()
	return body, keys, err
}

// compareWithRekor checks that canonicalize gives Rekor's body and index
// keys, or fails when Rekor fails; fast reports whether the entry took
// canonicalHashedRekord.
func compareWithRekor(t *testing.T, raw []byte) (fast bool) {
	t.Helper()
	ctx := context.Background()
	pe, err := readProposed(bytes.NewReader(raw))
	if err != nil {
		return false
	}
	want, wantKeys, wantErr := rekorCanonicalize(ctx, pe)
	got, err := canonicalize(ctx, pe, true)
	switch {
	case (err != nil) != (wantErr != nil):
		t.Fatalf("canonicalize(%s) error = %v, Rekor's = %v", raw, err, wantErr)
	case err != nil:
		return false
	case !bytes.Equal(got.body, want):
		t.Fatalf("canonicalize(%s) body:\n got %s\nwant %s", raw, got.body, want)
	case !slices.Equal(got.keys, wantKeys):
		t.Fatalf("canonicalize(%s) index keys = %q, Rekor's %q", raw, got.keys, wantKeys)
	}
	if hr, ok := pe.(*models.Hashedrekord); ok {
		e := &hashedrekord001.V001Entry{}
		if hashedrekord001.DecodeEntry(hr.Spec, &e.HashedRekordObj) == nil {
			_, _, fast = canonicalHashedRekord(e)
		}
	}
	return fast
}

// TestCanonicalHashedRekordMatchesRekor checks the hashedrekord fast path
// against Rekor's own canonicalisation for keys and certificates of every
// kind hashedrekord takes, every hash algorithm and invalid entries.
func TestCanonicalHashedRekordMatchesRekor(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, certPEM := selfSigned(t, p256, nil, nil, false)
	root, rootPEM := selfSigned(t, other, nil, nil, true)
	_, leafPEM := selfSigned(t, p384, root, other, false)

	valid := map[string]hrSpec{
		"p256 key sha256":   signedSpec(t, p256, pubPEM(t, p256), crypto.SHA256, "a"),
		"p256 key sha384":   signedSpec(t, p256, pubPEM(t, p256), crypto.SHA384, "b"),
		"p256 key sha512":   signedSpec(t, p256, pubPEM(t, p256), crypto.SHA512, "c"),
		"p384 key sha384":   signedSpec(t, p384, pubPEM(t, p384), crypto.SHA384, "d"),
		"rsa key sha256":    signedSpec(t, rsaKey, pubPEM(t, rsaKey), crypto.SHA256, "e"),
		"ed25519ph sha512":  signedSpec(t, edKey, pubPEM(t, edKey), crypto.SHA512, "f"),
		"certificate":       signedSpec(t, p256, certPEM, crypto.SHA256, "g"),
		"certificate chain": signedSpec(t, p384, append(append([]byte(nil), leafPEM...), rootPEM...), crypto.SHA256, "h"),
		"key PEM not canonical": func() hrSpec {
			s := signedSpec(t, p256, pubPEM(t, p256), crypto.SHA256, "i")
			s.key = append([]byte("\n\n"), bytes.ReplaceAll(s.key, []byte("\n"), []byte("\r\n"))...)
			return s
		}(),
	}
	upper := signedSpec(t, p256, pubPEM(t, p256), crypto.SHA256, "j")
	upper.value = strings.ToUpper(upper.value)
	valid["upper-case hash"] = upper
	for name, s := range valid {
		t.Run(name, func(t *testing.T) {
			if !compareWithRekor(t, s.json()) {
				t.Errorf("a valid %s entry did not take the fast path", name)
			}
		})
	}

	good := signedSpec(t, p256, pubPEM(t, p256), crypto.SHA256, "k")
	invalid := map[string]func(s *hrSpec){
		"wrong key":         func(s *hrSpec) { s.key = pubPEM(t, other) },
		"wrong hash":        func(s *hrSpec) { s.value = strings.Repeat("ab", 32) },
		"short hash":        func(s *hrSpec) { s.value = s.value[:62] },
		"not hex":           func(s *hrSpec) { s.value = "zz" + s.value[2:] },
		"sha384 length 256": func(s *hrSpec) { s.alg = "sha384" },
		"unknown algorithm": func(s *hrSpec) { s.alg = "sha1" },
		"no signature":      func(s *hrSpec) { s.sig = nil },
		"garbled signature": func(s *hrSpec) { s.sig = s.sig[:len(s.sig)-4] },
		"no key":            func(s *hrSpec) { s.key = nil },
		"key not PEM":       func(s *hrSpec) { s.key = []byte("not a key") },
		"PEM of junk":       func(s *hrSpec) { s.key = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}) },
		"private key type":  func(s *hrSpec) { s.key = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}) },
	}
	for name, mutate := range invalid {
		t.Run(name, func(t *testing.T) {
			s := good
			mutate(&s)
			if compareWithRekor(t, s.json()) {
				t.Errorf("an invalid entry (%s) took the fast path", name)
			}
		})
	}
}

// FuzzCanonicalHashedRekord mutates proposed hashedrekord entries: the log
// canonicalises every one exactly as Rekor does, or refuses it as Rekor does.
func FuzzCanonicalHashedRekord(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.Add(signedSpec(f, k, pubPEM(f, k), crypto.SHA256, "seed").json())
	f.Add(signedSpec(f, k, pubPEM(f, k), crypto.SHA512, "seed").json())
	f.Fuzz(func(t *testing.T, raw []byte) {
		compareWithRekor(t, raw)
	})
}
