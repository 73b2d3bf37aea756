package inspect

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// TestVerifyImageDemoWorld verifies every image of the demo world with the
// key its case names and expects the case's verdict: verified, tampered →
// failed, stealth → not-logged, unsigned, moved tag → unsigned…
func TestVerifyImageDemoWorld(t *testing.T) {
	ctx := context.Background()
	w := startDemoWorld(t)
	l, err := OpenLog(ctx, logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]byte{}
	for _, k := range w.Keys {
		keys[k.Name] = k.PublicKeyPEM
	}
	store := &state.Store{Dir: t.TempDir()}
	if _, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l, Store: store}
	for _, c := range w.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var events int
			pol := Policy{KeyPEM: keys[c.Key], TrustedRoot: tr}
			if c.Keyless() {
				pol = Policy{Identity: &proof.IdentityPolicy{SAN: c.Identity, Issuer: c.Issuer}, TrustedRoot: tr}
			}
			rep, err := VerifyImage(ctx, deps, c.Image, pol, func(Event) { events++ })
			if err != nil {
				t.Fatalf("VerifyImage(%s): %v", c.Image, err)
			}
			if rep.Verdict != c.Expect {
				for _, a := range rep.Attachments {
					if a.Result != nil {
						t.Logf("%s %s: %s (%s)", a.Kind, a.Source, a.Result.Verdict(), a.Result.Reason())
					}
				}
				t.Fatalf("VerifyImage(%s) = %s (%s), want %s: %s", c.Image, rep.Verdict, rep.Reason, c.Expect, c.Expectation)
			}
			steps := 0
			for _, a := range rep.Attachments {
				if a.Result != nil {
					steps += len(a.Result.Steps)
				}
			}
			if events != steps {
				t.Errorf("progress reported %d steps, the report holds %d", events, steps)
			}
			if rep.Digest != c.Digest {
				t.Errorf("digest = %s, want %s", rep.Digest, c.Digest)
			}
			if c.Expect == model.VerdictVerified {
				if events == 0 {
					t.Error("no progress events")
				}
				ok := false
				for _, a := range rep.Attachments {
					if a.Verdict() == model.VerdictVerified && a.LogIndex != nil && a.IntegratedTime != nil {
						ok = true
					}
				}
				if !ok {
					t.Errorf("no verified attachment with a log index and time: %+v", rep.Attachments)
				}
			}
		})
	}
}

// TestVerifyImageWithoutPolicy runs the demo world without a signer
// policy: every signature, legacy or bundle, is checked against the key
// its own log entry records, so each case still gets its verdict, except
// that nothing reads verified: an intact, logged signature by nobody in
// particular is unpinned (the rogue key's image included).
func TestVerifyImageWithoutPolicy(t *testing.T) {
	ctx := context.Background()
	w := startDemoWorld(t)
	l, err := OpenLog(ctx, logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	for _, c := range w.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rep, err := VerifyImage(ctx, deps, c.Image, Policy{TrustedRoot: tr}, nil)
			if err != nil {
				t.Fatalf("VerifyImage(%s): %v", c.Image, err)
			}
			want := c.Expect
			if want == model.VerdictVerified || c.Untrusted {
				want = model.VerdictUnpinned
			}
			if want == model.VerdictNotLogged {
				// Without a key no entry can be rebuilt to look up in the
				// log's tree; only its best-effort index was asked, so
				// whether it is logged cannot be told (proof.DecideLogged).
				want = model.VerdictError
				for _, a := range rep.Attachments {
					if a.Result != nil && !strings.Contains(a.Result.Steps[len(a.Result.Steps)-1].Detail, "cannot tell") {
						t.Errorf("VerifyImage(%s) without a key: %s's last step %+v does not say it cannot tell", c.Image, a.Kind, a.Result.Steps[len(a.Result.Steps)-1])
					}
				}
			}
			if rep.Verdict != want {
				t.Fatalf("VerifyImage(%s) without a key = %s (%s), want %s", c.Image, rep.Verdict, rep.Reason, want)
			}
			if rep.SignerPinned {
				t.Errorf("VerifyImage(%s) without a policy: SignerPinned", c.Image)
			}
			if want == model.VerdictUnpinned && len(rep.Signers) == 0 {
				t.Errorf("VerifyImage(%s) unpinned lists no signer", c.Image)
			}
			// Unchecked signatures must not be called valid.
			if c.Expect == model.VerdictNotLogged && strings.Contains(rep.Reason, "signature is valid") {
				t.Errorf("VerifyImage(%s) without a key: reason %q calls an unchecked signature valid", c.Image, rep.Reason)
			}
		})
	}
}
