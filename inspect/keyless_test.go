package inspect

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
)

// keylessImage pushes a fresh image to the demo world's registry, signs and
// attests it keyless (legacy format) as identity/issuer with a test Fulcio,
// and returns its reference and a trusted root naming the CA and the log.
func keylessImage(t testing.TB, identity, issuer string) (string, *Log, []byte) {
	t.Helper()
	ctx := context.Background()
	w, l := startDemo(t)
	now := time.Now()
	f, err := inspecttest.NewFulcio(now)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := f.TrustedRoot(w.LogURL, w.LogPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	d, err := inspecttest.PushRandomImage(ctx, w.RegistryHost+"/keyless/app:1.0")
	if err != nil {
		t.Fatal(err)
	}
	if err := inspecttest.SignKeyless(ctx, d, f, identity, issuer, inspecttest.Uploader(l.Rekor), now, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	return w.RegistryHost + "/keyless/app:1.0", l, tr
}

// TestKeylessIdentityPolicy verifies a legacy keyless signature and
// attestation (certificate annotation, no bundle format) against
// --certificate-identity/--certificate-oidc-issuer policies: the matching
// policy verifies both, through the certificate-identity step; another
// identity or another issuer fails that step for each of them.
func TestKeylessIdentityPolicy(t *testing.T) {
	const identity, issuer = "release@provscope.test", "https://issuer.provscope.test"
	ref, l, tr := keylessImage(t, identity, issuer)
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	tests := []struct {
		name   string
		pol    proof.IdentityPolicy
		want   model.Status
		detail string
	}{
		{"matching", proof.IdentityPolicy{SAN: identity, Issuer: issuer}, model.StatusPass, "identity policy"},
		{"matching regexp", proof.IdentityPolicy{SANRegexp: `^release@provscope\.test$`, IssuerRegexp: `^https://issuer\.`}, model.StatusPass, "identity policy"},
		{"other identity", proof.IdentityPolicy{SAN: "mallory@provscope.test", Issuer: issuer}, model.StatusFail, `signed by release@provscope.test via https://issuer.provscope.test, you pinned mallory@provscope.test via https://issuer.provscope.test`},
		{"other issuer", proof.IdentityPolicy{SAN: identity, Issuer: "https://token.actions.githubusercontent.com"}, model.StatusFail, `signed by release@provscope.test via https://issuer.provscope.test, you pinned release@provscope.test via https://token.actions.githubusercontent.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := tt.pol
			rep, err := VerifyImage(context.Background(), deps, ref, Policy{Identity: &pol, TrustedRoot: tr}, nil)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[model.AttachmentKind]bool{}
			for _, a := range rep.Attachments {
				var id *model.Step
				for i := range a.Result.Steps {
					if a.Result.Steps[i].Name == StepIdentity {
						id = &a.Result.Steps[i]
					}
				}
				if id == nil {
					t.Fatalf("%s has no %s step: %+v", a.Kind, StepIdentity, a.Result.Steps)
				}
				if id.Status != tt.want || !strings.Contains(id.Detail, tt.detail) {
					t.Errorf("%s: identity step %s (%s), want %s", a.Kind, id.Status, id.Detail, tt.want)
				}
				wantVerdict := model.VerdictVerified
				if tt.want == model.StatusFail {
					wantVerdict = model.VerdictFailed
				}
				if v := a.Result.Verdict(); v != wantVerdict {
					t.Errorf("%s: verdict %s (%s), want %s", a.Kind, v, a.Result.Reason(), wantVerdict)
				}
				if a.Signer.Subject != identity || a.Signer.Issuer != issuer {
					t.Errorf("%s: signer %+v", a.Kind, a.Signer)
				}
				kinds[a.Kind] = true
			}
			if !kinds[model.AttachSignature] || !kinds[model.AttachAttestation] {
				t.Fatalf("attachments %v, want a signature and an attestation", kinds)
			}
		})
	}
}

// TestKeylessWithoutPolicyChecksTheChain: with no key and no identity
// policy, a keyless signature still verifies only when its certificate
// chains to the trusted root (with an SCT): the identity it names is then
// one a trusted CA certified. A certificate from a CA the root does not
// name (anyone can mint one claiming alice) fails, though the signature
// verifies with the certificate's own key and the entry is logged.
func TestKeylessWithoutPolicyChecksTheChain(t *testing.T) {
	w, l := startDemo(t)
	c, _ := demoCase(t, w, "keyless")
	demoRoot, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	other, err := inspecttest.NewFulcio(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherRoot, err := other.TrustedRoot(w.LogURL, w.LogPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	for _, tt := range []struct {
		name   string
		root   []byte
		want   model.Verdict
		detail string
	}{
		{"the demo CA", demoRoot, model.VerdictVerified, "no identity was required"},
		{"another CA", otherRoot, model.VerdictFailed, "certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := VerifyImage(context.Background(), deps, c.Image, Policy{TrustedRoot: tt.root}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Attachments) == 0 {
				t.Fatal("no attachments")
			}
			for _, a := range rep.Attachments {
				if v := a.Result.Verdict(); v != tt.want {
					t.Errorf("%s: verdict %s (%s), want %s", a.Kind, v, a.Result.Reason(), tt.want)
				}
				step := stepNamed(a.Result, StepIdentity)
				if step == nil || !strings.Contains(step.Detail, tt.detail) {
					t.Errorf("%s: %s step %+v, want one saying %q", a.Kind, StepIdentity, step, tt.detail)
				}
				if sig := stepNamed(a.Result, StepSignature); sig == nil || sig.Status != model.StatusPass {
					t.Errorf("%s: signature step %+v, want it to pass (the certificate's own key)", a.Kind, sig)
				}
			}
		})
	}
}

func stepNamed(r *model.Result, name string) *model.Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}
