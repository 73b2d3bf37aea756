package inspect

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
)

// EntryByIndex fetches the entry at a log index from either kind of log.
// For a tiles log the entry is rebuilt from its entry bundle, with an
// inclusion proof computed from tiles up to the current checkpoint (which
// travels with it, unverified, for VerifyEntry). Entries of tiles logs have
// no SET and no integrated time.
func (l *Log) EntryByIndex(ctx context.Context, index int64) (*model.LogEntry, error) {
	if index < 0 {
		return nil, fmt.Errorf("log index %d: want >= 0", index)
	}
	if l.Rekor != nil {
		return l.Rekor.EntryByIndex(ctx, index)
	}
	note, err := l.Tiles.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching checkpoint: %w", err)
	}
	text, _, ok := strings.Cut(string(note), "\n\n")
	if !ok {
		return nil, errors.New("checkpoint has no signature block")
	}
	cp, err := proof.ParseCheckpoint([]byte(text + "\n"))
	if err != nil {
		return nil, fmt.Errorf("parsing checkpoint: %w", err)
	}
	if uint64(index) >= cp.Size {
		return nil, fmt.Errorf("log index %d: the log holds %d entries: %w", index, cp.Size, ErrNoSuchEntry)
	}
	b, err := l.Tiles.Entry(ctx, uint64(index), cp.Size)
	if err != nil {
		return nil, fmt.Errorf("fetching entry %d: %w", index, err)
	}
	hashes, err := l.Tiles.InclusionProof(ctx, uint64(index), cp.Size)
	if err != nil {
		return nil, fmt.Errorf("computing inclusion proof of entry %d: %w", index, err)
	}
	size, err := int64Size(cp.Size)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint: %w", err)
	}
	e := &model.LogEntry{
		UUID:     hex.EncodeToString(proof.LeafHash(b)),
		LogIndex: index,
		Body:     b,
		Proof:    &model.InclusionProof{LogIndex: index, TreeSize: size, RootHash: cp.RootHash, Hashes: hashes, Checkpoint: string(note)},
	}
	if kv, err := body.Peek(b); err == nil {
		e.Kind, e.APIVersion = model.EntryKind(kv.Kind), kv.Version
	}
	return e, nil
}

// ErrNoSuchEntry is returned (wrapped) for an index beyond the log.
var ErrNoSuchEntry = errors.New("no such entry")

// verifyTiledEntry verifies an entry of a tiles log with
// proof.VerifyTiledEntry: leaf hash, inclusion proof (computed from tiles)
// and the checkpoint it leads to, verified with the log's key.
func (l *Log) verifyTiledEntry(e model.LogEntry) *EntryCheck {
	rep := proof.VerifyTiledEntry(e, l.logNote())
	return &EntryCheck{Entry: e, Result: rep.Result, LeafHash: rep.LeafHash, Trace: rep.Inclusion, Checkpoint: rep.Checkpoint}
}
