package mirror

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/internal/keyless"
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

// BenchmarkSearch measures whole searches (index lookup, entry read and
// decode, inclusion proof from the mirrored tiles, its verification against
// the signed checkpoint) on a synthetic mirror of PROVSCOPE_BENCH_MIRROR_SIZE
// entries (default 65,536), built once into a directory under os.TempDir
// keyed by its size (see benchMirror): the p50 and p99 per query kind with
// a Searcher kept open, and of the one-shot Search (open, verify, search,
// close) by digest, and the CPU time per query (mean; the machine is
// shared, so the wall-clock p99 includes waiting for a core).
func BenchmarkSearch(b *testing.B) {
	n := uint64(benchEntries)
	if v := os.Getenv("PROVSCOPE_BENCH_MIRROR_SIZE"); v != "" {
		var err error
		if n, err = strconv.ParseUint(v, 10, 64); err != nil || n < tileWidth {
			b.Fatalf("PROVSCOPE_BENCH_MIRROR_SIZE=%q: want an integer >= %d", v, tileWidth)
		}
	}
	m := benchMirror(b, n)
	ctx := context.Background()
	sr, err := OpenSearcher(m.dir, m.keys)
	if err != nil {
		b.Fatal(err)
	}
	defer sr.Close()
	hot := uint64(len(m.hot))
	groups := (hot + benchGroup - 1) / benchGroup
	oneshot := func(ctx context.Context, q Query) (*SearchResult, error) { return Search(ctx, m.dir, m.keys, q) }
	queries := []struct {
		name   string
		search func(context.Context, Query) (*SearchResult, error)
		q      func(i uint64) Query
		min    int
	}{
		{"digest", sr.Search, func(i uint64) Query { return Query{Digest: benchDigest(m.hot[i*7919%hot])} }, 1},
		{"key", sr.Search, func(i uint64) Query { return Query{KeyFingerprint: m.keyFP[i*31%groups]} }, 1},
		{"identity", sr.Search, func(i uint64) Query { return Query{Subject: benchHotIdent(i * 31 % groups)} }, 1},
		{"identity-prefix", sr.Search, func(i uint64) Query {
			return Query{Subject: benchHotIdent(i % groups)[:len("hot")+4] + "*"}
		}, 1},
		{"oneshot-digest", oneshot, func(i uint64) Query { return Query{Digest: benchDigest(m.hot[i*7919%hot])} }, 1},
	}
	const perKind = 500
	b.ResetTimer()
	for b.Loop() {
		for _, qq := range queries {
			lat := make([]time.Duration, 0, perKind)
			cpu0 := cpuTime()
			for i := range uint64(perKind) {
				q := qq.q(i)
				t0 := time.Now()
				r, err := qq.search(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil || len(r.Hits) < qq.min {
					b.Fatalf("%s: Search(%+v) = %+v, %v", qq.name, q, r, err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/perKind, qq.name+"-cpu-ms")
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, qq.name+"-p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, qq.name+"-p99-ms")
		}
	}
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(0, "ns/op")
}

// benchGroup is the number of consecutive entries one synthetic signer
// (identity and key) signs.
const benchGroup = 20

// benchWritten is the number of entry bundles a synthetic mirror holds.
const benchWritten = 64

func benchDigest(i uint64) string {
	d := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
	return hex.EncodeToString(d[:])
}

func benchHotIdent(g uint64) string { return fmt.Sprintf("hot%05d@example.com", g) }

// benchMirrorDir is a synthetic mirror directory and what a search needs.
type benchMirrorDir struct {
	dir   string
	keys  []proof.NoteKey
	hot   []uint64 // the indices of the entries whose bundles are kept
	keyFP []string // key fingerprint of hot signer g
}

// benchMirror returns a synthetic mirror of n entries: a complete tiles
// tree (every hash tile, a checkpoint signed with an Ed25519 note key) and
// an index of n rows, but the entry bundles of benchWritten bundles only,
// spread over the log from its first to its last (partial) bundle. Those
// hold real hashedrekord entries with Fulcio-style certificates, benchGroup
// consecutive ones per signer "hot<g>@example.com" (own key each), indexed
// from their decoded bodies. Every other entry is 8 bytes (its index), its
// index row made up: one digest, a key and an identity
// "user<i/benchGroup>@example.com" that no query asks for, so their bundles
// are never read. It is built once into os.TempDir()/provscope-bench-mirror-
// v1-<n> and reused while that directory holds its "ready" file.
func benchMirror(tb testing.TB, n uint64) *benchMirrorDir {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("provscope-bench-mirror-v1-%d", n))
	bundles := (n + tileWidth - 1) / tileWidth
	written := map[uint64]bool{}
	for k := range uint64(benchWritten) {
		written[k*(bundles-1)/max(benchWritten-1, 1)] = true
	}
	m := &benchMirrorDir{dir: dir}
	for bi := range bundles {
		if written[bi] {
			for i := bi * tileWidth; i < min(n, (bi+1)*tileWidth); i++ {
				m.hot = append(m.hot, i)
			}
		}
	}
	groups := (uint64(len(m.hot)) + benchGroup - 1) / benchGroup
	ready := filepath.Join(dir, "ready")
	if vkey, err := os.ReadFile(ready); err == nil {
		lines := strings.Split(strings.TrimSpace(string(vkey)), "\n")
		nk, err := proof.ParseNoteKey(lines[0])
		if err != nil || uint64(len(lines)) != 1+groups {
			tb.Fatalf("%s: %v; remove the directory", ready, err)
		}
		m.keys, m.keyFP = []proof.NoteKey{nk}, lines[1:]
		return m
	}
	t0 := time.Now()
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatal(err)
	}
	ca, err := keyless.NewCA(keyless.Config{
		Seed: "bench", CommonName: "bench", Organization: "bench",
		NotBefore: time.Unix(1.7e9, 0), NotAfter: time.Unix(1.8e9, 0),
	})
	if err != nil {
		tb.Fatal(err)
	}
	certs := make([][]byte, groups)
	signers := make([]*cosignfmt.Signer, groups)
	for g := range groups {
		var key *ecdsa.PrivateKey
		if certs[g], key, err = ca.Issue(benchHotIdent(g), "https://accounts.example.com", time.Unix(1.75e9, 0), time.Unix(1.75e9+600, 0)); err != nil {
			tb.Fatal(err)
		}
		if signers[g], err = cosignfmt.NewSigner(key); err != nil {
			tb.Fatal(err)
		}
	}
	s, err := openStore(dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := newIndexWriter(ctx, tx)
	if err != nil {
		tb.Fatal(err)
	}
	tiles0 := &tileBuilder{}
	cr := rangeFactory.NewEmptyRange(0)
	m.keyFP = make([]string, groups)
	var hotSeen uint64
	for bi := range bundles {
		var es [][]byte
		for i := bi * tileWidth; i < min(n, (bi+1)*tileWidth); i++ {
			var leaf []byte
			var r indexRow
			if written[bi] {
				g := hotSeen / benchGroup
				hotSeen++
				sig, err := signers[g].SignMessage(bytes.NewReader(binary.BigEndian.AppendUint64(nil, i)))
				if err != nil {
					tb.Fatal(err)
				}
				e, err := body.BuildHashedRekord(body.Digest{Algorithm: "sha256", Hex: benchDigest(i)}, sig, certs[g])
				if err != nil {
					tb.Fatal(err)
				}
				if r = rowFor(i, e); !r.decoded || len(r.idents) != 1 || len(r.keys) != 1 {
					tb.Fatalf("entry %d: row %+v", i, r)
				}
				if m.keyFP[g] == "" {
					bd, _ := body.Decode(e)
					m.keyFP[g] = bd.Signer().KeyFingerprint
				}
				es = append(es, e)
				leaf = proof.LeafHash(e)
			} else {
				leaf = proof.LeafHash(binary.BigEndian.AppendUint64(nil, i))
				h, _ := prefix8(benchDigest(i))
				fp, _ := prefix8(benchDigest(i/benchGroup + 1<<62))
				r = indexRow{
					idx: i, kind: 1, digests: []int64{h}, keys: []int64{fp},
					idents: [][2]string{{fmt.Sprintf("user%07d@example.com", i/benchGroup), "https://accounts.example.com"}},
				}
			}
			if err := w.add(ctx, r); err != nil {
				tb.Fatal(err)
			}
			tiles0.add(0, leaf)
			if err := cr.Append(leaf, nil); err != nil {
				tb.Fatal(err)
			}
		}
		if len(es) > 0 {
			if err := writeFile(dir, tiles.EntriesPath(bi, uint64(len(es))), rawBundle(es)); err != nil {
				tb.Fatal(err)
			}
		}
		for _, t := range tiles0.full {
			if err := writeFile(dir, tiles.TilePath(t.level, t.index, tileWidth), joinHashes(t.hashes)); err != nil {
				tb.Fatal(err)
			}
		}
		tiles0.full = nil
	}
	for level, hs := range tiles0.edge {
		if len(hs) > 0 {
			lv := uint64(level) //nolint:gosec // level >= 0
			if err := writeFile(dir, tiles.TilePath(lv, levelCount(n, lv)/tileWidth, uint64(len(hs))), joinHashes(hs)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	root, err := cr.GetRootHash(nil)
	if err != nil {
		tb.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "bench.example/log")
	if err != nil {
		tb.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	cp, err := note.Sign(&note.Note{Text: fmt.Sprintf("bench.example/log\n%d\n%s\n", n, base64.StdEncoding.EncodeToString(root))}, signer)
	if err != nil {
		tb.Fatal(err)
	}
	w.close()
	for k, v := range map[string][]byte{metaOrigin: []byte("bench.example/log"), metaSize: []byte(strconv.FormatUint(n, 10)), metaComplete: cp, metaTarget: cp} {
		if err := setMeta(ctx, tx, k, v); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
	nk, err := proof.ParseNoteKey(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	m.keys = []proof.NoteKey{nk}
	if err := os.WriteFile(ready, []byte(vkey+"\n"+strings.Join(m.keyFP, "\n")+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built the synthetic mirror of %d entries in %s: %s", n, time.Since(t0).Round(time.Millisecond), dir)
	return m
}
