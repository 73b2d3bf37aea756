package client

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/server"
)

// TestAgainstEmbeddedLog drives every call against `provscope serve`'s log:
// upload (and upload again: 409 → the existing entry), get by index and by
// 64- and 80-hex UUID, retrieve, search, log info, public key and
// consistency proof.
func TestAgainstEmbeddedLog(t *testing.T) {
	ctx := context.Background()
	sl, err := server.Open(ctx, server.Config{Dir: t.TempDir(), Hostname: "client.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sl.Handler())
	defer func() { srv.Close(); _ = sl.Close() }()
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := cosignfmt.KeyFromSeed("client")
	s, _ := cosignfmt.NewSigner(k)
	var uuids []string
	for i := range 12 {
		p := []byte(strings.Repeat("x", i+1))
		sig, _ := s.SignMessage(bytes.NewReader(p))
		e, existed, err := c.Upload(ctx, cosignfmt.HashedRekordEntry(p, sig, s.PublicKeyPEM()))
		if err != nil || existed || e.LogIndex != int64(i) || len(e.UUID) != 80 || e.Proof == nil {
			t.Fatalf("Upload %d = %+v, %v, %v", i, e, existed, err)
		}
		uuids = append(uuids, e.UUID)
		if i == 3 {
			again, existed, err := c.Upload(ctx, cosignfmt.HashedRekordEntry(p, sig, s.PublicKeyPEM()))
			if err != nil || !existed || again.UUID != e.UUID {
				t.Fatalf("Upload again = %+v, %v, %v; want the existing entry", again, existed, err)
			}
		}
	}
	for _, id := range []string{uuids[5], uuids[5][16:]} {
		e, err := c.EntryByUUID(ctx, id)
		if err != nil || e.LogIndex != 5 {
			t.Errorf("EntryByUUID(%s) = %v, %v", id, e, err)
		}
	}
	if _, err := c.EntryByIndex(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("EntryByIndex(99) = %v, want ErrNotFound", err)
	}
	es, err := c.Retrieve(ctx, uuids, []int64{0, 11})
	if err != nil || len(es) != 14 {
		t.Errorf("Retrieve(12 uuids, 2 indexes) = %d entries, %v; want 14", len(es), err)
	}
	found, err := c.Search(ctx, SearchQuery{PublicKey: s.PublicKeyPEM()})
	if err != nil || len(found) != 12 {
		t.Errorf("Search(key) = %d, %v; want 12", len(found), err)
	}
	li, err := c.LogInfo(ctx)
	if err != nil || li.TreeSize != 12 || li.TreeID != TreeIDOf(uuids[0]) {
		t.Fatalf("LogInfo = %+v, %v", li, err)
	}
	hashes, err := c.ConsistencyProof(ctx, 5, 12, li.TreeID)
	if err != nil || len(hashes) == 0 {
		t.Errorf("ConsistencyProof(5, 12) = %d hashes, %v", len(hashes), err)
	}
	pem, err := c.PublicKey(ctx, "")
	if err != nil || !bytes.Equal(pem, sl.PublicKeyPEM()) {
		t.Errorf("PublicKey = %q, %v", pem, err)
	}
}
