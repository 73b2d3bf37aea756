package inspect

import (
	"context"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
)

// BenchmarkVerifyImage verifies the demo world's signed image (signature,
// SLSA attestation, SBOM) end to end over loopback: registry discovery, log
// lookups and every proof. Run: go test -run ^$ -bench VerifyImage -benchtime 50x ./inspect
func BenchmarkVerifyImage(b *testing.B) {
	ctx := context.Background()
	w, l := startDemo(b)
	c, key := demoCase(b, w, "signed-legacy")
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	b.ResetTimer()
	for b.Loop() {
		rep, err := VerifyImage(ctx, deps, c.Image, Policy{KeyPEM: key}, nil)
		if err != nil || rep.Verdict != c.Expect {
			b.Fatalf("VerifyImage = %v, %v", rep.Verdict, err)
		}
	}
}

// BenchmarkVerifyKeylessImage verifies a legacy keyless signature and
// attestation with an identity policy end to end over loopback: besides
// what BenchmarkVerifyImage does, each attachment is repackaged as a bundle
// and checked by sigstore-go (Fulcio chain, SCT, identity). Run:
// go test -run ^$ -bench VerifyKeylessImage -benchtime 50x ./inspect
func BenchmarkVerifyKeylessImage(b *testing.B) {
	ctx := context.Background()
	const identity, issuer = "release@provscope.test", "https://issuer.provscope.test"
	ref, l, tr := keylessImage(b, identity, issuer)
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	pol := Policy{Identity: &proof.IdentityPolicy{SAN: identity, Issuer: issuer}, TrustedRoot: tr}
	b.ResetTimer()
	for b.Loop() {
		rep, err := VerifyImage(ctx, deps, ref, pol, nil)
		if err != nil || rep.Verdict != model.VerdictVerified {
			b.Fatalf("VerifyImage = %v, %v", rep.Verdict, err)
		}
	}
}
