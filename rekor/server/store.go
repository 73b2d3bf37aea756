package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

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

func getMeta(ctx context.Context, db *sql.DB, k string) ([]byte, error) {
	var v []byte
	err := db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = ?`, k).Scan(&v)
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
