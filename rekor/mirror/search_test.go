package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/tiles"
)

// TestSearcherCacheStillVerifies: a Searcher whose cache is warm still
// reads each entry and its level-0 tile from the mirror and verifies every
// hit's proof against the signed checkpoint, so a tile tampered after the
// cache was filled is caught; a tampered upper tile whose nodes were cached
// from an earlier verified proof is not read again (the hit is still proven
// with the verified hashes), while a fresh search reads it and fails.
func TestSearcherCacheStillVerifies(t *testing.T) {
	const n = 1380 // not a perfect tree: the right edge (1024..1379) starts with node (8,4)
	l := newSynthLog(t, n)
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := Sync(ctx, Config{Dir: dir, Fetch: l.fetch, Keys: l.keys, Index: true}); err != nil {
		t.Fatal(err)
	}
	digest := func(i uint64) string {
		d := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
		return hex.EncodeToString(d[:])
	}
	sr, err := OpenSearcher(dir, l.keys)
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	search := func(s func(context.Context, Query) (*SearchResult, error), idx uint64) error {
		r, err := s(ctx, Query{Digest: digest(idx)})
		if err != nil {
			return err
		}
		if len(r.Hits) != 1 || r.Hits[0].Index != idx {
			t.Fatalf("Search(entry %d) = %+v", idx, r.Hits)
		}
		h := r.Hits[0]
		if err := proof.VerifyInclusion(h.Index, r.Checkpoint.Size, h.LeafHash, h.Proof, r.Checkpoint.RootHash); err != nil {
			t.Fatalf("hit %d: inclusion = %v", h.Index, err)
		}
		return nil
	}
	fresh := func(_ context.Context, q Query) (*SearchResult, error) { return Search(ctx, dir, l.keys, q) }
	for _, idx := range []uint64{3, 700, 1300, 3} { // warm: nodes (8,1), (9,1) and (8,4) of entry 3's proof cached
		if err := search(sr.Search, idx); err != nil {
			t.Fatalf("Search(entry %d) = %v", idx, err)
		}
	}
	flip := func(p string, at int) {
		t.Helper()
		f := filepath.Join(dir, filepath.FromSlash(p))
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b[at] ^= 1
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Level-1 tile, hash 1 = node (8,1), on entry 3's proof and cached.
	flip(tiles.TilePath(1, 0, n/tileWidth), 32)
	if err := search(sr.Search, 3); err != nil {
		t.Fatalf("warm Search(entry 3) after an upper tile changed = %v, want the cached verified nodes used", err)
	}
	if err := search(fresh, 3); err == nil {
		t.Fatal("fresh Search(entry 3) with a tampered level-1 tile succeeded")
	}
	// Level-0 tile 0, hash 2 (entry 2, the sibling of entry 3): read at
	// every search, so the warm searcher catches it.
	flip(tiles.TilePath(0, 0, tileWidth), 2*32)
	if err := search(sr.Search, 3); err == nil {
		t.Fatal("warm Search(entry 3) with a tampered level-0 tile succeeded")
	}
	// The entry itself, in its bundle: its leaf hash no longer proves.
	flip(tiles.TilePath(0, 0, tileWidth), 2*32) // restore tile 0
	if err := search(sr.Search, 3); err != nil {
		t.Fatalf("warm Search(entry 3) after restoring tile 0 = %v", err)
	}
	// One character of the entry's signature (the entry still decodes and
	// matches; its leaf hash no longer proves).
	b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tiles.EntriesPath(2, tileWidth))))
	es, _ := tiles.ParseBundle(b)
	off := 0
	for _, e := range es[:700-512] {
		off += 2 + len(e)
	}
	at := bytes.Index(es[700-512], []byte(`"content":"`))
	if at < 0 {
		t.Fatalf("entry 700 has no signature content: %s", es[700-512])
	}
	flip(tiles.EntriesPath(2, tileWidth), off+2+at+len(`"content":"`)+4)
	if err := search(sr.Search, 700); err == nil {
		t.Fatal("warm Search(entry 700) with a tampered bundle succeeded")
	}
	// A complete checkpoint replaced by the same tree signed with another
	// key: re-verified (the note differs), refused.
	other := newSynthLogOf(t, l.entries)
	if _, err := sr.s.db.ExecContext(ctx, `UPDATE meta SET v = ? WHERE k = ?`, other.files["checkpoint"], metaComplete); err != nil {
		t.Fatal(err)
	}
	if _, err := sr.Search(ctx, Query{Digest: digest(5)}); err == nil || !strings.Contains(err.Error(), "verifying the mirror's checkpoint") {
		t.Fatalf("warm Search with a checkpoint signed by another key = %v, want a verification error", err)
	}
}
