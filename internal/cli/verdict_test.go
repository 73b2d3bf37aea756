package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

func demoCaseNamed(t *testing.T, w *demo.World, name string) demo.Case {
	t.Helper()
	for _, c := range w.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the demo world has no case %q", name)
	return demo.Case{}
}

type verifyJSON struct {
	Verdict      string         `json:"verdict"`
	Reason       string         `json:"reason"`
	SignerPinned *bool          `json:"signerPinned"`
	Signers      []model.Signer `json:"signers"`
	Attachments  []struct {
		Verdict string `json:"verdict"`
	} `json:"attachments"`
}

// TestVerifyUnpinned: without a signer policy, verify never says verified:
// it exits 3, its text says "unpinned", lists the signers found and names
// the flags that pin one, and its JSON carries signerPinned false and the
// signers; with --key (or an identity) it exits 0 with verified.
func TestVerifyUnpinned(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--trusted-root", w.TrustedRootPath}
	legacy, keyless := demoCaseNamed(t, w, "signed-legacy"), demoCaseNamed(t, w, "keyless")
	k2026, _ := w.Key("2026")

	codeU, textU, _ := runCLI(t, append([]string{"verify", legacy.Image}, logArgs...)...)
	codeP, textP, _ := runCLI(t, append([]string{"verify", legacy.Image, "--key", k2026.PublicKeyPath}, logArgs...)...)
	if codeU != exitUnpinned || codeP != exitOK {
		t.Fatalf("verify exit: unpinned %d, pinned %d; want %d and %d\n%s", codeU, codeP, exitUnpinned, exitOK, textU)
	}
	for _, want := range []string{"Verdict: unpinned: intact and logged, signer not pinned", "--key", "--certificate-identity", "--certificate-oidc-issuer", "Signers found:", "key sha256:" + k2026.Fingerprint, "→ unpinned"} {
		if !strings.Contains(textU, want) {
			t.Errorf("unpinned verify text lacks %q:\n%s", want, textU)
		}
	}
	if strings.Contains(textU, "verified\n") || strings.Contains(textU, "Verdict: verified") {
		t.Errorf("unpinned verify text says verified:\n%s", textU)
	}
	if !strings.Contains(textP, "Verdict: verified: the signature verified") || strings.Contains(textP, "unpinned") {
		t.Errorf("pinned verify text:\n%s", textP)
	}

	decode := func(args ...string) (int, verifyJSON) {
		t.Helper()
		code, out, errs := runCLI(t, append(append([]string{"verify", "--output", "json"}, args...), logArgs...)...)
		var d verifyJSON
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("verify --output json %v: %v\n%s%s", args, err, out, errs)
		}
		return code, d
	}
	code, d := decode(legacy.Image)
	if code != exitUnpinned || d.Verdict != "unpinned" || d.SignerPinned == nil || *d.SignerPinned ||
		len(d.Signers) != 1 || d.Signers[0].KeyFingerprint != k2026.Fingerprint || d.Attachments[0].Verdict != "unpinned" {
		t.Errorf("unpinned JSON: exit %d, %+v", code, d)
	}
	code, d = decode(legacy.Image, "--key", k2026.PublicKeyPath)
	if code != exitOK || d.Verdict != "verified" || d.SignerPinned == nil || !*d.SignerPinned || d.Attachments[0].Verdict != "verified" {
		t.Errorf("pinned JSON: exit %d, %+v", code, d)
	}
	code, d = decode(keyless.Image)
	if code != exitUnpinned || len(d.Signers) != 1 || d.Signers[0].Subject != keyless.Identity || d.Signers[0].Issuer != keyless.Issuer {
		t.Errorf("unpinned keyless JSON: exit %d, %+v", code, d)
	}
	code, d = decode(keyless.Image, "--certificate-identity", keyless.Identity, "--certificate-oidc-issuer", keyless.Issuer)
	if code != exitOK || d.Verdict != "verified" {
		t.Errorf("pinned keyless JSON: exit %d, %+v", code, d)
	}
	// The rogue key's image is intact and logged: unpinned without a
	// policy, failed with the world's key, naming who signed.
	rogue := demoCaseNamed(t, w, "rogue-key")
	if code, _ := decode(rogue.Image); code != exitUnpinned {
		t.Errorf("verify %s without a key = %d, want %d", rogue.Name, code, exitUnpinned)
	}
	code, text, _ := runCLI(t, append([]string{"verify", rogue.Image, "--key", k2026.PublicKeyPath}, logArgs...)...)
	if want := "signed by key " + w.RogueKeyFingerprint[:8] + "… (not the pinned key " + k2026.Fingerprint[:8] + "…)"; code != exitFailed || !strings.Contains(text, want) {
		t.Errorf("verify %s --key 2026 = %d, want %d and %q:\n%s", rogue.Name, code, exitFailed, want, text)
	}
}

