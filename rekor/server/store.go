// This file is the log's storage: the SQLite schema, pragmas and every SQL
// statement of the package, behind type store.

package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// dbFileName is the single database file the log keeps in Config.Dir.
const dbFileName = "log.db"

// lockFileName is the lock file Open keeps in Config.Dir (lock_unix.go).
const lockFileName = "log.lock"

// schema holds every table of the log. Entries and Merkle tiles are
// append-only: nothing here is ever deleted or updated in place except the
// right-edge (partial) tile of each level and the meta rows.
const schema = `
CREATE TABLE IF NOT EXISTS meta(
	k TEXT PRIMARY KEY,
	v BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries(
	idx  INTEGER PRIMARY KEY,
	t    INTEGER NOT NULL,
	body BLOB NOT NULL,
	sets BLOB -- the signed entry timestamp; NULL (logs made before it was kept) is refused as damage
);
CREATE TABLE IF NOT EXISTS leaves(
	h   BLOB PRIMARY KEY,
	idx INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idxkeys(
	k   BLOB NOT NULL,
	idx INTEGER NOT NULL,
	PRIMARY KEY(k, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints(
	size INTEGER PRIMARY KEY,
	note BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency(
	seq       INTEGER PRIMARY KEY,
	k         TEXT NOT NULL UNIQUE, -- SHA-256 of the Idempotency-Key (a BLOB; raw keys in older logs)
	body_hash BLOB NOT NULL,
	status    INTEGER NOT NULL,
	answer    BLOB NOT NULL -- a batchRecord for 207, else the answer's body
);
CREATE TABLE IF NOT EXISTS tiles(
	level  INTEGER NOT NULL,
	n      INTEGER NOT NULL,
	hashes BLOB NOT NULL,
	PRIMARY KEY(level, n)
) WITHOUT ROWID;
`

// identitySchema is the identity extension's own tables (identities.go):
// the identity texts, and how many entries (from index 0) have been
// indexed into it.
const identitySchema = `
CREATE TABLE IF NOT EXISTS identities(
	k TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities_indexed(
	id INTEGER PRIMARY KEY CHECK (id = 0),
	n  INTEGER NOT NULL
);
`

// checkpointEvery: a signed checkpoint is kept in the checkpoints table each
// time the tree crosses a multiple of this size, so that on start damage can
// be located between two signed roots.
const checkpointEvery = 1024

// Meta keys.
const (
	metaKey        = "log_key_pkcs8"
	metaTreeID     = "tree_id"
	metaCheckpoint = "checkpoint"
)

// readConns is the size of the read connection pool.
const readConns = 8

// store is the log's storage: every SQL statement of the package is one of
// its methods. It holds one writer connection, used only by the sequencer
// and by Open (and by the idempotency and identity extensions, whose
// writes database/sql serialises on it), and a pool of read connections
// reading the WAL snapshot concurrently. The statements the sequencer and
// the read path run per entry are prepared once (writerStmts, readStmts).
type store struct {
	w, r  *sql.DB
	stmts writerStmts
	reads readStmts
}

