package inspect_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

// TestMirrorIndex: About's view of a tiles log's mirror. An entry is found
// by a digest it records and by its own body, with an inclusion proof that
// verifies against the mirror's signed checkpoint. A body the log does not
// hold (a forged bundle's entry: one signature byte changed) is not found,
// garbage is an error, and Retrieve returns only entries the mirror found.
func TestMirrorIndex(t *testing.T) {
	ctx := context.Background()
	w := mirrortest.Start(t)
	digests := w.AddHashed(t, "about", 6)
	dir := t.TempDir()
	fetch, err := mirror.HTTPFetcher(w.URL+"/api/v2", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mirror.Sync(ctx, mirror.Config{Dir: dir, Fetch: fetch, Keys: w.NoteKeys(t), Index: true}); err != nil {
		t.Fatal(err)
	}
	sr, err := mirror.OpenSearcher(dir, w.NoteKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	mi := &inspect.MirrorIndex{Searcher: sr, Name: "mirror"}

	ids, err := mi.SearchHash(ctx, "sha256:"+digests[4])
	if err != nil || len(ids) != 1 {
		t.Fatalf("SearchHash(entry 4's digest) = %v, %v", ids, err)
	}
	es, err := mi.Retrieve(ctx, ids)
	if err != nil || len(es) != 1 || es[0].LogIndex != 4 {
		t.Fatalf("Retrieve(%v) = %+v, %v", ids, es, err)
	}
	e := es[0]
	p := e.Proof
	if err := proof.VerifyInclusion(uint64(p.LogIndex), uint64(p.TreeSize), proof.LeafHash(e.Body), p.Hashes, p.RootHash); err != nil || p.TreeSize != 6 || p.Checkpoint == "" {
		t.Errorf("entry 4's proof = %+v: %v; want one verifying up to the signed checkpoint @ 6", p, err)
	}

	fresh := &inspect.MirrorIndex{Searcher: sr, Name: "mirror"}
	got, err := fresh.EntryFor(ctx, e.Body)
	if err != nil || got.LogIndex != 4 || got.UUID != e.UUID {
		t.Errorf("EntryFor(entry 4's body) = %+v, %v", got, err)
	}
	// The same entry with one byte of its base64 signature changed: it
	// still decodes and records the same digest, but the log holds no such
	// leaf.
	i := bytes.Index(e.Body, []byte(`"content":"`)) + len(`"content":"`)
	forged := bytes.Clone(e.Body)
	forged[i+4] ^= 'A' ^ 'B'
	if forged[i+4] == e.Body[i+4] {
		t.Fatal("forged body equals the original")
	}
	if got, err := fresh.EntryFor(ctx, forged); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("EntryFor(forged body) = %+v, %v; want client.ErrNotFound", got, err)
	}
	if got, err := fresh.EntryFor(ctx, []byte("\x1b]52;c;AAAA\x07 not an entry")); err == nil {
		t.Errorf("EntryFor(garbage) = %+v, want an error", got)
	}
	if _, err := fresh.Retrieve(ctx, []string{"00" + e.UUID[2:]}); err == nil {
		t.Error("Retrieve(an ID the mirror never found) succeeded")
	}
	if mi.SubjectIndex() || !(inspect.RekorIndex{}).SubjectIndex() {
		t.Error("SubjectIndex: want false for a mirror, true for Rekor")
	}
}
