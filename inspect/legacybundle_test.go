package inspect

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
)

// TestLegacyBundleVerifiesWithSigstoreGo repackages the demo world's legacy
// key-signed signature as a bundle and has proof.VerifyBundle (sigstore-go)
// accept it; a changed payload must fail. The keyless path differs only in
// the verification material.
func TestLegacyBundleVerifiesWithSigstoreGo(t *testing.T) {
	ctx := context.Background()
	w, l := startDemo(t)
	tr, _ := os.ReadFile(w.TrustedRootPath)
	c, key := demoCase(t, w, "signed-legacy")
	reg := registry.New(registry.Config{})
	atts, err := reg.Discover(ctx, digestRef(c.Image, c.Digest))
	if err != nil {
		t.Fatal(err)
	}
	var sig model.Attachment
	for _, a := range atts {
		if a.Kind == model.AttachSignature {
			sig = a
		}
	}
	rb := sig.RekorBundle
	if rb == nil {
		t.Fatal("the demo signature has no bundle annotation")
	}
	online, err := l.Rekor.EntryByUUID(ctx, hexLeaf(rb.Body))
	if err != nil {
		t.Fatal(err)
	}
	entry := &model.LogEntry{UUID: online.UUID, Body: rb.Body, LogIndex: rb.LogIndex, IntegratedTime: time.Unix(rb.IntegratedTime, 0), LogID: rb.LogID, SET: rb.SignedEntryTimestamp, Proof: online.Proof}
	if kv, err := body.Peek(rb.Body); err == nil {
		entry.Kind, entry.APIVersion = model.EntryKind(kv.Kind), kv.Version
	}
	verify := func(a model.Attachment) *model.Result {
		b, err := legacyBundle(a, entry, key)
		if err != nil {
			t.Fatal(err)
		}
		d := sha256Digest(a.Payload)
		return proof.VerifyBundle(b, proof.BundleOptions{TrustedRoot: tr, Key: key, ArtifactDigest: &proof.ArtifactDigest{Algorithm: d.Algorithm, Hex: d.Hex}})
	}
	if res := verify(sig); res.Verdict() != model.VerdictVerified {
		t.Fatalf("repackaged legacy signature = %s: %s", res.Verdict(), res.Reason())
	}
	bad := sig
	bad.Payload = bytes.Replace(sig.Payload, []byte("cosign container image signature"), []byte("cosign container image signaturX"), 1)
	if res := verify(bad); res.Verdict() == model.VerdictVerified {
		t.Fatal("a changed payload verified")
	}
	// An identity policy on a key-signed (certificate-less) signature fails.
	rep, err := VerifyImage(ctx, Deps{Registry: reg, Log: l}, c.Image, Policy{Identity: &proof.IdentityPolicy{SAN: "a@example.com", Issuer: "https://issuer.example"}, TrustedRoot: tr}, nil)
	if err != nil || rep.Verdict == model.VerdictVerified {
		t.Fatalf("identity policy on a key signature = %v, %v; want not verified", rep.Verdict, err)
	}
}

func hexLeaf(b []byte) string { return hex.EncodeToString(proof.LeafHash(b)) }
