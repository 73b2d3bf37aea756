package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/rekor/client"
)

func startDemo(t *testing.T) *demo.World {
	t.Helper()
	w, err := demo.Start(context.Background(), demo.Options{})
	if err != nil {
		t.Fatalf("starting the demo world: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func demoKeyPath(w *demo.World, name string) string {
	for _, k := range w.Keys {
		if k.Name == name {
			return k.PublicKeyPath
		}
	}
	return ""
}

// TestVerifyDemoWorld runs provscope verify on every image of the demo world
// with the key or keyless identity its case names: the verdict and exit
// code must be the case's.
func TestVerifyDemoWorld(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--trusted-root", w.TrustedRootPath}
	for _, c := range w.Cases {
		t.Run(c.Name, func(t *testing.T) {
			args := append([]string{"verify", c.Image, "--output", "json"}, logArgs...)
			if c.Key != "" {
				args = append(args, "--key", demoKeyPath(w, c.Key))
			}
			if c.Keyless() {
				args = append(args, "--certificate-identity", c.Identity, "--certificate-oidc-issuer", c.Issuer)
			}
			code, out, errs := runCLI(t, args...)
			var doc struct {
				Digest      string `json:"digest"`
				Verdict     string `json:"verdict"`
				Attachments []struct {
					Verdict string `json:"verdict"`
					Result  *struct {
						Steps []struct{ Name, Status string } `json:"steps"`
					} `json:"result"`
				} `json:"attachments"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("verify --output json: %v\n%s%s", err, out, errs)
			}
			if doc.Verdict != c.Expect.String() || doc.Digest != c.Digest {
				t.Fatalf("verify %s = %s (%s), want %s: %s\n%s", c.Image, doc.Verdict, doc.Digest, c.Expect, c.Expectation, out)
			}
			wantCode := exitFailed
			if c.Expect == model.VerdictVerified {
				wantCode = exitOK
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
		})
	}
	// Text output shows the steps and the stealth verdict.
	for _, c := range w.Cases {
		if c.Name != "stealth" {
			continue
		}
		code, out, _ := runCLI(t, append([]string{"verify", c.Image, "--key", demoKeyPath(w, c.Key)}, logArgs...)...)
		for _, want := range []string{"✓ Signature", "✗ Log entry", "stealth signing", "Verdict: not-logged"} {
			if !strings.Contains(out, want) {
				t.Errorf("verify stealth output lacks %q (exit %d):\n%s", want, code, out)
			}
		}
	}
	// Usage errors.
	for _, args := range [][]string{
		{"verify"},
		{"verify", "x", "--key", "/nonexistent"},
		{"verify", "x", "--key", w.LogPublicKeyPath, "--certificate-identity", "a"},
		{"verify", "x", "--certificate-identity", "a"},
		append([]string{"verify", w.RegistryHost + "/demo/nope:latest"}, logArgs...),
	} {
		if code, _, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("%v = %d, want %d (%s)", args, code, exitUsageErr, errs)
		}
	}
}

// TestReportDemoWorld reports on a tampered, a stealth-signed and a valid
// image of the demo world.
func TestReportDemoWorld(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	want := map[string]string{}
	var images []string
	for _, c := range w.Cases {
		if c.Name == "tampered" || c.Name == "stealth" || c.Name == "signed-legacy" {
			images = append(images, c.Image)
			want[c.Image] = c.Expect.String()
		}
	}
	file := filepath.Join(dir, "provenance-report.json")
	args := append([]string{"report"}, images...)
	args = append(args, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--key", demoKeyPath(w, "2026"), "-o", file)
	code, _, errs := runCLI(t, args...)
	if code != exitFailed {
		t.Fatalf("report = %d, want %d (not every image verified)\n%s", code, exitFailed, errs)
	}
	if !strings.Contains(errs, "1 verified, 0 unpinned, 1 failed, 1 not logged") {
		t.Errorf("stderr summary = %q", errs)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		SchemaVersion string `json:"schemaVersion"`
		GeneratedAt   string `json:"generatedAt"`
		Tool          struct{ Version string }
		Images        []struct {
			Reference, Digest, Verdict string
			Attachments                []struct {
				UUID           string `json:"entryUUID"`
				LogIndex       *int64 `json:"logIndex"`
				IntegratedTime string `json:"integratedTime"`
				Checkpoint     *struct{ Origin string }
			}
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.SchemaVersion != "2" || r.Tool.Version != buildVersion() || len(r.Images) != 3 {
		t.Fatalf("report header = %+v", r)
	}
	for i, img := range r.Images {
		if img.Reference != images[i] || img.Verdict != want[img.Reference] {
			t.Errorf("image %d = %s %s, want %s %s", i, img.Reference, img.Verdict, images[i], want[images[i]])
		}
		if img.Verdict == "verified" && (img.Attachments[0].LogIndex == nil || img.Attachments[0].IntegratedTime == "" || img.Attachments[0].Checkpoint == nil) {
			t.Errorf("verified image entry lacks index, time or checkpoint: %+v", img.Attachments[0])
		}
	}
	// Markdown to stdout.
	args = append([]string{"report"}, images...)
	args = append(args, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--key", demoKeyPath(w, "2026"), "--format", "markdown", "--parallel", "2")
	code, out, _ := runCLI(t, args...)
	if code != exitFailed || !strings.Contains(out, "# Provenance report") || !strings.Contains(out, "**not-logged**") {
		t.Errorf("report --format markdown = %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "report", "x", "--format", "xml"); code != exitUsageErr {
		t.Errorf("report --format xml = %d, want %d", code, exitUsageErr)
	}
}

// TestLogCommandsOnDemoWorld runs loginfo, get, proof and search against the
// demo world's log.
func TestLogCommandsOnDemoWorld(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}
	code, out, errs := runCLI(t, append([]string{"loginfo", "--output", "json"}, logArgs...)...)
	var li struct {
		Verdict string `json:"verdict"`
		Trees   []struct {
			Checkpoint struct{ Size uint64 } `json:"checkpoint"`
		} `json:"trees"`
	}
	if err := json.Unmarshal([]byte(out), &li); err != nil || code != exitOK || li.Verdict != "verified" || li.Trees[0].Checkpoint.Size == 0 {
		t.Fatalf("loginfo on the demo log = %d %+v %v\n%s", code, li, errs, out)
	}
	size := li.Trees[0].Checkpoint.Size
	for i := uint64(0); i < size; i++ {
		if code, out, errs := runCLI(t, append([]string{"get", "--log-index", strconv.FormatUint(i, 10)}, logArgs...)...); code != exitOK {
			t.Errorf("get --log-index %d = %d\n%s%s", i, code, out, errs)
		}
	}
	if code, out, errs := runCLI(t, append([]string{"proof", "--log-index", strconv.FormatUint(size-1, 10)}, logArgs...)...); code != exitOK || !strings.Contains(out, "leaf, the entry") {
		t.Errorf("proof = %d\n%s%s", code, out, errs)
	}
	// Every entry signed with the 2026 key is found by key.
	code, out, errs = runCLI(t, append([]string{"search", "--public-key", demoKeyPath(w, "2026"), "--output", "json"}, logArgs...)...)
	var found struct{ Count int }
	if err := json.Unmarshal([]byte(out), &found); err != nil || code != exitOK || found.Count == 0 || uint64(found.Count) > size {
		t.Errorf("search --public-key = %d %+v\n%s%s", code, found, out, errs)
	}
}

// TestVerifyKeylessIdentity runs provscope verify --certificate-identity
// --certificate-oidc-issuer on an image signed and attested keyless in
// cosign's legacy format: the signer's identity verifies (exit 0), another
// identity or issuer fails both the signature and the attestation (exit 1).
func TestVerifyKeylessIdentity(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	ctx := context.Background()
	const identity, issuer = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main", "https://token.actions.githubusercontent.com"
	f, err := inspecttest.NewFulcio(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := f.TrustedRoot(w.LogURL, w.LogPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	trFile := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(trFile, tr, 0o600); err != nil {
		t.Fatal(err)
	}
	ref := w.RegistryHost + "/keyless/app:2.0"
	d, err := inspecttest.PushRandomImage(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := client.New(client.Config{URL: w.LogURL})
	if err != nil {
		t.Fatal(err)
	}
	if err := inspecttest.SignKeyless(ctx, d, f, identity, issuer, inspecttest.Uploader(rc), time.Now()); err != nil {
		t.Fatal(err)
	}
	verify := func(id, iss string) (int, string) {
		t.Helper()
		code, out, errs := runCLI(t, "verify", ref, "--output", "json", "--log", w.LogURL, "--log-key", w.LogPublicKeyPath,
			"--trusted-root", trFile, "--certificate-identity", id, "--certificate-oidc-issuer", iss)
		var doc struct {
			Verdict     string `json:"verdict"`
			Attachments []struct {
				Kind    string `json:"kind"`
				Verdict string `json:"verdict"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("verify --output json: %v\n%s%s", err, out, errs)
		}
		kinds := ""
		for _, a := range doc.Attachments {
			kinds += a.Kind + "=" + a.Verdict + " "
		}
		return code, doc.Verdict + ": " + kinds
	}
	if code, got := verify(identity, issuer); code != exitOK || got != "verified: signature=verified attestation=verified " {
		t.Errorf("the signer's identity = %d %s", code, got)
	}
	if code, got := verify("https://github.com/mallory/app/.github/workflows/release.yml@refs/heads/main", issuer); code != exitFailed || got != "failed: signature=failed attestation=failed " {
		t.Errorf("another identity = %d %s", code, got)
	}
	if code, got := verify(identity, "https://accounts.google.com"); code != exitFailed || got != "failed: signature=failed attestation=failed " {
		t.Errorf("another issuer = %d %s", code, got)
	}
}

// TestVerifyAgainstTilesLog points verify at the demo log's tlog-tiles API:
// a Sigstore bundle verifies offline and its checkpoint is proven consistent
// from tiles with the one loginfo remembered through the same API; a legacy
// signature cannot be looked up there (no index) and says so (exit 1, error).
func TestVerifyAgainstTilesLog(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	logArgs := []string{"--log", w.LogURL + "/api/v2", "--log-key", w.LogPublicKeyPath, "--trusted-root", w.TrustedRootPath}
	if code, out, errs := runCLI(t, "loginfo", "--log", w.LogURL+"/api/v2", "--log-key", w.LogPublicKeyPath); code != exitOK {
		t.Fatalf("loginfo on the tiles API = %d\n%s%s", code, out, errs)
	}
	for _, c := range w.Cases {
		if c.Name != "signed-bundle" && c.Name != "signed-legacy" {
			continue
		}
		code, out, errs := runCLI(t, append([]string{"verify", c.Image, "--key", demoKeyPath(w, c.Key)}, logArgs...)...)
		switch c.Name {
		case "signed-bundle":
			if code != exitOK || !strings.Contains(out, "✓ Consistency with remembered checkpoint") || !strings.Contains(out, "is consistent with the remembered size") {
				t.Errorf("bundle on the tiles API = %d\n%s%s", code, out, errs)
			}
		case "signed-legacy":
			if code != exitFailed || !strings.Contains(out, "no lookup by leaf hash") || !strings.Contains(out, "Verdict: error") {
				t.Errorf("legacy signature on the tiles API = %d\n%s%s", code, out, errs)
			}
		}
	}
}

// TestVerifyBundleConsistencyInConfiguredLog: the bundle's entry is in a
// log named in logs.json, not the --log one: its checkpoint is compared with
// what loginfo remembered for the configured log whose key signs it.
func TestVerifyBundleConsistencyInConfiguredLog(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	writeLogsConfig(t, dir, map[string]any{"logs": []map[string]string{{"name": "demo", "url": w.LogURL, "publicKey": string(w.LogPublicKeyPEM)}}})
	if code, out, errs := runCLI(t, "loginfo", "--log", "demo"); code != exitOK {
		t.Fatalf("loginfo --log demo = %d\n%s%s", code, out, errs)
	}
	for _, c := range w.Cases {
		if c.Name != "signed-bundle" {
			continue
		}
		// public-good has a pinned key: opening it needs no network, and a
		// bundle needs no lookup.
		code, out, errs := runCLI(t, "verify", c.Image, "--log", "public-good", "--key", demoKeyPath(w, c.Key), "--trusted-root", w.TrustedRootPath, "--verbose")
		if code != exitOK || !strings.Contains(out, "✓ Consistency with remembered checkpoint") || !strings.Contains(out, "demo ("+w.LogURL+")") {
			t.Errorf("verify --log public-good of a bundle in the demo log = %d\n%s%s", code, out, errs)
		}
	}
}
