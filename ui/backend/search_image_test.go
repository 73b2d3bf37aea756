package backend_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// TestSearchImageQuery: / with an image reference lists its signature's
// and attestation's entries (not only the attestation, as a hash search of
// the digest does); a shortened digest, as the explorer shows one, is an
// input error (ui.ErrInvalidQuery), not a log failure to retry.
func TestSearchImageQuery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, b := demoBackend(ctx, t)
	c, repo := signedLegacy(w)
	for _, q := range []string{repo + "@" + c.Digest, repo + ":v1.2.0", c.Image} {
		r, err := b.Search(ctx, q)
		if err != nil || len(r.UUIDs) != 2 || !strings.Contains(r.Note, "1 simple-signing") {
			t.Errorf("Search(%q) = %d UUIDs (%s), %v; want the signature's and the attestation's", q, len(r.UUIDs), r.Note, err)
		}
	}
	if r, err := b.Search(ctx, c.Digest); err != nil || len(r.UUIDs) != 1 {
		t.Errorf("Search(%q) = %v, %v; want the attestation, by subject", c.Digest, r, err)
	}
	for _, q := range []string{c.Digest[:19], repo + "@" + c.Digest[:19]} {
		if _, err := b.Search(ctx, q); !errors.Is(err, ui.ErrInvalidQuery) {
			t.Errorf("Search(%q) error = %v, want ui.ErrInvalidQuery", q, err)
		}
	}
}

// TestSearchImageOnTilesLogFromMirror: on a tiles log (the demo log read
// through its /api/v2), / with an image reference answers from the log's
// mirror and finds the same entries about the image as the Rekor v1
// search API of the same log does: the signature through cosign's
// simple-signing payload rebuilt for the repository and digest, the
// attestation through the payload of the registry's attachment (a mirror
// holds no in-toto subjects). Every entry comes with its inclusion proof
// up to the mirror's signed checkpoint and verifies as an entry of the
// log. Without a mirror the search says how to make one; a shortened
// digest is an input error.
func TestSearchImageOnTilesLogFromMirror(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, v1 := demoBackend(ctx, t)

	// Mirror the demo log's tiles, as provscope mirror does.
	fetch, err := mirror.HTTPFetcher(w.LogURL+"/api/v2", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fetch(ctx, "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	origin, _, _ := strings.Cut(string(raw), "\n")
	key, err := proof.LogKeyFromPEM(w.LogPublicKeyPEM, origin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tilesLog := logs.Log{Name: "demo-v2", URL: w.LogURL, Kind: logs.KindTiles, PublicKey: string(w.LogPublicKeyPEM), Origin: origin}
	open := func(mirrorDir string) *backend.Backend {
		b, err := backend.Open(ctx, backend.Config{RegistryHost: w.RegistryHost, Log: tilesLog, MirrorDir: mirrorDir})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c, repo := signedLegacy(w)
	q := repo + "@" + c.Digest

	if r, err := open(dir).Search(ctx, q); err != nil || len(r.UUIDs) != 0 || !strings.Contains(r.Note, "no mirror of this log") {
		t.Errorf("Search(%q) without a mirror = %+v, %v; want the no-mirror note", q, r, err)
	}
	if _, err := mirror.Sync(ctx, mirror.Config{Dir: dir, Fetch: fetch, Keys: []proof.NoteKey{key}, Index: true}); err != nil {
		t.Fatalf("mirroring the demo log: %v", err)
	}
	tb := open(dir)

	indices := func(b *backend.Backend, q string) ([]int64, string) {
		t.Helper()
		r, err := b.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%q) = %v", q, err)
		}
		es, err := b.Entries(ctx, r.UUIDs)
		if err != nil {
			t.Fatalf("Entries = %v", err)
		}
		var got []int64
		for _, e := range es {
			got = append(got, e.LogIndex)
			if b == tb {
				res, err := b.Verify(ctx, ui.Subject{Entry: &e}, nil)
				if err != nil || res.Verdict() != model.VerdictVerified {
					t.Errorf("Verify(mirrored entry %d) = %s, %v, first failure %+v", e.LogIndex, res.Verdict(), err, res.FirstFailure())
				}
			}
		}
		slices.Sort(got)
		return got, r.Note
	}
	for _, q := range []string{q, repo + ":v1.2.0"} {
		want, _ := indices(v1, q)
		got, note := indices(tb, q)
		if len(want) != 2 || !slices.Equal(got, want) || !strings.Contains(note, "1 simple-signing") {
			t.Errorf("tiles Search(%q) = entries %v (%q); the v1 search API finds %v", q, got, note, want)
		}
	}
	if _, err := tb.Search(ctx, repo+"@"+c.Digest[:19]); !errors.Is(err, ui.ErrInvalidQuery) {
		t.Errorf("Search(short digest) error = %v, want ui.ErrInvalidQuery", err)
	}
}

// demoBackend starts the demo world and opens the explorer's backend on it,
// its log read through the Rekor v1 API with its key pinned.
func demoBackend(ctx context.Context, t *testing.T) (*demo.World, *backend.Backend) {
	t.Helper()
	w, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatalf("starting the demo world: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.RegistryHost,
		Log:          logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1},
		KeyPEM:       w.LogPublicKeyPEM,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w, b
}

// signedLegacy returns the demo's "signed-legacy" case and its repository
// (without the registry host).
func signedLegacy(w *demo.World) (demo.Case, string) {
	var c demo.Case
	for _, x := range w.Cases {
		if x.Name == "signed-legacy" {
			c = x
		}
	}
	return c, strings.TrimPrefix(c.Image[:strings.LastIndex(c.Image, ":")], w.RegistryHost+"/")
}
