package demo_test

import (
	"context"
	"os"
	"testing"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
)

// TestKeylessCasesVerifyWithTheirIdentity holds provscope's verifier to the
// keyless rows as the interop test holds cosign: with the demo trusted root
// and the row's identity and issuer, every signature and attestation passes
// the certificate-identity step (sigstore-go: chain to the demo CA, SCT from
// its CT log, SAN, issuer) and the image verifies; another identity or
// another issuer fails that step.
func TestKeylessCasesVerifyWithTheirIdentity(t *testing.T) {
	w := startWorld(t, "")
	ctx := context.Background()
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	l, err := inspect.OpenLog(ctx, logs.Log{URL: w.LogURL}, inspect.LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	deps := inspect.Deps{Registry: registry.New(registry.Config{}), Log: l}
	n := 0
	for _, tc := range w.Cases {
		if !tc.Keyless() {
			continue
		}
		n++
		tests := []struct {
			name     string
			identity string
			issuer   string
			want     model.Verdict
		}{
			{"its identity", tc.Identity, tc.Issuer, tc.Expect},
			{"another identity", "mallory@provscope.example", tc.Issuer, model.VerdictFailed},
			{"another issuer", tc.Identity, "https://issuer.invalid", model.VerdictFailed},
		}
		for _, tt := range tests {
			t.Run(tc.Name+"/"+tt.name, func(t *testing.T) {
				pol := inspect.Policy{TrustedRoot: tr, Identity: &proof.IdentityPolicy{SAN: tt.identity, Issuer: tt.issuer}}
				rep, err := inspect.VerifyImage(ctx, deps, tc.Image, pol, nil)
				if err != nil {
					t.Fatalf("VerifyImage(%s): %v", tc.Image, err)
				}
				if rep.Verdict != tt.want {
					t.Fatalf("VerifyImage(%s) as %s from %s = %s (%s), want %s", tc.Image, tt.identity, tt.issuer, rep.Verdict, rep.Reason, tt.want)
				}
				kinds := 0
				for _, a := range rep.Attachments {
					if a.Kind == model.AttachSBOM {
						continue
					}
					kinds++
					if a.Signer.Subject != tc.Identity || a.Signer.Issuer != tc.Issuer {
						t.Errorf("%s signer = %s, want %s (%s)", a.Kind, a.Signer, tc.Identity, tc.Issuer)
					}
					if st := identityStep(a.Result); st == nil || (st.Status == model.StatusPass) != (tt.want == model.VerdictVerified) {
						t.Errorf("%s: certificate-identity step %+v, want it to pass only for the row's identity", a.Kind, st)
					}
				}
				if want := 1 + attestations(tc); kinds != want {
					t.Errorf("%d signed attachments, want %d", kinds, want)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("the world has no keyless case")
	}
}

func identityStep(r *model.Result) *model.Step {
	if r == nil {
		return nil
	}
	for i := range r.Steps {
		if r.Steps[i].Name == inspect.StepIdentity {
			return &r.Steps[i]
		}
	}
	return nil
}

func attestations(tc demo.Case) int {
	if tc.Attestation != "" {
		return 1
	}
	return 0
}
