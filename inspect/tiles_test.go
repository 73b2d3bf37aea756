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
	sl, srv, rc, upload := serveLog(t, "tiles.test")
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

// TestOneHostTwoLogsRememberedApart: provscope serve answers the Rekor v1
// API and tlog-tiles under /api/v2 on one URL. Read both ways with one
// state store, in either order and again, neither makes the other's tree
// look dropped or its origin changed: they are remembered under their own
// names (Log.StateKey), and each still catches its own rollback.
func TestOneHostTwoLogsRememberedApart(t *testing.T) {
	ctx := context.Background()
	sl, srv, _, upload := serveLog(t, "two.test")
	upload(0, 1)
	pub := sl.PublicKeyPEM()
	v1, err := OpenLog(ctx, logs.Log{Name: "v1", URL: srv.URL, Kind: logs.KindRekorV1, PublicKey: string(pub)}, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := OpenLog(ctx, logs.Log{Name: "v2", URL: srv.URL, Kind: logs.KindTiles, PublicKey: string(pub)}, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v1.StateKey() == v2.StateKey() {
		t.Fatalf("both APIs remembered as %q", v1.StateKey())
	}
	store := &state.Store{Dir: t.TempDir()}
	for i, l := range []*Log{v1, v2, v1, v2} {
		if i == 2 {
			upload(1, 2)
		}
		c, err := CheckLog(ctx, l, CheckOptions{Store: store, Now: time.Now()})
		if err != nil || c.Verdict() != model.VerdictVerified {
			reason := ""
			if c != nil && len(c.Trees) > 0 {
				reason = c.Trees[0].Result.Reason()
			}
			t.Fatalf("read %d (%s) = %v, %v: %s", i, l.Def.Kind, c.Verdict(), err, reason)
		}
	}
	// Each remembers its own checkpoint: a tiles head older than the one
	// remembered for the tiles log is still a rollback.
	cps, err := store.List(v2.StateKey())
	if err != nil || len(cps) != 1 || cps[0].Size != 2 {
		t.Fatalf("remembered for the tiles log = %+v, %v; want size 2", cps, err)
	}
	old := cps[0]
	old.Size, old.RootHash = 3, strings.Repeat("ab", 32)
	if err := store.Save(old); err != nil {
		t.Fatal(err)
	}
	if c, err := CheckLog(ctx, v2, CheckOptions{Store: store, Now: time.Now()}); err != nil || c.Verdict() != model.VerdictFailed {
		t.Errorf("tiles head below the remembered size: %v, %v; want failed", c.Verdict(), err)
	}
	if c, err := CheckLog(ctx, v1, CheckOptions{Store: store, Now: time.Now()}); err != nil || c.Verdict() != model.VerdictVerified {
		t.Errorf("v1 read after the tiles log's state changed: %v, %v; want verified", c.Verdict(), err)
	}
}

// serveLog serves provscope's own log (Rekor v1 and tiles under /api/v2)
// for host on loopback, with a client to it and upload(from, to), which
// logs hashedrekord entries from to to-1 over fresh artifacts.
func serveLog(t *testing.T, host string) (*server.Log, *httptest.Server, *client.Client, func(from, to int)) {
	t.Helper()
	ctx := context.Background()
	sl, err := server.Open(ctx, server.Config{Dir: t.TempDir(), Hostname: host})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sl.Handler())
	t.Cleanup(func() { srv.Close(); _ = sl.Close() })
	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := cosignfmt.KeyFromSeed(host)
	s, _ := cosignfmt.NewSigner(k)
	upload := func(from, to int) {
		for i := from; i < to; i++ {
			p := []byte(fmt.Sprintf("%s artifact %d", host, i))
			sig, _ := s.SignMessage(bytes.NewReader(p))
			if _, _, err := rc.Upload(ctx, cosignfmt.HashedRekordEntry(p, sig, s.PublicKeyPEM())); err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
	}
	return sl, srv, rc, upload
}
