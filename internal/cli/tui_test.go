package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
	"github.com/provscope/provscope/ui/fakebackend"
)

// TestTUIPinnedSigner: the explorer verifies with the signer `provscope
// tui --key / --certificate-identity` pins, so a signature by anyone else
// fails there as it does in provscope verify.
func TestTUIPinnedSigner(t *testing.T) {
	w := startDemo(t)
	byName := map[string]demo.Case{}
	for _, c := range w.Cases {
		byName[c.Name] = c
	}
	alice, ci := byName["keyless"], byName["keyless-ci"]
	tests := []struct {
		name  string
		flags policyFlags
		image string
		want  model.Verdict
	}{
		{"alice pinned, alice's image", policyFlags{identity: alice.Identity, issuer: alice.Issuer}, alice.Image, model.VerdictVerified},
		{"alice pinned, the workflow's image", policyFlags{identity: alice.Identity, issuer: alice.Issuer}, ci.Image, model.VerdictFailed},
		{"alice's name, another issuer", policyFlags{identity: alice.Identity, issuer: ci.Issuer}, alice.Image, model.VerdictFailed},
		{"workflow regexp", policyFlags{identityRegexp: `^https://github\.com/provscope/`, issuer: ci.Issuer}, ci.Image, model.VerdictVerified},
		{"2026 key pinned, signed by 2026", policyFlags{key: demoKeyPath(w, "2026")}, byName["signed-legacy"].Image, model.VerdictVerified},
		{"2026 key pinned, signed by 2025", policyFlags{key: demoKeyPath(w, "2026")}, byName["old-key"].Image, model.VerdictFailed},
		{"nothing pinned, alice's image", policyFlags{}, alice.Image, model.VerdictUnpinned},
		{"nothing pinned, the rogue key's image", policyFlags{}, byName["rogue-key"].Image, model.VerdictUnpinned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, err := tt.flags.policy()
			if err != nil {
				t.Fatal(err)
			}
			cfg := explorerConfig{
				RegistryHost: w.RegistryHost, LogURL: w.LogURL, LogPublicKeyPEM: w.LogPublicKeyPEM,
				TrustedRootPath: w.TrustedRootPath, ForgetCheckpoints: true, Policy: pol,
			}
			b, _, err := openBackend(context.Background(), &cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := b.Verify(context.Background(), ui.Subject{Ref: tt.image}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Verdict(); got != tt.want {
				t.Errorf("Verify(%s) = %s (%s), want %s", tt.image, got, res.Reason(), tt.want)
			}
		})
	}
}

func TestSignerLabel(t *testing.T) {
	w := startDemo(t)
	key := w.Keys[len(w.Keys)-1]
	for _, tt := range []struct {
		pol  inspect.Policy
		want string
	}{
		{inspect.Policy{}, ""},
		{inspect.Policy{KeyPEM: key.PublicKeyPEM}, "key " + key.Fingerprint[:16]},
		{inspect.Policy{Identity: &proof.IdentityPolicy{SAN: "alice@provscope.example", Issuer: "https://accounts.provscope.example"}}, "alice@provscope.example"},
		{inspect.Policy{Identity: &proof.IdentityPolicy{SANRegexp: "^alice@", Issuer: "https://accounts.provscope.example"}}, "~^alice@"},
	} {
		if got := signerLabel(tt.pol); got != tt.want {
			t.Errorf("signerLabel(%+v) = %q, want %q", tt.pol, got, tt.want)
		}
	}
}

func TestTUIPolicyFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"tui", "--key", "/nonexistent/key.pub"}, "reading --key"},
		{[]string{"tui", "--certificate-identity", "alice@provscope.example"}, "needs both"},
		{[]string{"tui", "--key", "/nonexistent/key.pub", "--certificate-identity", "a", "--certificate-oidc-issuer", "b"}, "not both"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("provscope %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
}

// TestExplorerPinSigner: the P key's pinner, on the demo world's real
// backend. Pinning derives a backend that verifies with the typed signer
// (the one it came from keeps its own), "none" unpins, a pin starting from
// a flag-pinned backend replaces that signer, and what it cannot use is
// refused with the reason.
func TestExplorerPinSigner(t *testing.T) {
	w := startDemo(t)
	byName := map[string]demo.Case{}
	for _, c := range w.Cases {
		byName[c.Name] = c
	}
	alice, ci := byName["keyless"], byName["keyless-ci"]
	cfg := explorerConfig{
		RegistryHost: w.RegistryHost, LogURL: w.LogURL, LogPublicKeyPEM: w.LogPublicKeyPEM,
		TrustedRootPath: w.TrustedRootPath, ForgetCheckpoints: true,
		Policy:    inspect.Policy{Identity: &proof.IdentityPolicy{SAN: alice.Identity, Issuer: alice.Issuer}},
		HostFiles: backend.AllCapabilities(), // as runExplorer opens it
	}
	start, _, err := openBackend(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	verdict := func(b ui.Backend, image string) model.Verdict {
		t.Helper()
		res, err := b.Verify(context.Background(), ui.Subject{Ref: image}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Verdict()
	}
	for _, tt := range []struct {
		spec, label string
		image       string
		want        model.Verdict
	}{
		{"~^https://github\\.com/provscope/ " + ci.Issuer, "~^https://github\\.com/provscope/", ci.Image, model.VerdictVerified},
		{"~^https://github\\.com/provscope/ " + ci.Issuer, "~^https://github\\.com/provscope/", alice.Image, model.VerdictFailed},
		{ci.Identity + " ~^https://", ci.Identity, ci.Image, model.VerdictVerified},
		{"key " + demoKeyPath(w, "2026"), "key ", byName["old-key"].Image, model.VerdictFailed},
		{"key " + demoKeyPath(w, "2026"), "key ", byName["signed-legacy"].Image, model.VerdictVerified},
		{"none", "", ci.Image, model.VerdictUnpinned},
		{"NONE", "", alice.Image, model.VerdictUnpinned},
	} {
		b, label, err := pinSigner(start, tt.spec, true)
		if err != nil {
			t.Errorf("pinSigner(%q): %v", tt.spec, err)
			continue
		}
		if !strings.HasPrefix(label, tt.label) || (tt.label == "" && label != "") {
			t.Errorf("pinSigner(%q) label %q, want %q…", tt.spec, label, tt.label)
		}
		if got := verdict(b, tt.image); got != tt.want {
			t.Errorf("pinned %q: %s is %s, want %s", tt.spec, tt.image, got, tt.want)
		}
	}
	if got := verdict(start, ci.Image); got != model.VerdictFailed {
		t.Errorf("the starting backend (alice pinned by flag) now says %s for the workflow's image: a pin changed it", got)
	}

	for _, tt := range []struct {
		spec     string
		keyFiles bool
		want     string
	}{
		{alice.Identity, true, "needs its OIDC issuer"},
		{"a b c", true, "want"},
		{"key", true, `want "key FILE"`},
		{"key /nonexistent/key.pem", true, "reading --key"},
		{"key " + demoKeyPath(w, "2026"), false, "not read in SSH sessions"},
		{"~( " + alice.Issuer, true, "regular expression"},
		{alice.Identity + " ~[", true, "regular expression"},
	} {
		if _, _, err := pinSigner(start, tt.spec, tt.keyFiles); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("pinSigner(%q, keyFiles %v) = %v, want an error containing %q", tt.spec, tt.keyFiles, err, tt.want)
		}
	}
	if _, _, err := pinSigner(fakebackend.New(), "none", true); err == nil {
		t.Error("pinSigner on the fake world succeeded, want an error")
	}
}
