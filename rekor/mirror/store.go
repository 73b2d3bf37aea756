package mirror

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/tiles"
)

// dbFileName is the index and state database a mirror keeps in its
// directory; the tiles and entry bundles live beside it under tile/, in
// the C2SP layout, so that the directory is itself a tiles log.
const dbFileName = "mirror.db"

// The index stores 8-byte prefixes of digests and key fingerprints: a hit
// is only a candidate, confirmed against the entry itself (read from the
// verified bundles) before it is returned. That keeps a row at a few bytes.
const schema = `
CREATE TABLE IF NOT EXISTS meta(
	k TEXT PRIMARY KEY,
	v BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idents(
	id      INTEGER PRIMARY KEY,
	subject TEXT NOT NULL,
	issuer  TEXT NOT NULL,
	UNIQUE(subject, issuer)
);
CREATE INDEX IF NOT EXISTS idents_issuer ON idents(issuer);
CREATE TABLE IF NOT EXISTS sigs(
	ident INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	PRIMARY KEY(ident, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys(
	fp  INTEGER NOT NULL,
	idx INTEGER NOT NULL,
	PRIMARY KEY(fp, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS digests(
	h   INTEGER NOT NULL,
	idx INTEGER NOT NULL,
	PRIMARY KEY(h, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kinds(
	kind INTEGER NOT NULL,
	idx  INTEGER NOT NULL,
	PRIMARY KEY(kind, idx)
) WITHOUT ROWID;
`

// Meta keys.
const (
	metaOrigin   = "origin"
	metaSize     = "size"     // entries verified (and indexed, in a mirror)
	metaCompact  = "compact"  // the compact range over those entries
	metaTarget   = "target"   // the newest verified checkpoint note
	metaComplete = "complete" // the newest verified checkpoint whose whole tree is mirrored
	metaMode     = "mode"
)

// kindCodes numbers the entry kinds in the index.
var kindCodes = map[model.EntryKind]int64{model.KindHashedRekord: 1, model.KindDSSE: 2, model.KindIntoto: 3}

// KindCode returns the index code of an entry kind, 0 for an unknown one.
func KindCode(k model.EntryKind) int64 { return kindCodes[k] }

// store is the SQLite side of a mirror directory.
type store struct {
	dir string
	db  *sql.DB
}

func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating mirror directory: %w", err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, dbFileName))
	if err != nil {
		return nil, fmt.Errorf("opening mirror index: %w", err)
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening mirror index: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(context.Background(), schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("creating mirror index: %w", err)
	}
	return &store{dir: dir, db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

func (s *store) meta(ctx context.Context, k string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading mirror state %s: %w", k, err)
	}
	return v, nil
}

func (s *store) size(ctx context.Context) (uint64, error) {
	v, err := s.meta(ctx, metaSize)
	if err != nil || v == nil {
		return 0, err
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("reading mirror size %q: %w", v, err)
	}
	return n, nil
}

func setMeta(ctx context.Context, tx *sql.Tx, k string, v []byte) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v); err != nil {
		return fmt.Errorf("writing mirror state %s: %w", k, err)
	}
	return nil
}

// prefix8 returns the first 8 bytes of a hex value as a signed integer key;
// ok is false when the value is not hex or shorter than 8 bytes.
func prefix8(hexValue string) (int64, bool) {
	if len(hexValue) < 16 {
		return 0, false
	}
	var b [8]byte
	if _, err := hex.Decode(b[:], []byte(hexValue[:16])); err != nil {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b[:])), true //nolint:gosec // bit reinterpretation of a hash prefix
}

// indexRow is what the index keeps about one entry.
type indexRow struct {
	idx     uint64
	kind    int64
	idents  [][2]string // subject, issuer
	keys    []int64
	digests []int64
	// decoded says the entry decoded (proof/body); one that did not is
	// verified and stored but not indexed.
	decoded bool
}