// openStore opens (or creates) the log database in dir; its statements are
// prepared by prepare.
func openStore(ctx context.Context, dir string) (*store, error) {
	w, r, err := openDB(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &store{w: w, r: r}, nil
}

// openDB opens the log database in dir: one writer connection (synchronous=FULL,
// so a committed transaction survives power loss and kill -9) and a pool of
// read-only connections that read the WAL snapshot concurrently.
func openDB(ctx context.Context, dir string) (w, r *sql.DB, err error) {
	if dir == "" {
		return nil, nil, errors.New("opening log database: Config.Dir is empty")
	}
	path := filepath.Join(dir, dbFileName)
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(OFF)")
	// 64 MB: the leaf and index-key B-trees take random inserts (about 100
	// MB of them at 1M entries). Given back when idle (trimMemory).
	q.Add("_pragma", "cache_size(-64000)")
	q.Add("_txlock", "immediate")
	w, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, nil, fmt.Errorf("opening log database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if _, err := w.ExecContext(ctx, schema); err != nil {
		_ = w.Close()
		return nil, nil, fmt.Errorf("creating log schema in %s: %w", path, err)
	}
	if err := addSETColumn(ctx, w); err != nil {
		_ = w.Close()
		return nil, nil, fmt.Errorf("upgrading log schema in %s: %w", path, err)
	}
	rq := url.Values{}
	rq.Add("_pragma", "busy_timeout(10000)")
	rq.Add("_pragma", "query_only(1)")
	rq.Add("_pragma", "cache_size(-2000)")
	r, err = sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		_ = w.Close()
		return nil, nil, fmt.Errorf("opening log database %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	return w, r, nil
}

// addSETColumn adds entries.sets to a log created before SETs were stored.
func addSETColumn(ctx context.Context, w *sql.DB) error {
	var n int
	if err := w.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('entries') WHERE name = 'sets'`).Scan(&n); err != nil {
		return fmt.Errorf("reading entries columns: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := w.ExecContext(ctx, `ALTER TABLE entries ADD COLUMN sets BLOB`); err != nil {
		return fmt.Errorf("adding entries.sets: %w", err)
	}
	return nil
}

// prepare prepares the writer's and the readers' statements.
func (s *store) prepare(ctx context.Context) error {
	if err := s.stmts.prepare(ctx, s.w); err != nil {
		return err
	}
	if err := s.reads.prepare(ctx, s.r); err != nil {
		_ = s.stmts.close()
		return err
	}
	return nil
}

// close closes the statements and both connection pools.
func (s *store) close() error {
	return errors.Join(s.stmts.close(), s.reads.close(), s.w.Close(), s.r.Close())
}

// quickCheck runs SQLite's PRAGMA quick_check (page, B-tree and record
// structure, https://sqlite.org/pragma.html#pragma_quick_check) on the
// database: anything but "ok" is damage.
func (s *store) quickCheck(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, `PRAGMA quick_check(20)`)
	if err != nil {
		return &DamageError{Reason: fmt.Sprintf("database quick_check failed: %v", err)}
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("reading quick_check: %w", err)
		}
		if v != "ok" {
			problems = append(problems, v)
		}
	}
	if err := rows.Err(); err != nil {
		return &DamageError{Reason: fmt.Sprintf("database quick_check failed: %v", err)}
	}
	if len(problems) > 0 {
		return &DamageError{Reason: "database quick_check: " + strings.Join(problems, "; ")}
	}
	return nil
}

// trim gives back the page caches: the read connections are closed (the
// pool opens new ones on demand) and the writer shrinks its own.
func (s *store) trim(ctx context.Context) error {
	s.r.SetMaxIdleConns(0)
	s.r.SetMaxIdleConns(readConns)
	if _, err := s.w.ExecContext(ctx, `PRAGMA shrink_memory`); err != nil {
		return fmt.Errorf("shrinking the writer's page cache: %w", err)
	}
	return nil
}

// meta reads meta row k (nil when there is none).
func (s *store) meta(ctx context.Context, k string) ([]byte, error) {
	var v []byte
	err := s.w.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading meta %q: %w", k, err)
	}
	return v, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putMeta(ctx context.Context, db execer, k string, v []byte) error {
	if _, err := db.ExecContext(ctx, `INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v); err != nil {
		return fmt.Errorf("writing meta %q: %w", k, err)
	}
	return nil
}

// putMeta writes meta row k.
func (s *store) putMeta(ctx context.Context, k string, v []byte) error {
	return putMeta(ctx, s.w, k, v)
}

// rows counts the entries, meta rows and kept checkpoints: zero for a
// database holding no log yet.
func (s *store) rows(ctx context.Context) (int, error) {
	var n int
	if err := s.w.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM entries) + (SELECT COUNT(*) FROM meta) + (SELECT COUNT(*) FROM checkpoints)`).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading log database: %w", err)
	}
	return n, nil
}

// putIdentity stores a new log's key (PKCS #8 DER) and tree ID in one
// transaction.
func (s *store) putIdentity(ctx context.Context, keyDER, treeID []byte) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing log identity: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := putMeta(ctx, tx, metaKey, keyDER); err != nil {
		return err
	}
	if err := putMeta(ctx, tx, metaTreeID, treeID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing log identity: %w", err)
	}
	return nil
}

// writerStmts are the sequencer's statements, prepared once on the single
// writer connection.
type writerStmts struct {
	findLeaf, insEntry, insLeaf, insKey, putTile, putMeta *sql.Stmt
}

func (s *writerStmts) prepare(ctx context.Context, w *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.findLeaf, `SELECT idx FROM leaves WHERE h = ?`},
		{&s.insEntry, `INSERT INTO entries(idx, t, body, sets) VALUES(?, ?, ?, ?)`},
		{&s.insLeaf, `INSERT INTO leaves(h, idx) VALUES(?, ?)`},
		{&s.insKey, `INSERT OR IGNORE INTO idxkeys(k, idx) VALUES(?, ?)`},
		{&s.putTile, `INSERT INTO tiles(level, n, hashes) VALUES(?, ?, ?) ON CONFLICT(level, n) DO UPDATE SET hashes = excluded.hashes`},
		{&s.putMeta, `INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`},
	} {
		st, err := w.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("preparing %q: %w", p.query, err)
		}
		*p.dst = st
	}
	return nil
}

func (s *writerStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.findLeaf, s.insEntry, s.insLeaf, s.insKey, s.putTile, s.putMeta} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// writeTx is one sequencer transaction with the writer's prepared
// statements bound to it.
type writeTx struct {
	tx *sql.Tx
	st writerStmts // the writer's statements bound to tx
}

// begin starts a write transaction.
func (s *store) begin(ctx context.Context) (*writeTx, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("beginning transaction: %w", err)
	}
	return &writeTx{tx: tx, st: writerStmts{
		findLeaf: tx.StmtContext(ctx, s.stmts.findLeaf),
		insEntry: tx.StmtContext(ctx, s.stmts.insEntry),
		insLeaf:  tx.StmtContext(ctx, s.stmts.insLeaf),
		insKey:   tx.StmtContext(ctx, s.stmts.insKey),
		putTile:  tx.StmtContext(ctx, s.stmts.putTile),
		putMeta:  tx.StmtContext(ctx, s.stmts.putMeta),
	}}, nil
}

func (t *writeTx) commit() error   { return t.tx.Commit() }
func (t *writeTx) rollback() error { return t.tx.Rollback() }

// leafIndex looks up the entry holding leaf hash leaf; ok is false when
// there is none.
func (t *writeTx) leafIndex(ctx context.Context, leaf []byte) (index uint64, ok bool, err error) {
	var idx int64
	switch err := t.st.findLeaf.QueryRowContext(ctx, leaf).Scan(&idx); {
	case err == nil:
		return uint64(idx), true, nil //nolint:gosec // stored non-negative
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	default:
		return 0, false, fmt.Errorf("looking up leaf: %w", err)
	}
}

// putLeaf indexes entry index under its leaf hash.
func (t *writeTx) putLeaf(ctx context.Context, leaf []byte, index uint64) error {
	if _, err := t.st.insLeaf.ExecContext(ctx, leaf, index); err != nil {
		return fmt.Errorf("inserting leaf %d: %w", index, err)
	}
	return nil
}

// putKey indexes entry index under the search key hash k (indexKeyHash).
func (t *writeTx) putKey(ctx context.Context, k []byte, index uint64) error {
	if _, err := t.st.insKey.ExecContext(ctx, k, index); err != nil {
		return fmt.Errorf("inserting index key of entry %d: %w", index, err)
	}
	return nil
}

// putTile writes (or overwrites, for the right edge) a hash tile.
func (t *writeTx) putTile(ctx context.Context, level, n uint64, hashes []byte) error {
	if _, err := t.st.putTile.ExecContext(ctx, level, n, hashes); err != nil {
		return fmt.Errorf("writing tile %d/%d: %w", level, n, err)
	}
	return nil
}

// putEntry stores entry index: its integrated time, stored body (see
// codec.go) and SET.
func (t *writeTx) putEntry(ctx context.Context, index uint64, integratedTime int64, stored, set []byte) error {
	if _, err := t.st.insEntry.ExecContext(ctx, index, integratedTime, stored, set); err != nil {
		return fmt.Errorf("inserting entry %d: %w", index, err)
	}
	return nil
}

// putCheckpoint stores the latest signed checkpoint, and keeps it in the
// checkpoints table too when keep is set.
func (t *writeTx) putCheckpoint(ctx context.Context, size uint64, cp []byte, keep bool) error {
	if _, err := t.st.putMeta.ExecContext(ctx, metaCheckpoint, cp); err != nil {
		return fmt.Errorf("writing meta %q: %w", metaCheckpoint, err)
	}
	if keep {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO checkpoints(size, note) VALUES(?, ?)`, size, cp); err != nil {
			return fmt.Errorf("keeping checkpoint %d: %w", size, err)
		}
	}
	return nil
}

