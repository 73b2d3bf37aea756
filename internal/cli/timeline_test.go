package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	rekorclient "github.com/sigstore/rekor/pkg/client"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/registry/cosignfmt"
)

// signDemoDigest signs digest in the demo world with the named demo key
// seed, logging the signature, as cosign sign --key does.
func signDemoDigest(t *testing.T, w *demo.World, ref, seed string) {
	t.Helper()
	k, err := cosignfmt.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rekorclient.GetRekorClient(w.LogURL)
	if err != nil {
		t.Fatal(err)
	}
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cosignfmt.SignImageLegacy(context.Background(), d, s, cosignfmt.RekorUploader(rc), remote.WithAuth(authn.Anonymous)); err != nil {
		t.Fatalf("signing %s: %v", ref, err)
	}
}

// TestTimelineShowsMovedTag: demo/api:stable was signed (key 2026), then
// moved to a new digest; once the new digest is signed too (key 2025), the
// timeline shows both digests, each with its signer, the old one as a tag
// move.
func TestTimelineShowsMovedTag(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	c := demoCase(t, w, "moved-tag")
	repo := c.Image[:strings.LastIndex(c.Image, ":")]
	signDemoDigest(t, w, repo+"@"+c.Digest, "provscope demo signing key 2025")
	var k2025, k2026 string
	for _, k := range w.Keys {
		switch k.Name {
		case "2025":
			k2025 = k.Fingerprint
		case "2026":
			k2026 = k.Fingerprint
		}
	}

	code, out, errs := runCLI(t, "timeline", c.Image, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath, "--output", "json")
	if code != exitOK {
		t.Fatalf("timeline: exit %d\n%s%s", code, out, errs)
	}
	var tl inspect.Timeline
	if err := json.Unmarshal([]byte(out), &tl); err != nil {
		t.Fatalf("timeline --output json: %v\n%s", err, out)
	}
	signerOf := map[string]string{} // digest → key fingerprint
	for _, e := range tl.Events {
		signerOf[e.Digest] = e.Signer.KeyFingerprint
	}
	if signerOf[c.Digest] != k2025 {
		t.Errorf("current digest %s signed by %q, want key 2025 %s\n%s", c.Digest, signerOf[c.Digest], k2025, out)
	}
	if len(tl.Moves) != 1 || len(tl.Moves[0].Signers) != 1 || tl.Moves[0].Signers[0].KeyFingerprint != k2026 {
		t.Fatalf("tag moves %+v, want the previous digest signed by key 2026\n%s", tl.Moves, out)
	}
	old := tl.Moves[0].Digest
	if old == c.Digest || signerOf[old] != k2026 {
		t.Errorf("previous digest %s: events signed by %q, want key 2026\n%s", old, signerOf[old], out)
	}
	if len(tl.Keys) != 2 {
		t.Errorf("key uses %+v, want two keys", tl.Keys)
	}
	// Text and Markdown name both digests.
	for _, format := range [][]string{nil, {"--format", "markdown"}} {
		args := append([]string{"timeline", c.Image, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath}, format...)
		code, out, errs := runCLI(t, args...)
		if code != exitOK || !strings.Contains(out, c.Digest) || !strings.Contains(out, old) || !strings.Contains(out, "no tag points here any more") {
			t.Errorf("timeline %v: exit %d, want both digests and the move\n%s%s", format, code, out, errs)
		}
	}
}