// rowFor decodes one verified entry into its index row. An entry that does
// not decode (not a Rekor entry proof/body knows: a Tessera log's entries
// are arbitrary bytes) is kept as kind 0 with nothing else indexed.
func rowFor(idx uint64, entry []byte) indexRow {
	r := indexRow{idx: idx}
	b, err := body.Decode(entry)
	if err != nil {
		return r
	}
	r.decoded = true
	r.kind = KindCode(b.Kind)
	for _, d := range []body.Digest{b.ArtifactDigest, b.PayloadHash, b.EnvelopeHash} {
		if h, ok := prefix8(d.Hex); ok {
			r.digests = append(r.digests, h)
		}
	}
	for _, sig := range b.Signatures {
		if sig.Signer.Subject != "" || sig.Signer.Issuer != "" {
			r.idents = append(r.idents, [2]string{sig.Signer.Subject, sig.Signer.Issuer})
		}
		if fp, ok := prefix8(sig.Signer.KeyFingerprint); ok {
			r.keys = append(r.keys, fp)
		}
	}
	return r
}

// indexWriter inserts rows inside one transaction.
type indexWriter struct {
	tx                            *sql.Tx
	ident, sig, key, digest, kind *sql.Stmt
	identIDs                      map[[2]string]int64
}

func newIndexWriter(ctx context.Context, tx *sql.Tx) (*indexWriter, error) {
	w := &indexWriter{tx: tx, identIDs: map[[2]string]int64{}}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.PrepareContext(ctx, q)
		return st
	}
	w.ident = prep(`INSERT INTO idents(subject, issuer) VALUES(?, ?) ON CONFLICT(subject, issuer) DO UPDATE SET subject = subject RETURNING id`)
	w.sig = prep(`INSERT OR IGNORE INTO sigs(ident, idx) VALUES(?, ?)`)
	w.key = prep(`INSERT OR IGNORE INTO keys(fp, idx) VALUES(?, ?)`)
	w.digest = prep(`INSERT OR IGNORE INTO digests(h, idx) VALUES(?, ?)`)
	w.kind = prep(`INSERT OR IGNORE INTO kinds(kind, idx) VALUES(?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("preparing index statements: %w", err)
	}
	return w, nil
}

func (w *indexWriter) add(ctx context.Context, r indexRow) error {
	idx := int64(r.idx) //nolint:gosec // a log index is below 2^63 in any real log; checked by the caller
	if _, err := w.kind.ExecContext(ctx, r.kind, idx); err != nil {
		return fmt.Errorf("indexing entry %d: %w", r.idx, err)
	}
	for _, id := range r.idents {
		n, ok := w.identIDs[id]
		if !ok {
			if err := w.ident.QueryRowContext(ctx, id[0], id[1]).Scan(&n); err != nil {
				return fmt.Errorf("indexing entry %d identity: %w", r.idx, err)
			}
			w.identIDs[id] = n
		}
		if _, err := w.sig.ExecContext(ctx, n, idx); err != nil {
			return fmt.Errorf("indexing entry %d: %w", r.idx, err)
		}
	}
	for _, k := range r.keys {
		if _, err := w.key.ExecContext(ctx, k, idx); err != nil {
			return fmt.Errorf("indexing entry %d: %w", r.idx, err)
		}
	}
	for _, d := range r.digests {
		if _, err := w.digest.ExecContext(ctx, d, idx); err != nil {
			return fmt.Errorf("indexing entry %d: %w", r.idx, err)
		}
	}
	return nil
}

func (w *indexWriter) close() {
	for _, st := range []*sql.Stmt{w.ident, w.sig, w.key, w.digest, w.kind} {
		_ = st.Close()
	}
}

// FileFetcher reads a tiles log laid out in the C2SP way under dir (such as
// a mirror directory): path "tile/0/001" is the file dir/tile/0/001.
func FileFetcher(dir string) tiles.Fetcher {
	root := filepath.Clean(dir)
	return func(_ context.Context, p string) ([]byte, error) {
		if !filepath.IsLocal(p) {
			return nil, fmt.Errorf("reading %s: not a local path", p)
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p))) //nolint:gosec // p is checked local to the mirror directory above
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("reading %s: %w", p, tiles.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		return b, nil
	}
}

// writeFile writes b to dir/p atomically (a temporary file renamed).
func writeFile(dir, p string, b []byte) error {
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	tmp := full + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := os.Rename(tmp, full); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}