// readStmts are the read path's statements, prepared once on the read pool
// (database/sql prepares each on a pooled connection the first time that
// connection runs it), so a read skips SQL parsing and planning.
type readStmts struct {
	entry, leaf, key, tile *sql.Stmt
}

func (s *readStmts) prepare(ctx context.Context, r *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.entry, `SELECT t, body, sets FROM entries WHERE idx = ?`},
		{&s.leaf, `SELECT idx FROM leaves WHERE h = ?`},
		{&s.key, `SELECT idx FROM idxkeys WHERE k = ? AND idx < ?`},
		{&s.tile, `SELECT hashes FROM tiles WHERE level = ? AND n = ?`},
	} {
		st, err := r.PrepareContext(ctx, p.query)
		if err != nil {
			_ = s.close()
			return fmt.Errorf("preparing %q: %w", p.query, err)
		}
		*p.dst = st
	}
	return nil
}

func (s *readStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.entry, s.leaf, s.key, s.tile} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// entry reads entry index: integrated time, stored body and SET.
func (s *store) entry(ctx context.Context, index uint64) (integratedTime int64, stored, set []byte, err error) {
	if err := s.reads.entry.QueryRowContext(ctx, index).Scan(&integratedTime, &stored, &set); err != nil {
		return 0, nil, nil, fmt.Errorf("reading entry %d: %w", index, err)
	}
	return integratedTime, stored, set, nil
}

