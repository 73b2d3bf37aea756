package inspect

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/logs"
)

// startDemo starts the demo world for one test or benchmark, closed when
// it ends, and opens its log with the log key.
func startDemo(tb testing.TB) (*demo.World, *Log) {
	tb.Helper()
	w := startDemoWorld(tb)
	l, err := OpenLog(context.Background(), logs.Log{URL: w.LogURL}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		tb.Fatal(err)
	}
	return w, l
}

// startDemoWorld starts the demo world, closed when the test ends.
func startDemoWorld(tb testing.TB) *demo.World {
	tb.Helper()
	w, err := demo.Start(context.Background(), demo.Options{})
	if err != nil {
		tb.Fatalf("starting the demo world: %v", err)
	}
	tb.Cleanup(func() { _ = w.Close() })
	return w
}

// demoCase returns the world's case named name and the PEM public key it is
// signed with (nil for none).
func demoCase(tb testing.TB, w *demo.World, name string) (demo.Case, []byte) {
	tb.Helper()
	for _, c := range w.Cases {
		if c.Name == name {
			k, _ := w.Key(c.Key)
			return c, k.PublicKeyPEM
		}
	}
	tb.Fatalf("the demo world has no case %q", name)
	return demo.Case{}, nil
}

// seededSigner is a signer with the key cosignfmt.KeyFromSeed(seed).
func seededSigner(tb testing.TB, seed string) *cosignfmt.Signer {
	tb.Helper()
	k, err := cosignfmt.KeyFromSeed(seed)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// firstAttestation verifies ref under pol and returns its first
// attestation's report; the test fails when there is none.
func firstAttestation(ctx context.Context, tb testing.TB, deps Deps, ref string, pol Policy) *AttachmentReport {
	tb.Helper()
	rep, err := VerifyImage(ctx, deps, ref, pol, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range rep.Attachments {
		if rep.Attachments[i].Kind == model.AttachAttestation {
			return &rep.Attachments[i]
		}
	}
	tb.Fatalf("%s: no attestation in %+v", ref, rep.Attachments)
	return nil
}

// pushLoggedAttestation pushes a random image to ref and attaches an SLSA
// attestation signed by s, logged in l but attached without its bundle
// annotation (the log must be searched to find it).
func pushLoggedAttestation(ctx context.Context, tb testing.TB, l *Log, s *cosignfmt.Signer, ref string) {
	tb.Helper()
	d, err := inspecttest.PushRandomImage(ctx, ref)
	if err != nil {
		tb.Fatal(err)
	}
	stmt, err := cosignfmt.Statement(d.Context().Name(), d.DigestStr(), inspecttest.PredicateSLSA, map[string]any{})
	if err != nil {
		tb.Fatal(err)
	}
	env, err := s.SignDSSE(registry.MediaTypeInToto, stmt)
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := l.Rekor.Upload(ctx, cosignfmt.DSSEEntry(env, s.PublicKeyPEM())); err != nil {
		tb.Fatal(err)
	}
	if err := cosignfmt.WriteAttached(d, registry.SuffixAttestation, []cosignfmt.Layer{cosignfmt.AttestationLayer(env, inspecttest.PredicateSLSA, "")}, true, remote.WithContext(ctx)); err != nil {
		tb.Fatal(err)
	}
}

// pushStealthAttestation pushes a random image to ref and attaches an SLSA
// attestation signed by s that was never logged.
func pushStealthAttestation(ctx context.Context, tb testing.TB, s *cosignfmt.Signer, ref string) {
	tb.Helper()
	d, err := inspecttest.PushRandomImage(ctx, ref)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := cosignfmt.AttestImage(ctx, d, s, inspecttest.PredicateSLSA, map[string]any{}, nil, remote.WithContext(ctx)); err != nil {
		tb.Fatal(err)
	}
}
