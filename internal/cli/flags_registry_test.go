package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
)

// TestSignatureRepositoryRoundTrip signs two of the demo world's unsigned
// images with --signature-repository (legacy .sig tag and new bundle
// referrer): the signatures land in that repository, not beside the image;
// verify finds them there with the flag and with $COSIGN_REPOSITORY, and
// without either the image is unsigned. The real cosign, when installed,
// verifies the .sig with COSIGN_REPOSITORY.
func TestSignatureRepositoryRoundTrip(t *testing.T) {
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "test-password")
	t.Setenv("COSIGN_REPOSITORY", "")
	w := startDemo(t)
	var unsigned []string
	for _, c := range w.Cases {
		if c.Expect == model.VerdictUnsigned {
			unsigned = append(unsigned, c.Image)
		}
	}
	if len(unsigned) < 2 {
		t.Fatalf("the demo world has %d unsigned images, want 2", len(unsigned))
	}
	sigRepo := w.RegistryHost + "/signatures/store"
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}
	keyDir := filepath.Join(dir, "keys")
	pub := filepath.Join(keyDir, "cosign.pub")

	code, out, errs := runCLI(t, append([]string{
		"sign", unsigned[0], "--generate-key", "--key-dir", keyDir, "--entry-file", "",
		"--signature-repository", sigRepo, "--output", "json",
	}, logArgs...)...)
	if code != exitOK {
		t.Fatalf("sign --signature-repository = %d\n%s%s", code, out, errs)
	}
	var se signedEntry
	if err := json.Unmarshal([]byte(out), &se); err != nil || se.SignatureRepository != sigRepo {
		t.Fatalf("sign output %s (%v): want signatureRepository %q", out, err, sigRepo)
	}
	code, out, errs = runCLI(t, append([]string{
		"sign", unsigned[1], "--key", filepath.Join(keyDir, "cosign.key"), "--entry-file", "",
		"--new-bundle-format", "--signature-repository", sigRepo,
	}, logArgs...)...)
	if code != exitOK || !strings.Contains(out, "pushed to  "+sigRepo) {
		t.Fatalf("sign --new-bundle-format --signature-repository = %d\n%s%s", code, out, errs)
	}

	verify := func(img string, extra ...string) (int, string) {
		t.Helper()
		args := append([]string{"verify", img, "--key", pub, "--trusted-root", w.TrustedRootPath}, logArgs...)
		code, out, errs := runCLI(t, append(args, extra...)...)
		return code, out + errs
	}
	for _, img := range unsigned[:2] {
		// Beside the image there is nothing.
		if code, out := verify(img); code != exitFailed || !strings.Contains(out, "Nothing is attached") {
			t.Errorf("verify %s without the signature repository = %d, want %d and nothing attached\n%s", img, code, exitFailed, out)
		}
		if code, out := verify(img, "--signature-repository", sigRepo); code != exitOK {
			t.Errorf("verify %s --signature-repository = %d, want %d\n%s", img, code, exitOK, out)
		}
	}
	// The .sig tag's source names the signature repository.
	if _, out := verify(unsigned[0], "--signature-repository", sigRepo); !strings.Contains(out, "tag:"+sigRepo+":sha256-") {
		t.Errorf("verify --signature-repository does not show the .sig from %s\n%s", sigRepo, out)
	}
	t.Setenv("COSIGN_REPOSITORY", sigRepo)
	if code, out := verify(unsigned[0]); code != exitOK {
		t.Errorf("verify with $COSIGN_REPOSITORY = %d, want %d\n%s", code, exitOK, out)
	}
	t.Setenv("COSIGN_REPOSITORY", "")

	// A repository that does not parse is a usage error.
	if code, out := verify(unsigned[0], "--signature-repository", "UPPER/Case::bad"); code != exitUsageErr {
		t.Errorf("verify --signature-repository bad = %d, want %d\n%s", code, exitUsageErr, out)
	}

	// The real cosign reads what provscope wrote from COSIGN_REPOSITORY.
	cosign := testenv.Tool(t, "cosign")
	c := exec.Command(cosign, "verify", "--key", pub, "--rekor-url", w.LogURL, unsigned[0])
	c.Env = append(os.Environ(), "HOME="+dir, "SIGSTORE_REKOR_PUBLIC_KEY="+w.LogPublicKeyPath, "COSIGN_REPOSITORY="+sigRepo, "TUF_ROOT="+filepath.Join(dir, "tuf"))
	if b, err := c.CombinedOutput(); err != nil {
		t.Errorf("COSIGN_REPOSITORY=%s cosign verify: %v\n%s", sigRepo, err, b)
	}
	c = exec.Command(cosign, "verify", "--key", pub, "--rekor-url", w.LogURL, unsigned[0])
	c.Env = append(os.Environ(), "HOME="+dir, "SIGSTORE_REKOR_PUBLIC_KEY="+w.LogPublicKeyPath, "COSIGN_REPOSITORY=", "TUF_ROOT="+filepath.Join(dir, "tuf"))
	if b, err := c.CombinedOutput(); err == nil {
		t.Errorf("cosign verify without COSIGN_REPOSITORY passed; the signature should not be beside the image\n%s", b)
	}
}
