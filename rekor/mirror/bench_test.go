package mirror

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/tiles"
)

// synthLog is a tiles log in memory: n hashedrekord entries with distinct
// digests (signatures are not checked by a mirror, so one is reused), its
// tiles, bundles and a checkpoint signed with an Ed25519 note key.
type synthLog struct {
	files   map[string][]byte
	keys    []proof.NoteKey
	entries [][]byte
}

func newSynthLog(tb testing.TB, n int) *synthLog {
	tb.Helper()
	k, err := cosignfmt.KeyFromSeed("mirror bench")
	if err != nil {
		tb.Fatal(err)
	}
	s, _ := cosignfmt.NewSigner(k)
	sig, _ := s.SignMessage(strings.NewReader("x"))
	d0 := sha256.Sum256([]byte("x"))
	tmpl, err := body.BuildHashedRekord(body.Digest{Algorithm: "sha256", Hex: hex.EncodeToString(d0[:])}, sig, s.PublicKeyPEM())
	if err != nil {
		tb.Fatal(err)
	}
	entries := make([][]byte, 0, n)
	for i := range n {
		// A distinct digest per entry (the signature, which a mirror does
		// not check, then no longer matches it).
		d := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i))) //nolint:gosec // i >= 0
		entries = append(entries, bytes.Replace(tmpl, []byte(hex.EncodeToString(d0[:])), []byte(hex.EncodeToString(d[:])), 1))
	}
	return newSynthLogOf(tb, entries)
}

// newSynthLogOf is a tiles log in memory holding entries.
func newSynthLogOf(tb testing.TB, entries [][]byte) *synthLog {
	tb.Helper()
	n := len(entries)
	l := &synthLog{files: map[string][]byte{}, entries: entries}
	tb2 := &tileBuilder{}
	for i := 0; i < n; i += tileWidth {
		es := l.entries[i:min(i+tileWidth, n)]
		w := uint64(len(es)) //nolint:gosec // <= 256
		l.files[tiles.EntriesPath(uint64(i/tileWidth), w)] = rawBundle(es)
		for _, e := range es {
			tb2.add(0, proof.LeafHash(e))
		}
	}
	for _, t := range tb2.full {
		l.files[tiles.TilePath(t.level, t.index, tileWidth)] = joinHashes(t.hashes)
	}
	for level, hs := range tb2.edge {
		if len(hs) > 0 {
			lv := uint64(level)                                                                                //nolint:gosec // level >= 0
			l.files[tiles.TilePath(lv, levelCount(uint64(n), lv)/tileWidth, uint64(len(hs)))] = joinHashes(hs) //nolint:gosec // n >= 0
		}
	}
	cr := rangeFactory.NewEmptyRange(0)
	for _, e := range l.entries {
		_ = cr.Append(proof.LeafHash(e), nil)
	}
	root, _ := cr.GetRootHash(nil)
	skey, vkey, err := note.GenerateKey(rand.Reader, "bench.example/log")
	if err != nil {
		tb.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	msg, err := note.Sign(&note.Note{Text: fmt.Sprintf("bench.example/log\n%d\n%s\n", n, base64.StdEncoding.EncodeToString(root))}, signer)
	if err != nil {
		tb.Fatal(err)
	}
	l.files["checkpoint"] = msg
	nk, err := proof.ParseNoteKey(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	l.keys = []proof.NoteKey{nk}
	return l
}

func (l *synthLog) fetch(_ context.Context, p string) ([]byte, error) {
	b, ok := l.files[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, tiles.ErrNotFound)
	}
	return b, nil
}

func dirSize(tb testing.TB, dir string, skip func(rel string) bool) int64 {
	tb.Helper()
	var total int64
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil //nolint:nilerr // best-effort size
		}
		rel, _ := filepath.Rel(dir, p)
		if !skip(filepath.ToSlash(rel)) {
			total += fi.Size()
		}
		return nil
	})
	return total
}

const benchEntries = 1 << 16

