package inspect

import (
	"context"
	"testing"

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
