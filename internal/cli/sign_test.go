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

// TestSignThenVerify signs the demo world's unsigned images with a fresh key
// in both formats, then checks provscope verify and, when the real cosign
// is installed, cosign verify accept them.
func TestSignThenVerify(t *testing.T) {
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "test-password")
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
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}
	keyDir := filepath.Join(dir, "keys")
	entryFile := filepath.Join(dir, "provenance-entry.json")

	// Legacy format with a generated key.
	code, out, errs := runCLI(t, append([]string{"sign", unsigned[0], "--generate-key", "--key-dir", keyDir, "--entry-file", entryFile}, logArgs...)...)
	if code != exitOK {
		t.Fatalf("sign --generate-key = %d\n%s%s", code, out, errs)
	}
	b, err := os.ReadFile(entryFile)
	if err != nil {
		t.Fatal(err)
	}
	var se signedEntry
	if err := json.Unmarshal(b, &se); err != nil || len(se.UUID) != 80 || se.Digest == "" || se.Image != unsigned[0] || se.IntegratedTime == "" || se.Format != "legacy" {
		t.Fatalf("provenance-entry.json = %s (%v)", b, err)
	}
	pub := filepath.Join(keyDir, "cosign.pub")
	if code, out, errs := runCLI(t, append([]string{"verify", unsigned[0], "--key", pub}, logArgs...)...); code != exitOK {
		t.Fatalf("verify after sign = %d\n%s%s", code, out, errs)
	}
	// The entry is in the log at the recorded index.
	if code, out, _ := runCLI(t, append([]string{"get", "--uuid", se.UUID}, logArgs...)...); code != exitOK || !strings.Contains(out, "Verdict: verified") {
		t.Errorf("get --uuid of the signed entry = %d\n%s", code, out)
	}

	// New bundle format with the same key, read back with --key.
	code, out, errs = runCLI(t, append([]string{"sign", unsigned[1], "--key", filepath.Join(keyDir, "cosign.key"), "--new-bundle-format", "--entry-file", entryFile, "--output", "json"}, logArgs...)...)
	if code != exitOK || !strings.Contains(out, `"format": "bundle"`) {
		t.Fatalf("sign --new-bundle-format = %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"verify", unsigned[1], "--key", pub, "--trusted-root", w.TrustedRootPath}, logArgs...)...); code != exitOK {
		t.Fatalf("verify after sign --new-bundle-format = %d\n%s%s", code, out, errs)
	}

	// Usage errors.
	for _, args := range [][]string{
		{"sign", unsigned[0]},
		{"sign", unsigned[0], "--key", "x", "--generate-key"},
		append([]string{"sign", unsigned[0], "--generate-key", "--key-dir", keyDir}, logArgs...), // exists
		append([]string{"sign", unsigned[0], "--key", pub}, logArgs...),                          // not a private key
	} {
		if code, _, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("%v = %d, want %d (%s)", args, code, exitUsageErr, errs)
		}
	}

	// A tiles log is read-only: refused (exit 2) before a key pair is written.
	freshDir := filepath.Join(dir, "fresh-keys")
	if code, _, errs := runCLI(t, "sign", unsigned[0], "--generate-key", "--key-dir", freshDir, "--log", w.LogURL+"/api/v2"); code != exitUsageErr || !strings.Contains(errs, "read-only tiles log") {
		t.Errorf("sign to a tiles log = %d (%s), want %d", code, errs, exitUsageErr)
	}
	if _, err := os.Stat(filepath.Join(freshDir, "cosign.key")); !os.IsNotExist(err) {
		t.Errorf("sign to a tiles log wrote a key pair (%v)", err)
	}

	// The real cosign accepts both.
	cosign := testenv.Tool(t, "cosign")
	run := func(args ...string) {
		t.Helper()
		c := exec.Command(cosign, args...)
		c.Env = append(os.Environ(), "HOME="+dir, "SIGSTORE_REKOR_PUBLIC_KEY="+w.LogPublicKeyPath, "COSIGN_EXPERIMENTAL=0", "TUF_ROOT="+filepath.Join(dir, "tuf"))
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("verify", "--key", pub, "--rekor-url", w.LogURL, unsigned[0])
	run("verify", "--key", pub, "--new-bundle-format", "--trusted-root", w.TrustedRootPath, unsigned[1])
}
