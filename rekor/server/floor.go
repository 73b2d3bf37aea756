package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// StorageFloor measures the least the log's storage can cost per entry: it
// writes n synthetic entries straight into a new log database in dir, with
// the log's own schema, pragmas and insert statements, perTx entries per
// transaction (each committed with its fsync, as the sequencer does). An
// entry is what every hashedrekord entry stores: a body row of bodyLen bytes
// with a 71-byte SET, its leaf hash (random, so the leaf B-tree takes random
// inserts as it does with real traffic), a random artifact-hash index key and
// the signer's public-key index key (one signer, as in the load generator).
// Nothing is parsed, verified, signed or hashed into a tree and no tiles,
// checkpoints or HTTP are involved, so the log itself can only cost more.
// After every `every` entries StorageFloor calls slice with the number
// written so far; the caller measures CPU between calls.
func StorageFloor(ctx context.Context, dir string, n, perTx, bodyLen, every int, slice func(done int)) (err error) {
	if n < 1 || perTx < 1 || bodyLen < 1 || every < 1 {
		return fmt.Errorf("storage floor: n, perTx, bodyLen and every must be positive (got %d, %d, %d, %d)", n, perTx, bodyLen, every)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("storage floor: %w", err)
	}
	w, r, err := openDB(ctx, dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close(), r.Close()) }()
	var st writerStmts
	if err := st.prepare(ctx, w); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.close()) }()
	body, set := make([]byte, bodyLen), make([]byte, 71)
	_, _ = rand.Read(body)
	_, _ = rand.Read(set)
	signer := indexKeyHash("sha256:floor-signer-public-key")
	var leaf [32]byte
	for i := 0; i < n; {
		// A transaction never spans a slice boundary, so each slice's
		// figures hold its own commits.
		end := min(i+perTx, n, (i/every+1)*every)
		if err := floorTx(ctx, w, &st, i, end, body, set, signer, leaf[:]); err != nil {
			return err
		}
		i = end
		if i%every == 0 || i == n {
			slice(i)
		}
	}
	return nil
}

// floorTx writes entries [from, to) in one transaction.
func floorTx(ctx context.Context, w *sql.DB, st *writerStmts, from, to int, body, set, signer, leaf []byte) (err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage floor: beginning transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	insEntry, insLeaf, insKey := tx.StmtContext(ctx, st.insEntry), tx.StmtContext(ctx, st.insLeaf), tx.StmtContext(ctx, st.insKey)
	for i := from; i < to; i++ {
		_, _ = rand.Read(leaf)
		artifact := sha256.Sum256(leaf)
		if _, err := insEntry.ExecContext(ctx, i, 1, body, set); err != nil {
			return fmt.Errorf("storage floor: inserting entry %d: %w", i, err)
		}
		if _, err := insLeaf.ExecContext(ctx, leaf, i); err != nil {
			return fmt.Errorf("storage floor: inserting leaf %d: %w", i, err)
		}
		for _, k := range [][]byte{artifact[:16], signer} {
			if _, err := insKey.ExecContext(ctx, k, i); err != nil {
				return fmt.Errorf("storage floor: inserting index key of entry %d: %w", i, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storage floor: committing entries %d to %d: %w", from, to, err)
	}
	return nil
}
