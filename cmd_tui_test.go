package main

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui"
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
		{"nothing pinned, alice's image", policyFlags{}, alice.Image, model.VerdictVerified},
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
