package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// cosignEnv sets up cosign against log l: a key pair, the log key trusted
// through SIGSTORE_REKOR_PUBLIC_KEY, and no TUF.
func cosignEnv(t *testing.T, l *Log) *tool {
	t.Helper()
	keyDir := t.TempDir()
	logKey := filepath.Join(keyDir, "log.pem")
	if err := os.WriteFile(logKey, l.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newTool(t, "cosign", "COSIGN_PASSWORD=test", "COSIGN_YES=true", "SIGSTORE_REKOR_PUBLIC_KEY="+logKey,
		"TUF_ROOT="+filepath.Join(keyDir, "tuf"), "SIGSTORE_NO_CACHE=true")
	c.run("generate-key-pair")
	return c
}

func TestInteropCosignBlob(t *testing.T) {
	l, srv := testLog(t, Config{})
	c := cosignEnv(t, l)
	rekor := "--rekor-url=" + srv.URL

	t.Run("bundle", func(t *testing.T) {
		art := c.write("blob1.txt", []byte("blob one"))
		c.run("sign-blob", "--key", "cosign.key", rekor, "--bundle", "b.json", art)
		if out := c.run("verify-blob", "--key", "cosign.pub", "--bundle", "b.json", art); !strings.Contains(out, "Verified OK") {
			t.Errorf("verify-blob --bundle: %s", out)
		}
		tampered := c.write("blob1-tampered.txt", []byte("blob one!"))
		if out, err := c.try("verify-blob", "--key", "cosign.pub", "--bundle", "b.json", tampered); err == nil {
			t.Errorf("verify-blob of a tampered blob passed: %s", out)
		}
	})
	t.Run("no bundle", func(t *testing.T) {
		art := c.write("blob2.txt", []byte("blob two"))
		c.run("sign-blob", "--key", "cosign.key", rekor, "--output-signature", "blob2.sig", art)
		if out := c.run("verify-blob", "--key", "cosign.pub", rekor, "--signature", "blob2.sig", art); !strings.Contains(out, "Verified OK") {
			t.Errorf("verify-blob --signature: %s", out)
		}
	})
	t.Run("new bundle format", func(t *testing.T) {
		art := c.write("blob3.txt", []byte("blob three"))
		c.run("trusted-root", "create", "--rekor", fmt.Sprintf("url=%s,public-key=%s,start-time=2020-01-01T00:00:00Z", srv.URL, c.envValue("SIGSTORE_REKOR_PUBLIC_KEY")), "--out", "tr.json")
		c.run("sign-blob", "--new-bundle-format", "--key", "cosign.key", rekor, "--bundle", "nb.json", art)
		if out := c.run("verify-blob", "--new-bundle-format", "--trusted-root", "tr.json", "--key", "cosign.pub", "--bundle", "nb.json", art); !strings.Contains(out, "Verified OK") {
			t.Errorf("verify-blob --new-bundle-format: %s", out)
		}
	})
	if l.Size() != 3 {
		t.Errorf("log size = %d after three signatures, want 3", l.Size())
	}
}

func (c *tool) envValue(k string) string {
	for _, kv := range c.env {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

func TestInteropCosignImage(t *testing.T) {
	l, srv := testLog(t, Config{})
	c := cosignEnv(t, l)
	rekor := "--rekor-url=" + srv.URL
	reg := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(strings.TrimPrefix(reg.URL, "http://")+"/demo/app:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	image := ref.Context().Digest(d.String()).String()

	c.run("sign", "--key", "cosign.key", rekor, "--tlog-upload=true", image)
	if out := c.run("verify", "--key", "cosign.pub", rekor, image); !strings.Contains(out, "The signatures were verified against the specified public key") {
		t.Errorf("verify: %s", out)
	}
	pred := c.write("pred.json", []byte(`{"builder":{"id":"https://example.com/builder"},"buildType":"test"}`))
	c.run("attest", "--key", "cosign.key", rekor, "--type", "slsaprovenance", "--predicate", pred, image)
	if out := c.run("verify-attestation", "--key", "cosign.pub", rekor, "--type", "slsaprovenance", image); !strings.Contains(out, "Verification for") {
		t.Errorf("verify-attestation (dsse): %s", out)
	}
	c.run("attest", "--key", "cosign.key", rekor, "--rekor-entry-type", "intoto", "--type", "custom", "--predicate", pred, image)
	if out := c.run("verify-attestation", "--key", "cosign.pub", rekor, "--type", "custom", image); !strings.Contains(out, "Verification for") {
		t.Errorf("verify-attestation (intoto): %s", out)
	}
	if l.Size() != 3 {
		t.Fatalf("log size = %d after sign + 2 attest, want 3", l.Size())
	}
	var kinds []string
	for i := range uint64(3) {
		_, e, err := l.entryByIndex(context.Background(), l.state.Load(), i)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := base64.StdEncoding.DecodeString(e.Body.(string))
		var k struct{ Kind, APIVersion string }
		_ = json.Unmarshal(body, &k)
		kinds = append(kinds, k.Kind+"/"+k.APIVersion)
	}
	if got, want := strings.Join(kinds, " "), "hashedrekord/0.0.1 dsse/0.0.1 intoto/0.0.1"; got != want {
		t.Errorf("stored kinds = %s, want %s", got, want)
	}
}
