package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

// TestExportVerifiesWithCosign: the Sigstore bundle that `provscope export`
// writes for a logged signature is accepted by real cosign v2.6.5
// (`verify-blob --bundle` over the exported signed payload, with only the
// demo's trusted root and the signer's key, no TUF), and refused once one
// byte of the payload changes: the evidence re-verifies outside provscope.
func TestExportVerifiesWithCosign(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	dir := isolateEnv(t)
	w := startDemo(t)
	c := demoCase(t, w, "signed-legacy")
	k, ok := w.Key(c.Key)
	if !ok {
		t.Fatalf("the demo world has no key %q", c.Key)
	}
	ev, doc := exportDemo(t, w, c)
	var bundle, payload string
	for _, f := range doc.Files {
		switch f.Kind {
		case "sigstore-bundle":
			n := strings.TrimSuffix(f.Name, ".sigstore.json")
			if _, err := os.Stat(filepath.Join(ev, n+".payload.json")); err == nil {
				bundle, payload = filepath.Join(ev, f.Name), filepath.Join(ev, n+".payload.json")
			}
		}
	}
	if bundle == "" {
		t.Fatalf("the export has no bundle with its signed payload: %+v", doc.Files)
	}
	run := func(blob string) (string, error) {
		cmd := exec.CommandContext(t.Context(), cosign, "verify-blob", "--bundle", bundle, "--key", k.PublicKeyPath,
			"--trusted-root", w.TrustedRootPath, blob)
		cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + dir, "SIGSTORE_NO_CACHE=true", "TUF_ROOT=" + filepath.Join(dir, "tuf")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(payload); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign verify-blob --bundle %s: %v\n%s", filepath.Base(bundle), err, out)
	}
	b, err := os.ReadFile(payload)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(tampered); err == nil {
		t.Errorf("cosign accepted the bundle over a changed payload:\n%s", out)
	}
}
