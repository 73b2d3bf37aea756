// Package floor measures the least the transparency log's storage
// (rekor/server) can cost per entry, for `make bench-floor`
// (cmd/provscope-loadgen -floor, loadgen.Floor). It writes through
// server.RawStore, so it uses the log's own schema, pragmas and insert
// statements rather than a copy of them.
package floor

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"

	"github.com/provscope/provscope/rekor/server"
)

// StorageFloor writes n synthetic entries straight into a new log database
// in dir, with the log's own schema, pragmas and insert statements, perTx
// entries per transaction (each committed with its fsync, as the sequencer
// does). An entry is what every hashedrekord entry stores: a body row of
// bodyLen bytes with a 71-byte SET, its leaf hash (random, so the leaf
// B-tree takes random inserts as it does with real traffic), a random
// artifact-hash index key and the signer's public-key index key (one
// signer, as in the load generator). Nothing is parsed, verified, signed or
// hashed into a tree and no tiles, checkpoints or HTTP are involved, so the
// log itself can only cost more. After every `every` entries StorageFloor
// calls slice with the number written so far; the caller measures CPU
// between calls.
func StorageFloor(ctx context.Context, dir string, n, perTx, bodyLen, every int, slice func(done int)) (err error) {
	if n < 1 || perTx < 1 || bodyLen < 1 || every < 1 {
		return fmt.Errorf("storage floor: n, perTx, bodyLen and every must be positive (got %d, %d, %d, %d)", n, perTx, bodyLen, every)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("storage floor: %w", err)
	}
	st, err := server.OpenRawStore(ctx, dir)
	if err != nil {
		return fmt.Errorf("storage floor: %w", err)
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	body, set := make([]byte, bodyLen), make([]byte, 71)
	_, _ = rand.Read(body)
	_, _ = rand.Read(set)
	// The log stores a search key as the first 16 bytes of the SHA-256 of
	// its lower-cased text.
	signerSum := sha256.Sum256([]byte("sha256:floor-signer-public-key"))
	signer := signerSum[:16]
	var leaf [32]byte
	keys := make([][]byte, 2)
	fill := func(_ int, e *server.RawEntry) {
		_, _ = rand.Read(leaf[:])
		artifact := sha256.Sum256(leaf[:])
		keys[0], keys[1] = artifact[:16], signer
		*e = server.RawEntry{Time: 1, Body: body, SET: set, Leaf: leaf[:], Keys: keys}
	}
	for i := 0; i < n; {
		// A transaction never spans a slice boundary, so each slice's
		// figures hold its own commits.
		end := min(i+perTx, n, (i/every+1)*every)
		if err := st.WriteTx(ctx, i, end, fill); err != nil {
			return fmt.Errorf("storage floor: %w", err)
		}
		i = end
		if i%every == 0 || i == n {
			slice(i)
		}
	}
	return nil
}
