package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/rekor/logs"
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
	w, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatalf("starting the demo world: %v", err)
	}
	defer w.Close()
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.RegistryHost,
		Log:          logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1},
		KeyPEM:       w.LogPublicKeyPEM,
	})
	if err != nil {
		t.Fatal(err)
	}
	var c demo.Case
	for _, x := range w.Cases {
		if x.Name == "signed-legacy" {
			c = x
		}
	}
	repo := strings.TrimPrefix(c.Image[:strings.LastIndex(c.Image, ":")], w.RegistryHost+"/")
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