// leafIndex looks up the entry with leaf hash leaf; ok is false when there
// is none.
func (s *store) leafIndex(ctx context.Context, leaf []byte) (index uint64, ok bool, err error) {
	var idx int64
	if err := s.reads.leaf.QueryRowContext(ctx, leaf).Scan(&idx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("looking up leaf: %w", err)
	}
	return uint64(idx), true, nil //nolint:gosec // stored non-negative
}

// keyIndices returns the indices below size of the entries indexed under
// the search key hash k (indexKeyHash).
func (s *store) keyIndices(ctx context.Context, k []byte, size uint64) (map[uint64]bool, error) {
	rows, err := s.reads.key.QueryContext(ctx, k, size)
	if err != nil {
		return nil, fmt.Errorf("querying index: %w", err)
	}
	defer rows.Close()
	set := map[uint64]bool{}
	for rows.Next() {
		var idx int64
		if err := rows.Scan(&idx); err != nil {
			return nil, fmt.Errorf("reading index: %w", err)
		}
		set[uint64(idx)] = true //nolint:gosec // stored non-negative
	}
	return set, rows.Err()
}

// tile reads the stored hash tile (level, n); ok is false when it is not
// stored.
func (s *store) tile(ctx context.Context, level, n uint64) (hashes []byte, ok bool, err error) {
	err = s.reads.tile.QueryRowContext(ctx, level, n).Scan(&hashes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading tile %d/%d: %w", level, n, err)
	}
	return hashes, true, nil
}

