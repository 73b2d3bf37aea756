package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
	"github.com/provscope/provscope/rekor/tiles"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

const tilesHostileSAN = "evil\x1b]0;pwned\x07\x1b[2J\r@example.com"

// mirrorWorld mirrors w's /api/v2 into dir, as `provscope mirror` does.
func mirrorWorld(t *testing.T, w *mirrortest.World, dir string) {
	t.Helper()
	fetch, err := mirror.HTTPFetcher(w.URL+"/api/v2", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mirror.Sync(context.Background(), mirror.Config{Dir: dir, Fetch: fetch, Keys: w.NoteKeys(t), Index: true}); err != nil {
		t.Fatalf("mirroring %s: %v", w.URL, err)
	}
}

// openTiles opens the explorer's backend on w's /api/v2 as a tiles log
// named "served-v2", its key pinned, with its mirror looked for in dir.
func openTiles(t *testing.T, w *mirrortest.World, dir string) *backend.Backend {
	t.Helper()
	def := logs.Log{Name: "served-v2", URL: w.URL, Kind: logs.KindTiles, PublicKey: string(w.KeyPEM())}
	b, err := backend.Open(context.Background(), backend.Config{Log: def, MirrorDir: dir})
	if err != nil {
		t.Fatalf("Open on a tiles log: %v", err)
	}
	return b
}

// TestSearchTilesLogFromMirror: the explorer's search on a tiles log
// (provscope serve's /api/v2) answers from the log's mirror: by digest, by
// identity (prefix), by key and by log index; each entry returned carries
// its inclusion proof from the mirrored tiles up to the mirror's signed
// checkpoint and verifies as an entry of the log. An entry whose SAN
// carries escape sequences is returned exactly. Without a mirror, the
// search says there is none and how to make one; a mirror of another log
// (another key) is an error, not an answer.
func TestSearchTilesLogFromMirror(t *testing.T) {
	ctx := context.Background()
	w := mirrortest.Start(t)
	digests := w.AddHashed(t, "tiles", 20)
	alice := w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	hostile := w.AddKeyless(t, tilesHostileSAN, "https://issuer.example")

	// No mirror yet: the status line says so and how to make one.
	empty := openTiles(t, w, t.TempDir())
	r, err := empty.Search(ctx, "sha256:"+digests[3])
	if err != nil || len(r.UUIDs) != 0 || r.Note != "no mirror of this log: run provscope mirror --log served-v2" {
		t.Errorf("Search without a mirror = %+v, %v; want the note %q", r, err, "no mirror of this log: run provscope mirror --log served-v2")
	}
	if es, err := empty.EntriesFor(ctx, model.Image{Digest: "sha256:" + digests[3]}, nil); err == nil || !strings.Contains(err.Error(), "no mirror of this log") {
		t.Errorf("EntriesFor without a mirror = %d entries, %v; want the no-mirror error", len(es), err)
	}

	dir := t.TempDir()
	mirrorWorld(t, w, dir)
	b := openTiles(t, w, dir)
	li, err := b.LogInfo(ctx)
	if err != nil || li.TreeSize != 22 {
		t.Fatalf("LogInfo on the tiles log = %+v, %v; want size 22", li, err)
	}

	tests := []struct {
		name, q string
		want    []int64
	}{
		{"digest", "sha256:" + digests[3], []int64{3}},
		{"bare digest", digests[17], []int64{17}},
		{"keyless digest", "sha256:" + alice, []int64{20}},
		{"identity exact", "alice@example.com", []int64{20}},
		{"identity prefix", "ali", []int64{20}},
		{"identity none", "bob@", nil},
		{"hostile identity", tilesHostileSAN, []int64{21}},
		{"hostile digest", hostile, []int64{21}},
		{"key", string(w.Signer.PublicKeyPEM()), seq(0, 20)},
		{"log index", "5", []int64{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := b.Search(ctx, tc.q)
			if err != nil {
				t.Fatalf("Search(%q) = %v", tc.q, err)
			}
			es, err := b.Entries(ctx, r.UUIDs)
			if err != nil {
				t.Fatalf("Entries(%v) = %v", r.UUIDs, err)
			}
			var got []int64
			for _, e := range es {
				got = append(got, e.LogIndex)
				res, err := b.Verify(ctx, ui.Subject{Entry: &e}, nil)
				if err != nil || res.FirstFailure() != nil || res.Verdict() != model.VerdictVerified {
					t.Errorf("Verify(entry %d) = %s, %v, first failure %+v", e.LogIndex, res.Verdict(), err, res.FirstFailure())
				}
				if e.Proof == nil || e.Proof.TreeSize != 22 || e.Proof.Checkpoint == "" {
					t.Errorf("entry %d proof = %+v, want one up to the mirror's signed checkpoint @ 22", e.LogIndex, e.Proof)
				}
			}
			fromMirror := strings.Contains(r.Note, "from the mirror") && strings.Contains(r.Note, "checkpoint @ 22")
			if tc.name != "log index" && !fromMirror {
				t.Errorf("Search(%q) note = %q, want it to name the mirror and its checkpoint @ 22", tc.q, r.Note)
			}
			if !equalInts(got, tc.want) {
				t.Errorf("Search(%q) = entries %v (note %q), want %v", tc.q, got, r.Note, tc.want)
			}
		})
	}

	// The hostile SAN comes back exactly as the certificate says it.
	r, err = b.Search(ctx, tilesHostileSAN)
	if err != nil || len(r.UUIDs) != 1 {
		t.Fatalf("Search(hostile SAN) = %+v, %v", r, err)
	}
	es, err := b.Entries(ctx, r.UUIDs)
	if err != nil || len(es) != 1 {
		t.Fatalf("Entries(hostile) = %v, %v", es, err)
	}
	d, err := body.Decode(es[0].Body)
	if err != nil || len(d.Signatures) != 1 || d.Signatures[0].Signer.Subject != tilesHostileSAN {
		t.Errorf("hostile entry's signer = %+v, %v; want the SAN %q exactly", d, err, tilesHostileSAN)
	}

	// An image's entries come from the mirror too.
	img, err := b.EntriesFor(ctx, model.Image{Digest: "sha256:" + digests[7]}, nil)
	if err != nil || len(img) != 1 || img[0].LogIndex != 7 {
		t.Errorf("EntriesFor(digest of entry 7) = %v, %v", img, err)
	}

	// Input errors.
	for _, q := range []string{"sha256:abc", "example.com/repo@sha256:abc", strings.Repeat("ab", 40)} {
		if _, err := b.Search(ctx, q); !errors.Is(err, ui.ErrInvalidQuery) {
			t.Errorf("Search(%q) = %v, want ui.ErrInvalidQuery", q, err)
		}
	}

	// A mirror of another log, with another key, in this log's place: its
	// checkpoint does not verify with the explorer's pinned key.
	other := mirrortest.Start(t)
	other.AddHashed(t, "tiles", 20)
	odir := t.TempDir()
	mirrorWorld(t, other, odir)
	if r, err := openTiles(t, w, odir).Search(ctx, "sha256:"+digests[3]); err == nil {
		t.Errorf("Search on another log's mirror = %+v, want an error", r)
	}
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMirrorSearcherKeptAcrossSearches: the explorer keeps one open
// mirror.Searcher for its log's mirror (its verified checkpoint and upper
// nodes cached). It still follows the mirror as it grows, and still reads
// each hit's entry and level-0 tile, so a level-0 tile changed after the
// first search makes the next search an error, never a hit.
func TestMirrorSearcherKeptAcrossSearches(t *testing.T) {
	ctx := context.Background()
	w := mirrortest.Start(t)
	first := w.AddHashed(t, "grow-a", 5)
	dir := t.TempDir()
	mirrorWorld(t, w, dir)
	b := openTiles(t, w, dir)
	find := func(d string) ([]int64, string, error) {
		t.Helper()
		r, err := b.Search(ctx, "sha256:"+d)
		if err != nil {
			return nil, "", err
		}
		es, err := b.Entries(ctx, r.UUIDs)
		var got []int64
		for _, e := range es {
			got = append(got, e.LogIndex)
		}
		return got, r.Note, err
	}
	if got, note, err := find(first[2]); err != nil || !equalInts(got, []int64{2}) || !strings.Contains(note, "checkpoint @ 5") {
		t.Fatalf("first search = %v (%q), %v; want entry 2 @ 5", got, note, err)
	}

	// The log grows and is mirrored again: the kept searcher verifies the
	// new checkpoint and finds the new entries.
	later := w.AddHashed(t, "grow-b", 4)
	mirrorWorld(t, w, dir)
	if got, note, err := find(later[3]); err != nil || !equalInts(got, []int64{8}) || !strings.Contains(note, "checkpoint @ 9") {
		t.Fatalf("search after growth = %v (%q), %v; want entry 8 @ 9", got, note, err)
	}
	if got, _, err := find(first[0]); err != nil || !equalInts(got, []int64{0}) {
		t.Fatalf("old entry after growth = %v, %v; want entry 0", got, err)
	}

	// A byte of the level-0 tile changed under the open searcher.
	tile := filepath.Join(dir, filepath.FromSlash(tiles.TilePath(0, 0, 9)))
	raw, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	raw[32*4] ^= 1 // entry 4's leaf hash: a sibling on entry 5's path
	if err := os.WriteFile(tile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, note, err := find(later[0]); err == nil {
		t.Errorf("search with a tampered level-0 tile = %v (%q), want an error", got, note)
	}
}
