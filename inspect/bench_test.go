package inspect

import (
	"context"
	"testing"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
)

// BenchmarkVerifyImage verifies the demo world's signed image (signature,
// SLSA attestation, SBOM) end to end over loopback: registry discovery, log
// lookups and every proof. Run: go test -run ^$ -bench VerifyImage -benchtime 50x ./inspect
func BenchmarkVerifyImage(b *testing.B) {
	ctx := context.Background()
	w, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	l, err := OpenLog(ctx, logs.Log{URL: w.LogURL}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		b.Fatal(err)
	}
	var c demo.Case
	for _, x := range w.Cases {
		if x.Name == "signed-legacy" {
			c = x
		}
	}
	var key []byte
	for _, k := range w.Keys {
		if k.Name == c.Key {
			key = k.PublicKeyPEM
		}
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	b.ResetTimer()
	for b.Loop() {
		rep, err := VerifyImage(ctx, deps, c.Image, Policy{KeyPEM: key}, nil)
		if err != nil || rep.Verdict != c.Expect {
			b.Fatalf("VerifyImage = %v, %v", rep.Verdict, err)
		}
	}
}
