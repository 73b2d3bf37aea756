package inspect

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// TestAttestationWithoutBundleLookedUp: a legacy attestation that carries no
// bundle annotation is looked up in the log (index search by payload hash,
// then the entry recording its signature and key): logged, it verifies down
// to the checkpoint; never logged, it is not-logged (stealth).
func TestAttestationWithoutBundleLookedUp(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	k, err := cosignfmt.KeyFromSeed("attestation lookup")
	if err != nil {
		t.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	pol := Policy{KeyPEM: s.PublicKeyPEM()}
	attestation := func(t *testing.T, ref string) *AttachmentReport {
		t.Helper()
		rep, err := VerifyImage(ctx, deps, ref, pol, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rep.Attachments {
			if rep.Attachments[i].Kind == model.AttachAttestation {
				return &rep.Attachments[i]
			}
		}
		t.Fatalf("%s: no attestation in %+v", ref, rep.Attachments)
		return nil
	}

	t.Run("logged", func(t *testing.T) {
		ref := w.RegistryHost + "/lookup/logged:1"
		d, err := inspecttest.PushRandomImage(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		stmt, err := cosignfmt.Statement(d.Context().Name(), d.DigestStr(), inspecttest.PredicateSLSA, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		env, err := s.SignDSSE(registry.MediaTypeInToto, stmt)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Rekor.Upload(ctx, cosignfmt.DSSEEntry(env, s.PublicKeyPEM())); err != nil {
			t.Fatal(err)
		}
		if err := cosignfmt.WriteAttached(d, registry.SuffixAttestation, []cosignfmt.Layer{cosignfmt.AttestationLayer(env, inspecttest.PredicateSLSA, "")}, true, remote.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
		a := attestation(t, ref)
		if a.Verdict() != model.VerdictVerified || a.LogIndex == nil {
			t.Fatalf("logged attestation without a bundle = %s (%s)", a.Verdict(), a.Result.Reason())
		}
		if !strings.Contains(a.Result.Steps[stepIndex(a.Result, StepLogEntry)].Detail, "found online") {
			t.Errorf("log entry step = %+v", a.Result.Steps[stepIndex(a.Result, StepLogEntry)])
		}
	})
	t.Run("never logged", func(t *testing.T) {
		ref := w.RegistryHost + "/lookup/stealth:1"
		d, err := inspecttest.PushRandomImage(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cosignfmt.AttestImage(ctx, d, s, inspecttest.PredicateSLSA, map[string]any{}, nil, remote.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
		a := attestation(t, ref)
		st := a.Result.Steps[stepIndex(a.Result, StepLogEntry)]
		if a.Verdict() != model.VerdictNotLogged || !strings.Contains(st.Detail, "stealth signing") {
			t.Fatalf("never-logged attestation = %s, log entry step %+v", a.Verdict(), st)
		}
	})
}

// stepIndex returns the index of r's step named name, or -1.
func stepIndex(r *model.Result, name string) int {
	for i, s := range r.Steps {
		if s.Name == name {
			return i
		}
	}
	return -1
}
