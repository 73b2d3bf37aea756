package keyless

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
)

func testConfig() Config {
	return Config{
		Seed: "keyless test", CommonName: "test fulcio", Organization: "provscope.test",
		URI: "https://fulcio.provscope.test", CTLogURL: "https://ct.provscope.test",
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// TestDeterministic: the same config and arguments give the same root, CT
// log key, certificate and key; another seed, identity or time does not.
func TestDeterministic(t *testing.T) {
	at := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	issue := func(cfg Config, identity string, at time.Time) ([]byte, []byte) {
		t.Helper()
		ca, err := NewCA(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cert, key, err := ca.Issue(identity, "https://issuer.provscope.test", at, at.Add(10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			t.Fatal(err)
		}
		return append(ca.RootPEM(), cert...), der
	}
	c1, k1 := issue(testConfig(), "alice@provscope.test", at)
	c2, k2 := issue(testConfig(), "alice@provscope.test", at)
	if !bytes.Equal(c1, c2) || !bytes.Equal(k1, k2) {
		t.Fatal("the same config and arguments issued different bytes")
	}
	other := testConfig()
	other.Seed = "another seed"
	for name, got := range map[string][]byte{
		"seed":     func() []byte { c, _ := issue(other, "alice@provscope.test", at); return c }(),
		"identity": func() []byte { _, k := issue(testConfig(), "bob@provscope.test", at); return k }(),
		"time":     func() []byte { _, k := issue(testConfig(), "alice@provscope.test", at.Add(time.Nanosecond)); return k }(),
	} {
		if bytes.Equal(got, c1) || bytes.Equal(got, k1) {
			t.Errorf("another %s issued the same bytes", name)
		}
	}
}

// TestIssueFollowsFulcio: the SAN (email or URI), the issuer extension as
// sigstore-go reads it, code signing, the validity asked for, the chain to
// the root.
func TestIssueFollowsFulcio(t *testing.T) {
	ca, err := NewCA(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	for _, identity := range []string{"alice@provscope.test", "https://github.com/o/r/.github/workflows/release.yml@refs/heads/main"} {
		certPEM, _, err := ca.Issue(identity, "https://issuer.provscope.test", from, from.Add(10*time.Minute))
		if err != nil {
			t.Fatalf("Issue(%s): %v", identity, err)
		}
		blk, _ := pem.Decode(certPEM)
		if blk == nil {
			t.Fatalf("Issue(%s): not PEM", identity)
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := certificate.SummarizeCertificate(cert)
		if err != nil {
			t.Fatal(err)
		}
		if sum.SubjectAlternativeName != identity || sum.Issuer != "https://issuer.provscope.test" {
			t.Errorf("Issue(%s): summary SAN %q issuer %q", identity, sum.SubjectAlternativeName, sum.Issuer)
		}
		if !cert.NotBefore.Equal(from) || !cert.NotAfter.Equal(from.Add(10*time.Minute)) || len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageCodeSigning {
			t.Errorf("Issue(%s): validity %s–%s, ext key usage %v", identity, cert.NotBefore, cert.NotAfter, cert.ExtKeyUsage)
		}
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(ca.RootPEM())
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: from, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}); err != nil {
			t.Errorf("Issue(%s): chain: %v", identity, err)
		}
	}
}

// TestTrustedRoot: sigstore-go reads back the CA, the CT log and the log.
func TestTrustedRoot(t *testing.T) {
	ca, err := NewCA(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := ca.CTLogPublicKeyPEM() // any P-256 PEM key serves as the log's
	if err != nil {
		t.Fatal(err)
	}
	b, err := ca.TrustedRoot("http://127.0.0.1:1", logKey)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := root.NewTrustedRootFromJSON(b)
	if err != nil {
		t.Fatalf("parsing the trusted root: %v", err)
	}
	if n, c, r := len(tr.FulcioCertificateAuthorities()), len(tr.CTLogs()), len(tr.RekorLogs()); n != 1 || c != 1 || r != 1 {
		t.Errorf("trusted root has %d CAs, %d CT logs, %d Rekor logs; want 1 each", n, c, r)
	}
}

func TestBadInput(t *testing.T) {
	cfg := testConfig()
	cfg.Seed = ""
	if _, err := NewCA(cfg); err == nil || !strings.Contains(err.Error(), "empty seed") {
		t.Errorf("NewCA without a seed: %v", err)
	}
	cfg = testConfig()
	cfg.NotAfter = cfg.NotBefore
	if _, err := NewCA(cfg); err == nil {
		t.Error("NewCA with an empty validity: no error")
	}
	ca, err := NewCA(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := ca.Issue("a@b", "https://i", at, at); err == nil {
		t.Error("Issue with an empty validity: no error")
	}
	if _, err := ca.TrustedRoot("http://x", []byte("not pem")); err == nil {
		t.Error("TrustedRoot with a non-PEM log key: no error")
	}
}