// eachLeafTile calls f with every stored level-0 tile, read on the writer
// connection (the sequencer's view).
func (s *store) eachLeafTile(ctx context.Context, f func(hashes []byte)) error {
	rows, err := s.w.QueryContext(ctx, `SELECT hashes FROM tiles WHERE level = 0`)
	if err != nil {
		return fmt.Errorf("reading leaf tiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t []byte
		if err := rows.Scan(&t); err != nil {
			return fmt.Errorf("reading leaf tiles: %w", err)
		}
		f(t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading leaf tiles: %w", err)
	}
	return nil
}

// eachBody calls f with the stored body of every entry in [from, to), in
// index order, until f returns an error (returned as it is).
func (s *store) eachBody(ctx context.Context, from, to uint64, f func(stored []byte) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx`, from, to)
	if err != nil {
		return fmt.Errorf("reading entries %d..%d: %w", from, to, err)
	}
	defer rows.Close()
	for rows.Next() {
		var stored []byte
		if err := rows.Scan(&stored); err != nil {
			return fmt.Errorf("reading entries %d..%d: %w", from, to, err)
		}
		if err := f(stored); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading entries %d..%d: %w", from, to, err)
	}
	return nil
}

// eachEntry calls f with every stored entry row in index order (the
// integrity check), until f returns an error (returned as it is).
func (s *store) eachEntry(ctx context.Context, f func(idx, integratedTime int64, stored, set []byte) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT idx, t, body, sets FROM entries ORDER BY idx`)
	if err != nil {
		return fmt.Errorf("reading entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx, t int64
		var body, set []byte
		if err := rows.Scan(&idx, &t, &body, &set); err != nil {
			return fmt.Errorf("reading entry: %w", err)
		}
		if err := f(idx, t, body, set); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading entries: %w", err)
	}
	return nil
}

// eachCheckpoint calls f with every kept checkpoint in size order, until f
// returns an error (returned as it is).
func (s *store) eachCheckpoint(ctx context.Context, f func(size int64, note []byte) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT size, note FROM checkpoints ORDER BY size`)
	if err != nil {
		return fmt.Errorf("reading checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var size int64
		var text []byte
		if err := rows.Scan(&size, &text); err != nil {
			return fmt.Errorf("reading checkpoints: %w", err)
		}
		if err := f(size, text); err != nil {
			return err
		}
	}
	return rows.Err()
}

// indexCounts counts the leaf index rows, those naming an entry at or
// beyond size, and the search index rows doing so.
func (s *store) indexCounts(ctx context.Context, size uint64) (leaves, badLeaves, badKeys int64, err error) {
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(idx < 0 OR idx >= ?), 0) FROM leaves`, size).Scan(&leaves, &badLeaves); err != nil {
		return 0, 0, 0, fmt.Errorf("reading the leaf index: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM idxkeys WHERE idx < 0 OR idx >= ?`, size).Scan(&badKeys); err != nil {
		return 0, 0, 0, fmt.Errorf("reading the search index: %w", err)
	}
	return leaves, badLeaves, badKeys, nil
}

// answer reads the answer kept for an Idempotency-Key hash; found is false
// when there is none.
func (s *store) answer(ctx context.Context, key [32]byte) (bodyHash []byte, status int, blob []byte, found bool, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT body_hash, status, answer FROM idempotency WHERE k = ?`, key[:]).Scan(&bodyHash, &status, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil, false, nil
	}
	if err != nil {
		return nil, 0, nil, false, fmt.Errorf("reading idempotency key: %w", err)
	}
	return bodyHash, status, blob, true, nil
}

// putAnswer keeps the answer for an Idempotency-Key hash (the first one
// stays) and forgets all but the last keep keys.
func (s *store) putAnswer(ctx context.Context, key, bodyHash [32]byte, status int, blob []byte, keep int64) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing idempotency key: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO idempotency(k, body_hash, status, answer) VALUES(?, ?, ?, ?) ON CONFLICT(k) DO NOTHING`, key[:], bodyHash[:], status, blob)
	if err != nil {
		return fmt.Errorf("storing idempotency key: %w", err)
	}
	if seq, err := res.LastInsertId(); err == nil && seq > keep {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE seq <= ?`, seq-keep); err != nil {
			return fmt.Errorf("forgetting old idempotency keys: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing idempotency key: %w", err)
	}
	return nil
}

// identitiesIndexed creates the identity tables if needed and returns how
// many entries (from index 0) they cover.
func (s *store) identitiesIndexed(ctx context.Context) (uint64, error) {
	if _, err := s.w.ExecContext(ctx, identitySchema); err != nil {
		return 0, fmt.Errorf("creating identity tables: %w", err)
	}
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT n FROM identities_indexed WHERE id = 0`).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("reading identity watermark: %w", err)
	}
	return uint64(n), nil //nolint:gosec // G115: stored non-negative
}

// putIdentities adds identities and raises the watermark to indexed, in
// one transaction.
func (s *store) putIdentities(ctx context.Context, keys []string, indexed uint64) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("indexing identities: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO identities(k) VALUES(?)`, k); err != nil {
			return fmt.Errorf("indexing identity: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO identities_indexed(id, n) VALUES(0, ?)
		ON CONFLICT(id) DO UPDATE SET n = max(n, excluded.n)`, indexed); err != nil {
		return fmt.Errorf("recording identity watermark: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("indexing identities: %w", err)
	}
	return nil
}

// identitiesFrom returns up to limit identities from lo on in order, below
// hi when hasHi.
func (s *store) identitiesFrom(ctx context.Context, lo, hi string, hasHi bool, limit int) ([]string, error) {
	query, args := `SELECT k FROM identities WHERE k >= ? ORDER BY k LIMIT ?`, []any{lo, limit}
	if hasHi {
		query, args = `SELECT k FROM identities WHERE k >= ? AND k < ? ORDER BY k LIMIT ?`, []any{lo, hi, limit}
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("querying identities: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("reading identities: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading identities: %w", err)
	}
	return out, nil
}
