package inspect

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/server"
	"github.com/provscope/provscope/rekor/state"
)

// TestTilesAgainstEmbeddedLog reads `provscope serve`'s tlog-tiles API: the
// checkpoint verifies, consistency is proven from tiles, and inclusion
// proofs computed from tiles equal the ones the v1 API serves, across a
// tile boundary.
func TestTilesAgainstEmbeddedLog(t *testing.T) {
	ctx := context.Background()
	sl, err := server.Open(ctx, server.Config{Dir: t.TempDir(), Hostname: "tiles.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sl.Handler())
	defer func() { srv.Close(); _ = sl.Close() }()
	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := cosignfmt.KeyFromSeed("tiles")
	s, _ := cosignfmt.NewSigner(k)
	upload := func(from, to int) {
		for i := from; i < to; i++ {
			p := []byte(fmt.Sprintf("tiles artifact %d", i))
			sig, _ := s.SignMessage(bytes.NewReader(p))
			if _, _, err := rc.Upload(ctx, cosignfmt.HashedRekordEntry(p, sig, s.PublicKeyPEM())); err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
	}
	upload(0, 260)
	l, err := OpenLog(ctx, logs.Log{Name: "tiles", URL: srv.URL, Kind: logs.KindTiles, PublicKey: string(sl.PublicKeyPEM())}, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	store := &state.Store{Dir: t.TempDir()}
	c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Now()})
	if err != nil || c.Verdict() != model.VerdictVerified || c.Trees[0].Checkpoint.Size != 260 {
		t.Fatalf("CheckLog(tiles) = %+v, %v", c, err)
	}
	upload(260, 270)
	c, err = CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Now()})
	if err != nil || c.Verdict() != model.VerdictVerified {
		t.Fatalf("CheckLog(tiles) after growth = %v, %v (%s)", c.Verdict(), err, c.Trees[0].Result.Reason())
	}
	if !strings.Contains(c.Trees[0].Result.Steps[len(c.Trees[0].Result.Steps)-2].Detail, "links size 260 to 270") {
		t.Errorf("consistency step = %+v", c.Trees[0].Result.Steps)
	}
	for _, i := range []int64{0, 7, 255, 256, 269} {
		e, err := rc.EntryByIndex(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.Tiles.InclusionProof(ctx, uint64(e.Proof.LogIndex), uint64(e.Proof.TreeSize))
		if err != nil {
			t.Fatalf("InclusionProof(%d): %v", i, err)
		}
		if len(got) != len(e.Proof.Hashes) {
			t.Fatalf("index %d: tiles proof has %d hashes, v1 API %d", i, len(got), len(e.Proof.Hashes))
		}
		for j := range got {
			if !bytes.Equal(got[j], e.Proof.Hashes[j]) {
				t.Errorf("index %d: hash %d differs between tiles and the v1 API", i, j)
			}
		}
		body, err := l.Tiles.Entry(ctx, uint64(i), 270)
		if err != nil || !bytes.Equal(body, e.Body) {
			t.Errorf("tiles entry %d differs from the v1 API's body (%v)", i, err)
		}
	}
}
