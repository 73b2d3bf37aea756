package inspect

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
)

// TestKeyFromLogPicksTheEntryOfThisSignature: a cosign signature with
// neither a pinned key, nor a certificate, nor a bundle is checked with the
// key of the logged entry that records this very signature (keyFromLog,
// proof.LoggedSignatureKey). When an attacker has logged the same payload
// under their own key and the index lists their entry first, the
// signature is still checked with the real signer's key: the attacker's
// key is never the one chosen, nor the signer reported.
func TestKeyFromLogPicksTheEntryOfThisSignature(t *testing.T) {
	ctx := context.Background()
	w := startDemoWorld(t)
	l, err := OpenLog(ctx, logs.Log{URL: w.LogURL}, LogOptions{KeyPEM: w.LogPublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Registry: registry.New(registry.Config{}), Log: l}
	real := seededSigner(t, "key from log: real")
	attacker := seededSigner(t, "key from log: attacker")
	for _, tt := range []struct {
		name    string
		repo    string
		hostile bool
	}{
		{"only the signer's entry", "/keyfromlog/plain", false},
		{"attacker logged the same payload", "/keyfromlog/hostile", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hostile *cosignfmt.Signer
			if tt.hostile {
				hostile = attacker
			}
			ref := pushLoggedUnbundled(ctx, t, l, w.RegistryHost+tt.repo, real, hostile)
			rep, err := VerifyImage(ctx, deps, ref, Policy{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			a := signatureReport(t, rep)
			if got := a.Signer.KeyFingerprint; got != real.KeyFingerprint() {
				t.Errorf("signer = %s, want the real key %s (attacker's is %s)", got, real.KeyFingerprint(), attacker.KeyFingerprint())
			}
			for _, name := range []string{StepSignature, StepLogEntry} {
				switch i := stepIndex(a.Result, name); {
				case i < 0:
					t.Errorf("no step %s in %+v", name, a.Result.Steps)
				case a.Result.Steps[i].Status != model.StatusPass:
					t.Errorf("step %s = %+v, want pass", name, a.Result.Steps[i])
				}
			}
			if rep.Verdict != model.VerdictUnpinned {
				t.Errorf("image verdict = %s (%s), want %s", rep.Verdict, rep.Reason, model.VerdictUnpinned)
			}
			for _, s := range rep.Signers {
				if s.KeyFingerprint == attacker.KeyFingerprint() {
					t.Errorf("the attacker's key is among the image's signers %+v", rep.Signers)
				}
			}
		})
	}
}

// pushLoggedUnbundled pushes a random image to repo and attaches real's
// signature of its simple-signing payload with neither a bundle annotation
// nor a certificate, logged as a hashedrekord entry; it returns the
// image's reference. With an attacker, the attacker's own signature of the
// same payload is logged too, and a new image is tried until the
// attacker's entry sorts first: the index lists entries by UUID, so
// keyFromLog meets the attacker's entry before the real one.
func pushLoggedUnbundled(ctx context.Context, tb testing.TB, l *Log, repo string, real, attacker *cosignfmt.Signer) string {
	tb.Helper()
	for i := range 64 {
		ref := fmt.Sprintf("%s:%d", repo, i)
		d, err := inspecttest.PushRandomImage(ctx, ref)
		if err != nil {
			tb.Fatal(err)
		}
		payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), d.DigestStr(), nil)
		if err != nil {
			tb.Fatal(err)
		}
		sig := signPayload(tb, real, payload)
		if err := cosignfmt.WriteAttached(d, registry.SuffixSignature, []cosignfmt.Layer{cosignfmt.SignatureLayer(payload, sig, "")}, true, remote.WithContext(ctx)); err != nil {
			tb.Fatal(err)
		}
		realUUID := logSignature(ctx, tb, l, payload, sig, real)
		if attacker == nil {
			return ref
		}
		if logSignature(ctx, tb, l, payload, signPayload(tb, attacker, payload), attacker) < realUUID {
			if first := firstIndexedSigner(ctx, tb, l, payload); first != attacker.KeyFingerprint() {
				tb.Fatalf("the index lists key %s first, want the attacker's %s: the test proves nothing", first, attacker.KeyFingerprint())
			}
			return ref
		}
	}
	tb.Fatal("the attacker's entry never sorted first in 64 images")
	return ""
}

// logSignature logs sig, s's signature of payload, as a hashedrekord entry
// and returns its UUID.
func logSignature(ctx context.Context, tb testing.TB, l *Log, payload, sig []byte, s *cosignfmt.Signer) string {
	tb.Helper()
	e, _, err := l.Rekor.Upload(ctx, cosignfmt.HashedRekordEntry(payload, sig, s.PublicKeyPEM()))
	if err != nil {
		tb.Fatal(err)
	}
	return e.UUID
}

func signPayload(tb testing.TB, s *cosignfmt.Signer, payload []byte) []byte {
	tb.Helper()
	sig, err := s.SignMessage(bytes.NewReader(payload))
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

// firstIndexedSigner returns the key fingerprint of the first entry the
// log's index lists for payload's hash, as keyFromLog receives them.
func firstIndexedSigner(ctx context.Context, tb testing.TB, l *Log, payload []byte) string {
	tb.Helper()
	uuids, err := l.Rekor.Search(ctx, client.SearchQuery{Hash: "sha256:" + sha256Digest(payload).Hex})
	if err != nil || len(uuids) < 2 {
		tb.Fatalf("index search = %v, %v; want both entries", uuids, err)
	}
	entries, err := l.Rekor.Retrieve(ctx, uuids, nil)
	if err != nil || len(entries) == 0 {
		tb.Fatalf("retrieving %v: %v", uuids, err)
	}
	b, err := body.Decode(entries[0].Body)
	if err != nil {
		tb.Fatal(err)
	}
	return b.Signer().KeyFingerprint
}

// signatureReport returns rep's one signature attachment.
func signatureReport(tb testing.TB, rep *ImageReport) *AttachmentReport {
	tb.Helper()
	for i := range rep.Attachments {
		if rep.Attachments[i].Kind == model.AttachSignature && rep.Attachments[i].Result != nil {
			return &rep.Attachments[i]
		}
	}
	tb.Fatalf("no signature in %+v", rep.Attachments)
	return nil
}

// rootOf is the RFC 6962 root of leaves.
func rootOf(tb testing.TB, leaves [][]byte) []byte {
	tb.Helper()
	tree := testonly.New(rfc6962.DefaultHasher)
	tree.AppendData(leaves...)
	return tree.Hash()
}
