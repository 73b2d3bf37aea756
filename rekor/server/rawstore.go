package server

import (
	"context"
	"errors"
	"fmt"
)

// RawStore writes entry rows straight into a log database with the log's
// own schema, pragmas and prepared insert statements (store.go), and
// nothing else: no validation, signing, Merkle tree, tiles or checkpoint.
// It exists so that internal/loadgen/floor can measure the least the log's
// storage costs per entry without copying its SQL. A database it wrote is
// not a log: Open refuses it (no log key, no signed checkpoint).
type RawStore struct {
	s *store
}

// RawEntry is one entry as RawStore.WriteTx stores it: an entry row (Time,
// Body, SET), its leaf hash and its search index keys (each already the
// 16-byte key the log stores).
type RawEntry struct {
	Time      int64
	Body, SET []byte
	Leaf      []byte
	Keys      [][]byte
}

// OpenRawStore opens (or creates) a log database in dir, which must exist,
// and prepares the writer's statements.
func OpenRawStore(ctx context.Context, dir string) (*RawStore, error) {
	s, err := openStore(ctx, dir)
	if err != nil {
		return nil, err
	}
	if err := s.stmts.prepare(ctx, s.w); err != nil {
		return nil, errors.Join(err, s.close())
	}
	return &RawStore{s: s}, nil
}

// Close closes the database.
func (r *RawStore) Close() error { return r.s.close() }

// WriteTx stores entries from to to-1 in one transaction, committed with
// its fsync as the sequencer commits: fill sets entry i's row before it is
// written (e is reused between calls).
func (r *RawStore) WriteTx(ctx context.Context, from, to int, fill func(i int, e *RawEntry)) (err error) {
	if from < 0 {
		return fmt.Errorf("writing entries from %d: negative index", from)
	}
	tx, err := r.s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.rollback()
		}
	}()
	var e RawEntry
	for i := from; i < to; i++ {
		fill(i, &e)
		index := uint64(i) //nolint:gosec // i >= from >= 0
		if err := tx.putEntry(ctx, index, e.Time, e.Body, e.SET); err != nil {
			return err
		}
		if err := tx.putLeaf(ctx, e.Leaf, index); err != nil {
			return err
		}
		for _, k := range e.Keys {
			if err := tx.putKey(ctx, k, index); err != nil {
				return err
			}
		}
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("committing entries %d to %d: %w", from, to, err)
	}
	return nil
}