// TestReportUnpinned: report without a signer policy exits 3 and says so
// in its JSON (policy.signerPinned, totals.unpinned, per image).
func TestReportUnpinned(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	images := []string{demoCaseNamed(t, w, "signed-legacy").Image, demoCaseNamed(t, w, "logged-twice").Image}
	args := append([]string{"report"}, images...)
	code, out, errs := runCLI(t, append(args, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath)...)
	if code != exitUnpinned {
		t.Fatalf("report without a key = %d, want %d\n%s", code, exitUnpinned, errs)
	}
	var r struct {
		Policy struct {
			SignerPinned *bool `json:"signerPinned"`
		} `json:"policy"`
		Totals report.Totals `json:"totals"`
		Images []struct {
			Verdict      string         `json:"verdict"`
			SignerPinned *bool          `json:"signerPinned"`
			Signers      []model.Signer `json:"signers"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Policy.SignerPinned == nil || *r.Policy.SignerPinned || r.Totals.Unpinned != 2 || r.Totals.Verified != 0 ||
		r.Images[0].Verdict != "unpinned" || r.Images[0].SignerPinned == nil || *r.Images[0].SignerPinned || len(r.Images[0].Signers) == 0 {
		t.Errorf("report = policy %+v totals %+v image %+v", r.Policy, r.Totals, r.Images[0])
	}
	k2026, _ := w.Key("2026")
	if code, _, errs := runCLI(t, append(args, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--key", k2026.PublicKeyPath)...); code != exitOK {
		t.Errorf("report --key 2026 = %d, want %d\n%s", code, exitOK, errs)
	}
}

// TestInputErrorsExit2: every input error exits 2 with a message that
// says what to do: a private key given as --key, a trusted root that is
// not one (for key-signed, bundle and keyless images alike, and for report
// and the explorer), a query the log refuses as malformed.
func TestInputErrorsExit2(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	privPath := filepath.Join(dir, "cosign.key")
	if err := os.WriteFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cosignPriv := filepath.Join(dir, "cosign2.key")
	if err := os.WriteFile(cosignPriv, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: []byte("x")}), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(garbage, []byte(`{"not":"a trusted root"`), 0o600); err != nil {
		t.Fatal(err)
	}
	legacy, bundle, keyless := demoCaseNamed(t, w, "signed-legacy"), demoCaseNamed(t, w, "signed-bundle"), demoCaseNamed(t, w, "keyless")
	k2026, _ := w.Key("2026")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"private key", append([]string{"verify", legacy.Image, "--key", privPath}, logArgs...), "this is a private key; pass the public key (cosign public-key --key " + privPath},
		{"cosign private key", append([]string{"verify", legacy.Image, "--key", cosignPriv}, logArgs...), "this is a private key"},
		{"garbage trusted root, key-signed", append([]string{"verify", legacy.Image, "--key", k2026.PublicKeyPath, "--trusted-root", garbage}, logArgs...), "--trusted-root " + garbage},
		{"garbage trusted root, bundle", append([]string{"verify", bundle.Image, "--key", k2026.PublicKeyPath, "--trusted-root", garbage}, logArgs...), "parsing trusted root"},
		{"garbage trusted root, keyless", append([]string{"verify", keyless.Image, "--trusted-root", garbage}, logArgs...), "parsing trusted root"},
		{"garbage trusted root, report", append([]string{"report", legacy.Image, "--trusted-root", garbage}, logArgs...), "parsing trusted root"},
		{"garbage trusted root, explorer", []string{"tui", "--registry", w.RegistryHost, "--log", w.LogURL, "--trusted-root", garbage}, "parsing trusted root"},
		{"missing trusted root", append([]string{"verify", legacy.Image, "--trusted-root", filepath.Join(dir, "nope.json")}, logArgs...), "reading --trusted-root"},
		{"search a malformed email", append([]string{"search", "--email", "alice"}, logArgs...), "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitUsageErr || !strings.Contains(stderr, tt.want) {
				t.Errorf("provscope %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), code, stderr, exitUsageErr, tt.want)
			}
		})
	}
}

func TestVersionFlag(t *testing.T) {
	c1, flag, _ := runCLI(t, "--version")
	c2, cmd, _ := runCLI(t, "version")
	if c1 != exitOK || c2 != exitOK || flag != cmd || !strings.HasPrefix(flag, "provscope ") {
		t.Errorf("--version = %d %q, version = %d %q; want the same line, exit 0", c1, flag, c2, cmd)
	}
}

// TestDemoPolicy: the explorer's backend under the demo world's own trust
// policy (what provscope demo pins) verifies the world's images and fails
// the rogue key's; unpinning with P ("none") makes both unpinned, and the
// header label names the policy.
func TestDemoPolicy(t *testing.T) {
	w := startDemo(t)
	pol := inspect.Policy{Trusted: w.TrustedSigners()}
	if got, want := signerLabel(pol), "key 2025, key 2026, alice, release workflow"; got != want {
		t.Errorf("signerLabel(demo policy) = %q, want %q", got, want)
	}
	cfg := explorerConfig{
		RegistryHost: w.RegistryHost, LogURL: w.LogURL, LogPublicKeyPEM: w.LogPublicKeyPEM,
		TrustedRootPath: w.TrustedRootPath, ForgetCheckpoints: true, Policy: pol,
		HostFiles: backend.AllCapabilities(), // as runExplorer opens it
	}
	b, _, err := openBackend(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	verdict := func(b ui.Backend, name string) model.Verdict {
		t.Helper()
		res, err := b.Verify(context.Background(), ui.Subject{Ref: demoCaseNamed(t, w, name).Image}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Verdict()
	}
	for name, want := range map[string]model.Verdict{"signed-legacy": model.VerdictVerified, "keyless-ci": model.VerdictVerified, "rogue-key": model.VerdictFailed} {
		if got := verdict(b, name); got != want {
			t.Errorf("demo policy: %s = %s, want %s", name, got, want)
		}
	}
	none, label, err := pinSigner(b, "none", true)
	if err != nil {
		t.Fatal(err)
	}
	if label != "" {
		t.Errorf("unpinned label %q", label)
	}
	for _, name := range []string{"signed-legacy", "rogue-key"} {
		if got := verdict(none, name); got != model.VerdictUnpinned {
			t.Errorf("after P none: %s = %s, want unpinned", name, got)
		}
	}
	// Unpinned is not a failure: the image line is not a red ✗, and the
	// passing signature's steps come first.
	res, err := none.Verify(context.Background(), ui.Subject{Ref: demoCaseNamed(t, w, "signed-legacy").Image}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if last := res.Steps[len(res.Steps)-1]; last.Name != "image-verdict" || last.Status != model.StatusSkipped {
		t.Errorf("unpinned image step = %s %s, want image-verdict skipped", last.Name, last.Status)
	}
	k2026, _ := w.Key("2026")
	pinned, _, err := pinSigner(b, "key "+k2026.PublicKeyPath, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err = pinned.Verify(context.Background(), ui.Subject{Ref: demoCaseNamed(t, w, "rotation-overlap").Image}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict() != model.VerdictVerified || len(res.Steps) == 0 || res.Steps[0].Status != model.StatusPass {
		t.Errorf("rotation-overlap under key 2026 = %s, first step %+v; want verified, opening on a pass", res.Verdict(), res.Steps[0])
	}
}

// TestLogTrust: the explorer trusts a log its trusted root lists or whose
// key it pins, and for any other says so and what to pass.
func TestLogTrust(t *testing.T) {
	w := startDemo(t)
	demoLog, err := inspect.KeyFingerprint(w.LogPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		cfg  explorerConfig
		want bool
	}{
		{"the demo root lists the demo log", explorerConfig{TrustedRootPath: w.TrustedRootPath}, true},
		{"the pinned log key", explorerConfig{LogPublicKeyPEM: w.LogPublicKeyPEM}, true},
		{"public-good root, key not pinned", explorerConfig{}, false},
	} {
		ok, why := logTrust(tt.cfg)(demoLog)
		if ok != tt.want || !ok && !strings.Contains(why, "from log "+demoLog[:8]+"…") || !ok && !strings.Contains(why, "--trusted-root") {
			t.Errorf("%s: logTrust = %v %q, want %v", tt.name, ok, why, tt.want)
		}
	}
}
