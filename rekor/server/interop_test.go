package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/provscope/provscope/internal/testenv"
)

// tool runs a real client binary with a fresh HOME and the given extra
// environment, failing t on a non-zero exit unless wantFail.
type tool struct {
	t    *testing.T
	bin  string
	dir  string
	env  []string
	home string
}

func newTool(t *testing.T, name string, env ...string) *tool {
	t.Helper()
	bin := testenv.Tool(t, name)
	home := t.TempDir()
	return &tool{t: t, bin: bin, dir: t.TempDir(), env: env, home: home}
}

func (c *tool) run(args ...string) string {
	c.t.Helper()
	out, err := c.try(args...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", filepath.Base(c.bin), strings.Join(args, " "), err, out)
	}
	return out
}

func (c *tool) try(args ...string) (string, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = append([]string{"HOME=" + c.home, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + c.dir}, c.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *tool) write(name string, b []byte) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// signedArtifact writes an artifact, an ECDSA signature over it and the
// public key (or, with email set, a self-signed certificate carrying that
// email address) and returns their paths and the artifact digest.
func signedArtifact(t *testing.T, c *tool, name, email string) (artifact, sig, key, digest string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte(name + " " + time.Now().String())
	d := sha256.Sum256(content)
	s, err := ecdsa.SignASN1(rand.Reader, priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	var keyPEM []byte
	if email == "" {
		if keyPEM, err = cryptoutils.MarshalPublicKeyToPEM(priv.Public()); err != nil {
			t.Fatal(err)
		}
	} else {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: email},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			EmailAddresses: []string{email}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
		if err != nil {
			t.Fatal(err)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return c.write(name, content), c.write(name+".sig", s), c.write(name+".pem", keyPEM), hex.EncodeToString(d[:])
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{80}`)

func TestInteropRekorCLI(t *testing.T) {
	l, srv := testLog(t, Config{})
	c := newTool(t, "rekor-cli", "REKOR_REKOR_SERVER_PUBLIC_KEY="+string(l.PublicKeyPEM()))
	rs := "--rekor_server=" + srv.URL

	art, sig, key, digest := signedArtifact(t, c, "a.txt", "")
	out := c.run("upload", rs, "--artifact", art, "--signature", sig, "--public-key", key)
	if !strings.Contains(out, "Created entry at index 0") {
		t.Fatalf("upload: %s", out)
	}
	id := uuidRE.FindString(out)
	if id == "" {
		t.Fatalf("upload printed no 80-hex entry id: %s", out)
	}
	if out := c.run("upload", rs, "--artifact", art, "--signature", sig, "--public-key", key); !strings.Contains(out, "Entry already exists") {
		t.Errorf("second upload: %s", out)
	}
	for _, args := range [][]string{{"--log-index", "0"}, {"--uuid", id}, {"--uuid", id[16:]}} {
		out := c.run(append([]string{"get", rs, "--format", "json"}, args...)...)
		var got struct {
			UUID     string
			LogIndex int
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.LogIndex != 0 || !strings.HasSuffix(id, got.UUID) {
			t.Errorf("get %v = %s (%v), want entry 0 %s", args, out, err, id)
		}
	}
	for _, args := range [][]string{{"--uuid", id}, {"--uuid", id[16:]}, {"--artifact", art, "--signature", sig, "--public-key", key}} {
		if out := c.run(append([]string{"verify", rs}, args...)...); !strings.Contains(out, "Inclusion Proof") {
			t.Errorf("verify %v: %s", args, out)
		}
	}
	// certificate with an email address
	eart, esig, ecert, _ := signedArtifact(t, c, "e.txt", "signer@example.com")
	c.run("upload", rs, "--artifact", eart, "--signature", esig, "--public-key", ecert)

	if out := c.run("search", rs, "--sha", digest); !strings.Contains(out, id) {
		t.Errorf("search --sha: %s, want %s", out, id)
	}
	if out := c.run("search", rs, "--public-key", key); !strings.Contains(out, id) {
		t.Errorf("search --public-key: %s, want %s", out, id)
	}
	out = c.run("search", rs, "--email", "signer@example.com")
	if ids := uuidRE.FindAllString(out, -1); len(ids) != 1 || ids[0] == id {
		t.Errorf("search --email: %s, want the certificate's entry", out)
	}
	sizeRE := regexp.MustCompile(`Total Tree Size:\s+(\d+)`)
	if out := c.run("loginfo", rs); sizeRE.FindStringSubmatch(out) == nil || sizeRE.FindStringSubmatch(out)[1] != "2" || !strings.Contains(out, "Verification Successful") {
		t.Errorf("loginfo: %s", out)
	}
	for i := range 3 {
		a, s, k, _ := signedArtifact(t, c, "more"+string(rune('0'+i)), "")
		c.run("upload", rs, "--artifact", a, "--signature", s, "--public-key", k)
	}
	// The second loginfo checks consistency with the checkpoint stored by
	// the first one.
	if out := c.run("loginfo", rs); sizeRE.FindStringSubmatch(out) == nil || sizeRE.FindStringSubmatch(out)[1] != "5" ||
		!strings.Contains(out, "Verification Successful") || strings.Contains(out, "No previous log state") {
		t.Errorf("second loginfo: %s", out)
	}
	if _, err := os.Stat(filepath.Join(c.home, ".rekor")); err != nil {
		t.Errorf("rekor-cli stored no tree state, so consistency was not checked: %v", err)
	}
}