// cpuTime returns the CPU time (user + system) this process has used: the
// machine is shared, so wall-clock rates understate what the code does
// with two idle cores; entries per CPU-second says it without the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRate reports entries/s (wall clock) and entries per CPU-second.
func reportRate(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(benchEntries*b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric(float64(benchEntries*b.N)/(cpuTime()-cpu0).Seconds(), "entries/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkMirror mirrors, verifies and indexes a local tiles log of 65536
// entries (in memory: no network) into a fresh directory.
func BenchmarkMirror(b *testing.B) {
	l := newSynthLog(b, benchEntries)
	b.ResetTimer()
	cpu0 := cpuTime()
	var dir string
	for b.Loop() {
		dir = b.TempDir()
		if _, err := Sync(context.Background(), Config{Dir: dir, Fetch: l.fetch, Keys: l.keys, Index: true}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, cpu0)
	isBundle := func(rel string) bool { return len(rel) > 13 && rel[:13] == "tile/entries/" }
	index := dirSize(b, dir, func(rel string) bool { return isBundle(rel) || (len(rel) > 5 && rel[:5] == "tile/") })
	tilesOnly := dirSize(b, dir, func(rel string) bool { return isBundle(rel) || rel[:min(5, len(rel))] != "tile/" })
	b.ReportMetric(float64(index)/benchEntries, "index-bytes/entry")
	b.ReportMetric(float64(tilesOnly)/benchEntries, "hash-tile-bytes/entry")
}

// BenchmarkAudit audits the same log: no index, no bundles kept.
func BenchmarkAudit(b *testing.B) {
	l := newSynthLog(b, benchEntries)
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := Sync(context.Background(), Config{Dir: b.TempDir(), Fetch: l.fetch, Keys: l.keys}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, cpu0)
}

// BenchmarkFloor is what a mirror cannot avoid: parsing the bundles,
// SHA-256 of every leaf and tile, and decoding every entry (on every core,
// as the mirror decodes).
func BenchmarkFloor(b *testing.B) {
	l := newSynthLog(b, benchEntries)
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		tb := &tileBuilder{}
		var all [][]byte
		for i := 0; i < benchEntries; i += tileWidth {
			es, err := tiles.ParseBundle(l.files[tiles.EntriesPath(uint64(i/tileWidth), tileWidth)])
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range es {
				tb.add(0, proof.LeafHash(e))
			}
			all = append(all, es...)
		}
		_ = decodeRows(0, all)
	}
	reportRate(b, cpu0)
}

// BenchmarkHashFloor is the hashing alone: SHA-256 of the leaves and tiles.
func BenchmarkHashFloor(b *testing.B) {
	l := newSynthLog(b, benchEntries)
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		tb := &tileBuilder{}
		for _, e := range l.entries {
			tb.add(0, proof.LeafHash(e))
		}
	}
	reportRate(b, cpu0)
}

// BenchmarkIndexLookup measures index queries on a synthetic index of
// 1,000,000 entries (rows inserted directly, as a mirror of a 1M-entry log
// would hold them: one digest, one key, 50,000 identities of one issuer
// family): the p50 and p99 of digest, key, exact identity and identity
// prefix lookups, candidates only (no entry read).
func BenchmarkIndexLookup(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	s, err := openStore(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tx, _ := s.db.BeginTx(ctx, nil)
	w, err := newIndexWriter(ctx, tx)
	if err != nil {
		b.Fatal(err)
	}
	digest := func(i int) string {
		d := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i))) //nolint:gosec // i >= 0
		return hex.EncodeToString(d[:])
	}
	ident := func(i int) string { return fmt.Sprintf("user%05d@example.com", i%50000) }
	for i := range n {
		r := indexRow{idx: uint64(i), kind: 1} //nolint:gosec // i >= 0
		h, _ := prefix8(digest(i))
		fp, _ := prefix8(digest(i + n))
		r.digests, r.keys = []int64{h}, []int64{fp}
		r.idents = [][2]string{{ident(i), "https://accounts.example.com"}}
		if err := w.add(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	w.close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	queries := []struct {
		name string
		q    func(i int) Query
	}{
		{"digest", func(i int) Query { return Query{Digest: digest(i * 7919 % n)} }},
		{"key", func(i int) Query { return Query{KeyFingerprint: digest(i*7919%n + n)} }},
		{"identity", func(i int) Query { return Query{Subject: ident(i * 31)} }},
		{"identity-prefix", func(i int) Query { return Query{Subject: fmt.Sprintf("user%04d*", i%5000)} }},
	}
	b.ResetTimer()
	for _, qq := range queries {
		var lat []time.Duration
		for i := range 2000 {
			t0 := time.Now()
			got, err := s.candidates(ctx, qq.q(i))
			lat = append(lat, time.Since(t0))
			if err != nil || len(got) == 0 {
				b.Fatalf("%s: %d candidates, %v", qq.name, len(got), err)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, qq.name+"-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, qq.name+"-p99-ms")
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, dbFileName))
	b.ReportMetric(float64(fi.Size())/n, "index-bytes/entry")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSearch measures a whole search on the mirrored 65536-entry log:
// index lookup, entry read, decode, inclusion proof from the mirrored tiles
// and its verification.
func BenchmarkSearch(b *testing.B) {
	l := newSynthLog(b, benchEntries)
	dir := b.TempDir()
	if _, err := Sync(context.Background(), Config{Dir: dir, Fetch: l.fetch, Keys: l.keys, Index: true}); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i*7919%benchEntries))) //nolint:gosec // i >= 0
		t0 := time.Now()
		r, err := Search(context.Background(), dir, l.keys, Query{Digest: hex.EncodeToString(d[:])})
		lat = append(lat, time.Since(t0))
		if err != nil || len(r.Hits) != 1 {
			b.Fatalf("Search = %+v, %v", r, err)
		}
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
