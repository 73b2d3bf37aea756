package body_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/provscope/provscope/proof/body"
)

// TestCertificateIssuer: the CA name of a certificate is read; a bare
// public key, garbage and a corrupted certificate are not certificates.
func TestCertificateIssuer(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := url.Parse("https://github.com/o/r/.github/workflows/w.yml@refs/heads/main")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "leaf"},
		Issuer:       pkix.Name{CommonName: "ignored: self-signed takes the subject"},
		NotBefore:    time.Unix(1700000000, 0), NotAfter: time.Unix(1700000600, 0),
		URIs: []*url.URL{uri},
	}
	parent := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{Organization: []string{"sigstore.dev"}, CommonName: "sigstore-intermediate"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})
	bad := append([]byte(nil), der...)
	bad[len(bad)/2] ^= 0xff
	for _, tc := range []struct {
		name   string
		in     []byte
		want   string
		wantOK bool
	}{
		{"certificate", certPEM, "CN=sigstore-intermediate,O=sigstore.dev", true},
		{"public key", keyPEM, "", false},
		{"not PEM", []byte("hello"), "", false},
		{"corrupted certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: bad}), "", false},
	} {
		got, ok := body.CertificateIssuer(tc.in)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("CertificateIssuer(%s) = %q, %v, want %q, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
	pemBytes, signer, err := body.ParseVerifier(certPEM)
	if err != nil || string(pemBytes) != string(certPEM) || signer.Subject != uri.String() {
		t.Errorf("ParseVerifier(certificate) = %q, %+v, %v; want the PEM back and subject %s", pemBytes, signer, err, uri)
	}
}
