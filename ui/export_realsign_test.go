package ui_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/ui"
)

// exportedFromRealLog signs an artifact with a key, logs it in provscope's
// embedded log on loopback, opens the explorer on that log, exports the
// entry and returns the exported cosign rekor bundle with everything needed
// to check it: the artifact, the signature, the signer's and the log's PEM
// keys.
func exportedFromRealLog(t *testing.T) (rekorBundle, artifact, sig, signerPEM, logPEM []byte) {
	t.Helper()
	artifact = []byte("artifact exported by the explorer\n")
	b, sig, signerPEM, logPEM := loggedArtifact(t, "export-test", artifact)
	a := startWith(t, b, 120, 40, func(c *ui.Common) {
		c.ExportDir = t.TempDir()
		c.LogName = "test"
		c.Now = time.Now
	})
	k := ui.DefaultKeyMap()
	press(t, a, k.Search) // the entry at log index 0
	typeText(t, a, "0")
	send(t, a, keyMsg("enter"))
	if a.CurrentEntryUUID() == "" {
		t.Fatalf("no entry under the cursor after searching for index 0; status %q", a.Status())
	}
	press(t, a, k.Export)
	st := a.Status()
	i := strings.Index(st, " to ")
	if !strings.HasPrefix(st, "wrote ") || i < 0 {
		t.Fatalf("status after export = %q, want wrote … to …", st)
	}
	files, _ := filepath.Glob(filepath.Join(st[i+4:], "entry-*.rekor-bundle.json"))
	if len(files) != 1 {
		t.Fatalf("export wrote %d rekor bundles, want 1", len(files))
	}
	rekorBundle, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return rekorBundle, artifact, sig, signerPEM, logPEM
}

// TestExportedBundleSETFromRealLog checks the exported rekor bundle with
// provscope's verifier against the SET the real embedded log signed (not a
// fake), and that a one-bit change of what it covers fails.
func TestExportedBundleSETFromRealLog(t *testing.T) {
	exported, artifact, sig, signerPEM, logPEM := exportedFromRealLog(t)
	rb, err := registry.ParseRekorBundle(string(exported))
	if err != nil {
		t.Fatalf("ParseRekorBundle(%s) = %v", exported, err)
	}
	logKey, err := proof.ParsePublicKeyPEM(logPEM)
	if err != nil {
		t.Fatal(err)
	}
	p := proof.SETPayload{Body: rb.Body, IntegratedTime: rb.IntegratedTime, LogID: rb.LogID, LogIndex: rb.LogIndex}
	if err := proof.VerifySET(rb.SignedEntryTimestamp, p, logKey); err != nil {
		t.Errorf("VerifySET(exported bundle, the log's key) = %v", err)
	}
	flipped := p
	flipped.Body = bytes.Clone(p.Body)
	flipped.Body[len(flipped.Body)/2] ^= 1
	later := p
	later.IntegratedTime++
	for name, q := range map[string]proof.SETPayload{"a body bit flipped": flipped, "integratedTime+1": later} {
		if err := proof.VerifySET(rb.SignedEntryTimestamp, q, logKey); err == nil {
			t.Errorf("VerifySET(exported bundle with %s) = nil error", name)
		}
	}
	// The exported body is the log's entry for this artifact, signature
	// and key.
	d, err := body.Decode(rb.Body)
	if err != nil {
		t.Fatalf("decoding the exported body: %v", err)
	}
	sum := sha256.Sum256(artifact)
	if d.ArtifactDigest.Hex != hex.EncodeToString(sum[:]) || !bytes.Equal(d.Signatures[0].Sig, sig) {
		t.Errorf("exported body records digest %s and signature %x, want sha256 %x and %x", d.ArtifactDigest, d.Signatures[0].Sig, sum, sig)
	}
	if err := body.VerifyDigestSignature(d.ArtifactDigest, d.Signatures[0].Sig, signerPEM); err != nil {
		t.Errorf("the exported body's signature does not verify under the signer's key: %v", err)
	}
}

// TestExportedBundleVerifiesWithCosign hands the exported rekor bundle to
// the real cosign: `cosign verify-blob --bundle` with the embedded log's key
// as the only Rekor key (SIGSTORE_REKOR_PUBLIC_KEY) and no network, so
// cosign itself checks the exported SET, body and signature. A tampered
// SET must fail.
func TestExportedBundleVerifiesWithCosign(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	exported, artifact, sig, signerPEM, logPEM := exportedFromRealLog(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	art := write("artifact.txt", artifact)
	pub := write("signer.pub", signerPEM)
	logKey := write("log.pub", logPEM)
	// cosign's legacy blob bundle: the signature beside the exported
	// rekorBundle object, as `cosign sign-blob --bundle` writes it.
	legacy := func(rekorBundle []byte) []byte {
		b, err := json.Marshal(map[string]any{
			"base64Signature": base64.StdEncoding.EncodeToString(sig),
			"rekorBundle":     json.RawMessage(rekorBundle),
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	verify := func(bundleFile string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, cosign, "verify-blob", "--key", pub, "--bundle", bundleFile, art)
		cmd.Dir = dir
		cmd.Env = []string{
			"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + dir,
			"SIGSTORE_REKOR_PUBLIC_KEY=" + logKey, "TUF_ROOT=" + filepath.Join(dir, "tuf"), "SIGSTORE_NO_CACHE=true",
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := verify(write("bundle.json", legacy(exported))); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign verify-blob --bundle <exported>: %v\n%s", err, out)
	}
	var rb map[string]any
	if err := json.Unmarshal(exported, &rb); err != nil {
		t.Fatal(err)
	}
	set, _ := base64.StdEncoding.DecodeString(rb["SignedEntryTimestamp"].(string))
	set[len(set)-2] ^= 1
	rb["SignedEntryTimestamp"] = base64.StdEncoding.EncodeToString(set)
	tampered, err := json.Marshal(rb)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verify(write("tampered.json", legacy(tampered))); err == nil {
		t.Errorf("cosign verify-blob accepted a tampered SET:\n%s", out)
	}
}
