package inspect

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
)

// TestDemoTrustPolicy verifies the demo world under its own trust policy
// (its keys and keyless identities, what `provscope demo` pins): every
// case reaches its table verdict, and the image signed and logged by a key
// nobody trusts fails at the trusted-signer step, naming that key.
func TestDemoTrustPolicy(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	pol := Policy{Trusted: w.TrustedSigners(), TrustedRoot: tr}
	rogue := 0
	for _, c := range w.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rep, err := VerifyImage(ctx, deps, c.Image, pol, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.SignerPinned {
				t.Error("SignerPinned = false under the demo policy")
			}
			if rep.Verdict != c.Expect {
				t.Fatalf("VerifyImage(%s) under the demo policy = %s (%s), want %s", c.Name, rep.Verdict, rep.Reason, c.Expect)
			}
			if !c.Untrusted {
				return
			}
			rogue++
			want := "signed by key " + w.RogueKeyFingerprint[:8] + "…, which is not a trusted signer"
			f := rep.Attachments[0].Result.FirstFailure()
			if f == nil || f.Name != StepTrustedSigner || !strings.Contains(f.Detail, want) {
				t.Fatalf("first failure = %+v, want step %s saying %q", f, StepTrustedSigner, want)
			}
		})
	}
	if rogue == 0 {
		t.Fatal("the demo world has no untrusted-signer case")
	}
}

// TestExplanations checks that failures say who signed and what to do:
// the key that did sign against the pinned one, a keyless signer against
// a pinned key, a log the trusted root does not list, and how many of an
// image's signatures verified, the passing one listed first.
func TestExplanations(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	k2025, _ := w.Key("2025")
	k2026, _ := w.Key("2026")
	fp := func(k string) string { return k[:8] + "…" }
	verify := func(t *testing.T, name string, pol Policy) *ImageReport {
		t.Helper()
		c, _ := demoCase(t, w, name)
		rep, err := VerifyImage(ctx, deps, c.Image, pol, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	firstFailure := func(rep *ImageReport) *model.Step {
		for _, a := range rep.Attachments {
			if a.Result != nil {
				if f := a.Result.FirstFailure(); f != nil {
					return f
				}
			}
		}
		return nil
	}
	tests := []struct {
		name, image string
		pol         Policy
		want        string
		wantVerdict model.Verdict
	}{
		{
			"wrong key", "old-key",
			Policy{KeyPEM: k2026.PublicKeyPEM, TrustedRoot: tr},
			"signed by key " + fp(k2025.Fingerprint) + " (not the pinned key " + fp(k2026.Fingerprint) + ")", model.VerdictFailed,
		},
		{
			"wrong key, bundle", "signed-bundle",
			Policy{KeyPEM: k2025.PublicKeyPEM, TrustedRoot: tr},
			"signed by key " + fp(k2026.Fingerprint) + " (not the pinned key " + fp(k2025.Fingerprint) + ")", model.VerdictFailed,
		},
		{
			"rogue key", "rogue-key",
			Policy{KeyPEM: k2026.PublicKeyPEM, TrustedRoot: tr},
			"signed by key " + fp(w.RogueKeyFingerprint) + " (not the pinned key " + fp(k2026.Fingerprint) + ")", model.VerdictFailed,
		},
		{
			"keyless under a pinned key", "keyless",
			Policy{KeyPEM: k2026.PublicKeyPEM, TrustedRoot: tr},
			"signed by alice@provscope.example via https://accounts.provscope.example, you pinned key " + fp(k2026.Fingerprint), model.VerdictFailed,
		},
		{
			"other identity", "keyless",
			Policy{Identity: &proof.IdentityPolicy{SAN: "bob@provscope.example", Issuer: "https://accounts.provscope.example"}, TrustedRoot: tr},
			"signed by alice@provscope.example via https://accounts.provscope.example, you pinned bob@provscope.example via https://accounts.provscope.example", model.VerdictFailed,
		},
		{
			"key-signed under a pinned identity", "signed-legacy",
			Policy{Identity: &proof.IdentityPolicy{SAN: "bob@provscope.example", Issuer: "https://accounts.provscope.example"}, TrustedRoot: tr},
			"signed by key " + fp(k2026.Fingerprint) + ", you pinned bob@provscope.example via https://accounts.provscope.example (a keyless signature)", model.VerdictFailed,
		},
		{
			"untrusted log", "signed-bundle",
			Policy{KeyPEM: k2026.PublicKeyPEM},
			", which your trusted root does not list: pass --trusted-root FILE", model.VerdictFailed,
		},
		{
			"untrusted log, keyless", "keyless",
			Policy{},
			", which your trusted root does not list: pass --trusted-root FILE", model.VerdictFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verify(t, tt.image, tt.pol)
			if rep.Verdict != tt.wantVerdict {
				t.Errorf("verdict %s (%s), want %s", rep.Verdict, rep.Reason, tt.wantVerdict)
			}
			f := firstFailure(rep)
			if f == nil || !strings.Contains(f.Detail, tt.want) {
				t.Fatalf("first failure %+v, want it to say %q", f, tt.want)
			}
		})
	}
	t.Run("a wrong key fails once, at the signature", func(t *testing.T) {
		rep := verify(t, "old-key", Policy{KeyPEM: k2026.PublicKeyPEM})
		for _, s := range rep.Attachments[0].Result.Steps {
			if s.Status == model.StatusFail && s.Name != StepSignature {
				t.Errorf("step %s fails too (%s): the entry of the key that signed should check out", s.Name, s.Detail)
			}
		}
		if got := rep.Attachments[0].Signer.KeyFingerprint; got != k2025.Fingerprint {
			t.Errorf("signer = %s, want the key that signed, %s", got, k2025.Fingerprint)
		}
	})
	t.Run("the untrusted log is named", func(t *testing.T) {
		rep := verify(t, "signed-bundle", Policy{KeyPEM: k2026.PublicKeyPEM})
		f := firstFailure(rep)
		if f == nil || f.Name != proof.BundleStepTlogEntry || !strings.HasPrefix(f.Detail, "this entry comes from log ") {
			t.Fatalf("first failure %+v, want the %s step naming the log", f, proof.BundleStepTlogEntry)
		}
	})
	t.Run("1 of 2, the passing one first", func(t *testing.T) {
		rep := verify(t, "rotation-overlap", Policy{KeyPEM: k2026.PublicKeyPEM})
		if rep.Verdict != model.VerdictVerified || !strings.HasPrefix(rep.Reason, "1 of 2 signatures verified") {
			t.Fatalf("verdict %s (%s), want verified, 1 of 2", rep.Verdict, rep.Reason)
		}
		order := report.VerifiedFirst(rep.Results())
		if len(order) != 2 || rep.Attachments[order[0]].Verdict() != model.VerdictVerified || rep.Attachments[order[1]].Verdict() != model.VerdictFailed {
			t.Fatalf("VerifiedFirst = %v over %s, %s", order, rep.Attachments[0].Verdict(), rep.Attachments[1].Verdict())
		}
	})
}
