package cli

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// exportDemo exports the evidence of a demo case into a new directory.
func exportDemo(t *testing.T, w *demo.World, c demo.Case) (string, inspect.EvidenceDoc) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "evidence")
	code, out, errs := runCLI(t, "export", c.Image, "--out", dir, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--output", "json")
	if code != exitOK {
		t.Fatalf("export %s: exit %d\n%s%s", c.Image, code, out, errs)
	}
	var doc inspect.EvidenceDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export --output json: %v\n%s", err, out)
	}
	index, err := os.ReadFile(filepath.Join(dir, inspect.EvidenceIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(index) != out {
		t.Errorf("--output json and evidence.json differ:\n%s\n---\n%s", out, index)
	}
	return dir, doc
}

// verifyEvidenceFile runs the command that re-verifies one file of a set
// offline and returns its exit code.
func verifyEvidenceFile(t *testing.T, w *demo.World, c demo.Case, dir string, f inspect.EvidenceFileDoc, doc inspect.EvidenceDoc) (int, string) {
	t.Helper()
	p := filepath.Join(dir, f.Name)
	var args []string
	switch f.Kind {
	case "tlog-proof", "checkpoint":
		args = []string{"verify-entry", p, "--log-key", w.LogPublicKeyPath}
	case "sigstore-bundle", "payload":
		var e inspect.EvidenceEntryDoc
		for _, x := range doc.Entries {
			if x.Bundle == f.Name || x.Payload == f.Name {
				e = x
			}
		}
		args = []string{"verify-bundle", filepath.Join(dir, e.Bundle), "--trusted-root", w.TrustedRootPath, "--key", demoKeyPath(w, c.Key)}
		if e.Kind == "hashedrekord" && e.Payload != "" {
			args = append(args, "--artifact", filepath.Join(dir, e.Payload))
		} else {
			args = append(args, "--digest", c.Digest)
		}
	default:
		t.Fatalf("file %s of unknown kind %q", f.Name, f.Kind)
	}
	code, out, errs := runCLI(t, args...)
	return code, strings.Join(args, " ") + "\n" + out + errs
}

// TestExportReverifiesOffline: every file of an exported evidence set
// re-verifies offline, and a one-byte change of
// any file makes both its own verification and evidence.json's fail.
func TestExportReverifiesOffline(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	c := demoCase(t, w, "signed-legacy")
	dir, doc := exportDemo(t, w, c)
	kinds := map[string]int{}
	for _, f := range doc.Files {
		kinds[f.Kind]++
	}
	if kinds["sigstore-bundle"] != 2 || kinds["tlog-proof"] != 2 || kinds["checkpoint"] < 1 || kinds["payload"] != 1 {
		t.Fatalf("evidence files %v, want 2 bundles, 2 tlog-proofs, the signature's payload and checkpoints\n%+v", kinds, doc)
	}
	// From here on nothing talks to the log or the registry: verify-entry
	// and verify-bundle take no log flag.
	index := filepath.Join(dir, inspect.EvidenceIndexFile)
	if code, out, errs := runCLI(t, "verify-entry", index, "--log-key", w.LogPublicKeyPath); code != exitOK {
		t.Fatalf("verify-entry evidence.json: exit %d\n%s%s", code, out, errs)
	}
	for _, f := range doc.Files {
		if code, out := verifyEvidenceFile(t, w, c, dir, f, doc); code != exitOK {
			t.Fatalf("%s does not verify: exit %d\n%s", f.Name, code, out)
		}
	}
	if t.Failed() || os.Getenv("PROVSCOPE_KEEP_EVIDENCE") != "" {
		t.Logf("evidence in %s", dir)
	}
	for _, name := range append([]string{inspect.EvidenceIndexFile}, fileNames(doc)...) {
		p := filepath.Join(dir, name)
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for k := 1; k <= 5; k++ {
			pos := len(orig) * k / 6
			mut := append([]byte(nil), orig...)
			mut[pos] ^= 0x01
			if err := os.WriteFile(p, mut, 0o600); err != nil {
				t.Fatal(err)
			}
			if code, out, _ := runCLI(t, "verify-entry", index, "--log-key", w.LogPublicKeyPath); code == exitOK {
				t.Errorf("evidence.json still verifies after flipping byte %d of %s:\n%s", pos, name, out)
			}
			for _, f := range doc.Files {
				if f.Name != name {
					continue
				}
				if code, out := verifyEvidenceFile(t, w, c, dir, f, doc); code == exitOK {
					t.Errorf("%s still verifies after flipping byte %d (%q):\n%s", name, pos, orig[pos], out)
				}
			}
		}
		if err := os.WriteFile(p, orig, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func fileNames(doc inspect.EvidenceDoc) []string {
	var out []string
	for _, f := range doc.Files {
		out = append(out, f.Name)
	}
	return out
}

// TestVerifyEntryReadsCosignBundleAnnotation: cosign's bundle annotation
// (what the explorer's entry-N.rekor-bundle.json holds) is read, not
// rejected: it carries a SET and no inclusion proof, so it verifies only
// with --allow-set-only, and a flipped byte of its body fails.
func TestVerifyEntryReadsCosignBundleAnnotation(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	dir, doc := exportDemo(t, w, demoCase(t, w, "signed-legacy"))
	raw, err := os.ReadFile(filepath.Join(dir, doc.Entries[0].Bundle))
	if err != nil {
		t.Fatal(err)
	}
	es, err := inspect.BundleLogEntries(raw)
	if err != nil {
		t.Fatal(err)
	}
	e := es[0]
	it, idx, id := e.IntegratedTime.Unix(), e.LogIndex, e.LogID
	ann, err := cosignfmt.LegacyBundleAnnotation(&models.LogEntryAnon{
		Body: base64.StdEncoding.EncodeToString(e.Body), IntegratedTime: &it, LogIndex: &idx, LogID: &id,
		Verification: &models.LogEntryAnonVerification{SignedEntryTimestamp: strfmt.Base64(e.SET)},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "entry.rekor-bundle.json")
	if err := os.WriteFile(p, []byte(ann), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "verify-entry", p, "--log-key", w.LogPublicKeyPath); code != exitFailed || !strings.Contains(out, "inclusion") {
		t.Errorf("without --allow-set-only: exit %d, want %d (no inclusion proof)\n%s%s", code, exitFailed, out, errs)
	}
	if code, out, errs := runCLI(t, "verify-entry", p, "--log-key", w.LogPublicKeyPath, "--allow-set-only"); code != exitOK {
		t.Fatalf("--allow-set-only: exit %d\n%s%s", code, out, errs)
	}
	bad := []byte(strings.Replace(ann, `"integratedTime":`, `"integratedTime":1`, 1))
	if err := os.WriteFile(p, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "verify-entry", p, "--log-key", w.LogPublicKeyPath, "--allow-set-only"); code == exitOK {
		t.Errorf("a changed integrated time still verifies:\n%s", out)
	}
}

// TestExportKeylessAndByIndex: a keyless signature's bundle carries its
// certificate and verifies with the identity policy; an entry exported by
// log index re-verifies too; a short digest is an input error.
func TestExportKeylessAndByIndex(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	c := demoCase(t, w, "keyless")
	dir, doc := exportDemo(t, w, c)
	var e inspect.EvidenceEntryDoc
	for _, x := range doc.Entries {
		if x.Payload != "" {
			e = x
		}
	}
	if e.Bundle == "" || e.Signer.Subject != c.Identity {
		t.Fatalf("keyless export: entries %+v, want a signature by %s with a bundle and payload", doc.Entries, c.Identity)
	}
	args := []string{"verify-bundle", filepath.Join(dir, e.Bundle), "--artifact", filepath.Join(dir, e.Payload), "--trusted-root", w.TrustedRootPath}
	if code, out, errs := runCLI(t, append(args, "--certificate-identity", c.Identity, "--certificate-oidc-issuer", c.Issuer)...); code != exitOK {
		t.Fatalf("keyless bundle: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runCLI(t, append(args, "--certificate-identity", "mallory@example.com", "--certificate-oidc-issuer", c.Issuer)...); code != exitFailed {
		t.Errorf("keyless bundle with another identity: exit %d, want %d", code, exitFailed)
	}

	byIndex := filepath.Join(t.TempDir(), "ev")
	if code, out, errs := runCLI(t, "export", "--log-index", "0", "--out", byIndex, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath); code != exitOK {
		t.Fatalf("export --log-index 0: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "verify-entry", filepath.Join(byIndex, inspect.EvidenceIndexFile), "--log-key", w.LogPublicKeyPath); code != exitOK {
		t.Fatalf("verify-entry of the by-index set: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "export", c.Digest[:15], "--out", t.TempDir(), "--log", w.LogURL, "--log-key", w.LogPublicKeyPath); code != exitUsageErr {
		t.Errorf("export of a short digest: exit %d, want %d: %s", code, exitUsageErr, errs)
	}
}
