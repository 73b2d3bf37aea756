package inspect

import (
	"context"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// TestAttestationWithoutBundleLookedUp: a legacy attestation that carries no
// bundle annotation is looked up in the log (index search by payload hash,
// then the entry recording its signature and key): logged, it verifies down
// to the checkpoint; never logged, it is not-logged (stealth).
func TestAttestationWithoutBundleLookedUp(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	s := seededSigner(t, "attestation lookup")
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	pol := Policy{KeyPEM: s.PublicKeyPEM()}
	attestation := func(t *testing.T, ref string) *AttachmentReport {
		t.Helper()
		return firstAttestation(ctx, t, deps, ref, pol)
	}

	t.Run("logged", func(t *testing.T) {
		ref := w.RegistryHost + "/lookup/logged:1"
		pushLoggedAttestation(ctx, t, l, s, ref)
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
		pushStealthAttestation(ctx, t, s, ref)
		a := attestation(t, ref)
		st := a.Result.Steps[stepIndex(a.Result, StepLogEntry)]
		if a.Verdict() != model.VerdictNotLogged || !strings.Contains(st.Detail, "stealth signing") {
			t.Fatalf("never-logged attestation = %s, log entry step %+v", a.Verdict(), st)
		}
	})
	t.Run("never logged, another key pinned", func(t *testing.T) {
		// Stealth is said only of a valid signature: with a key that does
		// not verify it the log cannot rebuild its entry, and that "cannot
		// tell" hides the failed signature neither as error nor not-logged.
		ref := w.RegistryHost + "/lookup/stealth-wrongkey:1"
		pushStealthAttestation(ctx, t, s, ref)
		a := firstAttestation(ctx, t, deps, ref, Policy{KeyPEM: seededSigner(t, "someone else").PublicKeyPEM()})
		st := a.Result.Steps[stepIndex(a.Result, StepLogEntry)]
		if a.Verdict() != model.VerdictFailed || a.Result.FirstFailure().Name != StepSignature || st.Status == model.StatusPass {
			t.Fatalf("never-logged attestation under another key = %s (%s), log entry step %+v", a.Verdict(), a.Result.Reason(), st)
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
