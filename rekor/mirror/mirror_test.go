package mirror_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
	"github.com/provscope/provscope/rekor/tiles"
)

const hostileSAN = "evil\x1b]0;pwned\x07\x1b[2J@example.com"

func sync(t *testing.T, w *mirrortest.World, dir string, index bool, mod func(*mirror.Config)) (*mirror.Result, error) {
	t.Helper()
	fetch, err := mirror.HTTPFetcher(w.URL+"/api/v2", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := mirror.Config{Dir: dir, Fetch: fetch, Keys: w.NoteKeys(t), Index: index}
	if mod != nil {
		mod(&cfg)
	}
	return mirror.Sync(context.Background(), cfg)
}

func mustSync(t *testing.T, w *mirrortest.World, dir string, index bool) *mirror.Result {
	t.Helper()
	res, err := sync(t, w, dir, index, nil)
	if err != nil {
		t.Fatalf("Sync(%s) = %v", dir, err)
	}
	return res
}

// TestMirrorAndSearch mirrors the embedded log (every kind, a keyless
// entry whose SAN carries escape sequences) and finds entries by each key.
func TestMirrorAndSearch(t *testing.T) {
	w := mirrortest.Start(t)
	digests := w.AddHashed(t, "a", 300)
	payload := w.AddDSSE(t, digests[0])
	kl := w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	hostile := w.AddKeyless(t, hostileSAN, "https://issuer.example")
	intoto := w.AddIntoto(t, digests[1])
	dir := t.TempDir()
	res := mustSync(t, w, dir, true)
	if res.From != 0 || res.To != 304 || res.Checkpoint.Size != 304 {
		t.Fatalf("Sync = %d..%d @ %d, want 0..304 @ 304", res.From, res.To, res.Checkpoint.Size)
	}
	fp := sha256.Sum256(mustDER(t, w.Signer.PublicKeyPEM()))
	tests := []struct {
		name string
		q    mirror.Query
		want []uint64
	}{
		{"digest", mirror.Query{Digest: "sha256:" + digests[257]}, []uint64{257}},
		{"digest bare", mirror.Query{Digest: digests[3]}, []uint64{3}},
		{"payload digest", mirror.Query{Digest: payload}, []uint64{300}},
		{"keyless digest", mirror.Query{Digest: kl}, []uint64{301}},
		{"subject exact", mirror.Query{Subject: "alice@example.com"}, []uint64{301}},
		{"subject prefix", mirror.Query{Subject: "ali*"}, []uint64{301}},
		{"subject none", mirror.Query{Subject: "alice@example.co"}, nil},
		{"issuer", mirror.Query{Issuer: "https://issuer.example"}, []uint64{301, 302}},
		{"issuer and subject", mirror.Query{Issuer: "https://issuer.example", Subject: "evil*"}, []uint64{302}},
		{"hostile subject exact", mirror.Query{Subject: hostileSAN}, []uint64{302}},
		{"key", mirror.Query{KeyFingerprint: hex.EncodeToString(fp[:]), Limit: 1000}, append(seq(0, 301), 303)},
		{"intoto payload digest", mirror.Query{Digest: intoto}, []uint64{303}},
		{"kind intoto", mirror.Query{Kind: model.KindIntoto}, []uint64{303}},
		{"kind dsse", mirror.Query{Kind: model.KindDSSE}, []uint64{300}},
		{"kind and key", mirror.Query{Kind: model.KindDSSE, KeyFingerprint: hex.EncodeToString(fp[:])}, []uint64{300}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := mirror.Search(context.Background(), dir, w.NoteKeys(t), tc.q)
			if err != nil {
				t.Fatalf("Search(%+v) = %v", tc.q, err)
			}
			var got []uint64
			for _, h := range r.Hits {
				got = append(got, h.Index)
				if err := proof.VerifyInclusion(h.Index, r.Checkpoint.Size, h.LeafHash, h.Proof, r.Checkpoint.RootHash); err != nil {
					t.Errorf("hit %d: inclusion = %v", h.Index, err)
				}
			}
			if !equal(got, tc.want) {
				t.Errorf("Search(%+v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	// The hostile SAN is indexed exactly as the certificate says.
	r, err := mirror.Search(context.Background(), dir, w.NoteKeys(t), mirror.Query{Digest: hostile})
	if err != nil || len(r.Hits) != 1 || r.Hits[0].Body.Signer().Subject != hostileSAN {
		t.Fatalf("Search(hostile) = %+v, %v", r, err)
	}
	// Limit.
	r, err = mirror.Search(context.Background(), dir, w.NoteKeys(t), mirror.Query{KeyFingerprint: hex.EncodeToString(fp[:]), Limit: 5})
	if err != nil || len(r.Hits) != 5 || !r.More {
		t.Fatalf("Search(limit 5) = %d hits, more %v, %v", len(r.Hits), r.More, err)
	}
}

func seq(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func equal(a, b []uint64) bool {
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

func mustDER(t *testing.T, pemBytes []byte) []byte {
	t.Helper()
	der, err := proof.PublicKeyDER(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestMirrorResume interrupts a mirror after its first chunk and resumes
// it: the second run starts where the first committed and completes.
func TestMirrorResume(t *testing.T) {
	w := mirrortest.Start(t)
	w.AddHashed(t, "r", 600)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fetch, err := mirror.HTTPFetcher(w.URL+"/api/v2", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := mirror.Config{
		Dir: dir, Fetch: fetch, Keys: w.NoteKeys(t), Index: true, ChunkBundles: 1,
		Progress: func(p mirror.Progress) { cancel() },
	}
	if _, err := mirror.Sync(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Sync = %v, want context.Canceled", err)
	}
	info, err := mirror.ReadInfo(context.Background(), dir)
	if err != nil || info.Size != 256 || len(info.Complete) != 0 {
		t.Fatalf("after interrupt: %+v, %v; want 256 entries, no complete checkpoint", info, err)
	}
	if _, err := mirror.Search(context.Background(), dir, w.NoteKeys(t), mirror.Query{Kind: model.KindHashedRekord}); !errors.Is(err, mirror.ErrNoCheckpoint) {
		t.Fatalf("Search before completion = %v, want ErrNoCheckpoint", err)
	}
	var starts []uint64
	cfg.Progress = func(p mirror.Progress) { starts = append(starts, p.Start) }
	res, err := mirror.Sync(context.Background(), cfg)
	if err != nil || res.From != 256 || res.To != 600 || len(starts) != 2 || starts[0] != 256 {
		t.Fatalf("resumed Sync = %+v, %v (progress starts %v); want 256..600 in 2 chunks", res, err, starts)
	}
	r, err := mirror.Search(context.Background(), dir, w.NoteKeys(t), mirror.Query{Kind: model.KindHashedRekord, Limit: 1000})
	if err != nil || len(r.Hits) != 600 {
		t.Fatalf("Search after resume = %d hits, %v; want 600", len(r.Hits), err)
	}
	// And it follows the log as it grows, across the partial bundle.
	w.AddHashed(t, "s", 10)
	res, err = mirror.Sync(context.Background(), cfg)
	if err != nil || res.From != 600 || res.To != 610 {
		t.Fatalf("Sync after growth = %+v, %v", res, err)
	}
}

// lies rewrite what the proxy serves during the second run (the log grows
// from 300 to 600 entries between the runs).
var lies = []struct {
	name      string
	mutate    mirrortest.Mutator
	wantRange string
	wantKind  proof.TileLieKind
}{
	{"flipped tile byte", on("tile/0/002.p/88", func(b []byte) []byte { b[3*32+5] ^= 1; return b }), "entry 515", proof.TileMismatch},
	{"flipped level-1 tile byte", on("tile/1/000.p/2", func(b []byte) []byte { b[32] ^= 0x80; return b }), "entries 256..511", proof.TileMismatch},
	{"entry changed under its tile", on("tile/entries/002.p/88", func(b []byte) []byte { b[2+10] ^= 1; return b }), "entry 512", proof.TileMismatch},
	{"truncated bundle", on("tile/entries/002.p/88", dropLast), "entries 512..599", proof.BundleWrongCount},
	{"cut bundle", on("tile/entries/002.p/88", func(b []byte) []byte { return b[:len(b)-7] }), "entries 512..599", proof.BundleMalformed},
	{"reordered bundle", on("tile/entries/001", func(b []byte) []byte { return swap(b, 44, 45) }), "entry 300", proof.TileMismatch},
	{"reordered bundle and tile", func(p string, b []byte) []byte {
		switch p {
		case "tile/entries/002.p/88":
			return swap(b, 0, 1)
		case "tile/0/002.p/88":
			b0 := bytes.Clone(b[:32])
			copy(b[:32], b[32:64])
			copy(b[32:64], b0)
		}
		return b
	}, "entries 300..599", proof.RootMismatch},
}

func on(path string, f func([]byte) []byte) mirrortest.Mutator {
	return func(p string, b []byte) []byte {
		if p == path {
			return f(b)
		}
		return b
	}
}

func entries(b []byte) [][]byte {
	e, err := tiles.ParseBundle(b)
	if err != nil {
		panic(err)
	}
	return e
}

func join(es [][]byte) []byte {
	var out []byte
	for _, e := range es {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e))) //nolint:gosec // test entries are small
		out = append(out, e...)
	}
	return out
}

func dropLast(b []byte) []byte { e := entries(b); return join(e[:len(e)-1]) }

func swap(b []byte, i, j int) []byte {
	e := entries(b)
	e[i], e[j] = e[j], e[i]
	return join(e)
}

// TestMirrorCatchesLies: each lie stops the mirror and the audit with a
// *LieError naming the first bad range, saves the evidence, and leaves the
// index and the state as they were.
func TestMirrorCatchesLies(t *testing.T) {
	for _, tc := range lies {
		t.Run(tc.name, func(t *testing.T) {
			w := mirrortest.Start(t)
			w.AddHashed(t, "a", 300)
			dirs := map[bool]string{true: t.TempDir(), false: t.TempDir()}
			for index, dir := range dirs {
				mustSync(t, w, dir, index)
			}
			before := rowCounts(t, dirs[true])
			w.AddHashed(t, "b", 300)
			w.SetMutator(tc.mutate)
			for index, dir := range dirs {
				_, err := sync(t, w, dir, index, nil)
				var le *mirror.LieError
				var tl *proof.TileLieError
				if !errors.As(err, &le) || !errors.As(err, &tl) {
					t.Fatalf("Sync(index %v) = %v, want a *LieError wrapping a *proof.TileLieError", index, err)
				}
				if tl.Kind != tc.wantKind || tl.Range.String() != tc.wantRange || !strings.Contains(err.Error(), tc.wantRange) {
					t.Errorf("Sync(index %v) = %v (%s, %s), want %s %s", index, err, tl.Kind, tl.Range, tc.wantKind, tc.wantRange)
				}
				if len(le.Evidence) == 0 {
					t.Errorf("no evidence saved")
				}
				for _, p := range le.Evidence {
					if _, err := os.Stat(p); err != nil || !strings.HasPrefix(p, filepath.Join(dir, "evidence")) {
						t.Errorf("evidence %s: %v", p, err)
					}
				}
				info, err := mirror.ReadInfo(context.Background(), dir)
				if err != nil || info.Size != 300 {
					t.Errorf("after the lie: size %d, %v; want 300", info.Size, err)
				}
			}
			if after := rowCounts(t, dirs[true]); after != before {
				t.Errorf("index rows changed by a lie: %s, want %s", after, before)
			}
			// The truth, once served, mirrors to the end.
			w.SetMutator(nil)
			for index, dir := range dirs {
				if res := mustSync(t, w, dir, index); res.To != 600 {
					t.Errorf("Sync after the lie = %+v", res)
				}
			}
		})
	}
}

// rowCounts summarises the index tables.
func rowCounts(t *testing.T, dir string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "mirror.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, tab := range []string{"idents", "sigs", "keys", "digests", "kinds"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + tab).Scan(&n); err != nil { //nolint:gosec // fixed table names
			t.Fatal(err)
		}
		out = append(out, tab+"="+itoa(n))
	}
	return strings.Join(out, " ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestMirrorCheckpointLies: a bad signature, a rollback and a fork stop the
// mirror and the audit with exit-1 errors and saved checkpoints.
func TestMirrorCheckpointLies(t *testing.T) {
	t.Run("bad signature", func(t *testing.T) {
		w := mirrortest.Start(t)
		w.AddHashed(t, "a", 3)
		w.SetMutator(on("checkpoint", func(b []byte) []byte {
			i := bytes.LastIndexByte(b[:len(b)-1], ' ')
			b[i+8] ^= 1 // a base64 character of the signature
			return b
		}))
		for _, index := range []bool{true, false} {
			_, err := sync(t, w, t.TempDir(), index, nil)
			var le *mirror.LieError
			var bs *proof.BadSignatureError
			if !errors.As(err, &le) || (!errors.As(err, &bs) && !strings.Contains(err.Error(), "checkpoint")) {
				t.Fatalf("Sync = %v, want a *LieError about the checkpoint signature", err)
			}
		}
	})
	t.Run("rollback", func(t *testing.T) {
		w := mirrortest.Start(t)
		w.AddHashed(t, "a", 3)
		old := w.Checkpoint(t)
		w.AddHashed(t, "b", 3)
		dir := t.TempDir()
		mustSync(t, w, dir, true)
		w.SetMutator(on("checkpoint", func([]byte) []byte { return old }))
		_, err := sync(t, w, dir, true, nil)
		var ie *proof.InconsistentError
		if !errors.As(err, &ie) || ie.Kind != proof.Rollback {
			t.Fatalf("Sync = %v, want a rollback", err)
		}
	})
	t.Run("fork", func(t *testing.T) {
		w := mirrortest.Start(t)
		w.AddHashed(t, "a", 300)
		w.Fork(t, 10)
		w.AddHashed(t, "b", 5)
		dirs := map[bool]string{true: t.TempDir(), false: t.TempDir()}
		for index, dir := range dirs {
			mustSync(t, w, dir, index)
		}
		before := rowCounts(t, dirs[true])
		w.UseFork()
		for index, dir := range dirs {
			_, err := sync(t, w, dir, index, nil)
			var ie *proof.InconsistentError
			var le *mirror.LieError
			if !errors.As(err, &ie) || ie.Kind != proof.Inconsistent || !errors.As(err, &le) {
				t.Fatalf("Sync(index %v) = %v, want an inconsistent checkpoint", index, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "evidence", "checkpoint-kept.note")); err != nil {
				t.Errorf("kept checkpoint not saved as evidence: %v", err)
			}
			if info, _ := mirror.ReadInfo(context.Background(), dir); info.Size != 305 {
				t.Errorf("size after the fork = %d, want 305", info.Size)
			}
		}
		if after := rowCounts(t, dirs[true]); after != before {
			t.Errorf("index rows changed by a fork: %s, want %s", after, before)
		}
	})
}

// TestStartAtCheckpoint follows a log from its current checkpoint: the
// edge tiles are authenticated by the signed root, and only the entries
// after it are read and handed over once verified.
func TestStartAtCheckpoint(t *testing.T) {
	w := mirrortest.Start(t)
	w.AddHashed(t, "old", 300)
	var got []uint64
	onEntries := func(c *mirror.Config) {
		c.StartAtCheckpoint = true
		c.OnEntries = func(first uint64, es [][]byte, _ *proof.VerifiedCheckpoint) error {
			for i := range es {
				got = append(got, first+uint64(i))
			}
			return nil
		}
	}
	// A lying edge tile is caught before anything is kept.
	w.SetMutator(on("tile/0/001.p/44", func(b []byte) []byte { b[0] ^= 1; return b }))
	dir := t.TempDir()
	_, err := sync(t, w, dir, false, onEntries)
	var tl *proof.TileLieError
	if !errors.As(err, &tl) || tl.Kind != proof.RootMismatch {
		t.Fatalf("Sync with a lying edge tile = %v, want RootMismatch", err)
	}
	w.SetMutator(nil)
	res, err := sync(t, w, dir, false, onEntries)
	if err != nil || res.From != 300 || res.To != 300 || len(got) != 0 {
		t.Fatalf("first Sync = %+v, %v, entries %v; want to start at 300 with nothing read", res, err, got)
	}
	w.AddHashed(t, "new", 300)
	res, err = sync(t, w, dir, false, onEntries)
	if err != nil || res.From != 300 || res.To != 600 || len(got) != 300 || got[0] != 300 || got[299] != 599 {
		t.Fatalf("second Sync = %+v, %v, %d entries; want 300..599", res, err, len(got))
	}
}

// TestSearcherFollowsGrowth: a Searcher kept open while the mirror grows
// proves against the new complete checkpoint and finds the new entries.
func TestSearcherFollowsGrowth(t *testing.T) {
	w := mirrortest.Start(t)
	digests := w.AddHashed(t, "a", 300)
	dir := t.TempDir()
	mustSync(t, w, dir, true)
	sr, err := mirror.OpenSearcher(dir, w.NoteKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	check := func(digest string, wantIdx, wantSize uint64) {
		t.Helper()
		r, err := sr.Search(context.Background(), mirror.Query{Digest: digest})
		if err != nil || len(r.Hits) != 1 || r.Hits[0].Index != wantIdx || r.Checkpoint.Size != wantSize {
			t.Fatalf("Search(%s) = %+v, %v; want entry %d @ %d", digest, r, err, wantIdx, wantSize)
		}
		h := r.Hits[0]
		if err := proof.VerifyInclusion(h.Index, r.Checkpoint.Size, h.LeafHash, h.Proof, r.Checkpoint.RootHash); err != nil {
			t.Fatalf("hit %d: inclusion = %v", h.Index, err)
		}
	}
	check(digests[5], 5, 300)
	more := w.AddHashed(t, "b", 300)
	mustSync(t, w, dir, true)
	check(more[250], 550, 600)
	check(digests[5], 5, 600)
}
