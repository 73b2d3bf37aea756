package inspect

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
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

// verifyTiledEntry verifies an entry of a tiles log: leaf hash, inclusion
// proof (computed from tiles) and the checkpoint it leads to. There is no
// SET: trust rests on the signed checkpoint.
func (l *Log) verifyTiledEntry(e model.LogEntry) *EntryCheck {
	c := &EntryCheck{Entry: e, Result: &model.Result{Subject: fmt.Sprintf("entry %d", e.LogIndex)}}
	r := c.Result
	leaf := proof.LeafHash(e.Body)
	c.LeafHash = leaf
	if e.UUID != "" && !strings.HasSuffix(strings.ToLower(e.UUID), hex.EncodeToString(leaf)) {
		r.Fail(proof.StepLeafHash, "Leaf hash", fmt.Errorf("leaf hash %x of the body is not the entry ID's", leaf))
	} else {
		r.Pass(proof.StepLeafHash, "Leaf hash", "SHA-256(0x00 || body)", model.Evidence{Label: "leaf hash", Value: hex.EncodeToString(leaf)})
	}
	r.Skip(proof.StepSET, "Signed entry timestamp", "tiles logs (Rekor v2) issue no SET: the signed checkpoint carries the trust")
	p := e.Proof
	if p == nil || p.LogIndex < 0 || p.TreeSize < 0 {
		r.Fail(proof.StepInclusionProof, "Inclusion proof", errors.New("no usable inclusion proof"))
		return c
	}
	tr, err := proof.TraceInclusion(uint64(p.LogIndex), uint64(p.TreeSize), leaf, p.Hashes, p.RootHash)
	c.Trace = tr
	if err != nil {
		r.Fail(proof.StepInclusionProof, "Inclusion proof", err)
	} else {
		r.Pass(proof.StepInclusionProof, "Inclusion proof", fmt.Sprintf("leaf %d of %d: %d hashes (computed from tiles) lead to the root", p.LogIndex, p.TreeSize, len(p.Hashes)),
			model.Evidence{Label: "tree size", Value: strconv.FormatInt(p.TreeSize, 10)})
	}
	cp, err := l.VerifyNote(p.Checkpoint)
	if err != nil {
		r.Fail(proof.StepCheckpoint, "Signed checkpoint", err)
		return c
	}
	c.Checkpoint = cp
	r.Pass(proof.StepCheckpoint, "Signed checkpoint", "signed by the log key", model.Evidence{Label: "origin", Value: cp.Origin})
	if cp.Size != uint64(p.TreeSize) || !bytes.Equal(cp.RootHash, p.RootHash) {
		r.Fail(proof.StepCheckpointMatch, "Checkpoint matches proof", fmt.Errorf("checkpoint size %d root %x, proof size %d root %x", cp.Size, cp.RootHash, p.TreeSize, p.RootHash))
	} else {
		r.Pass(proof.StepCheckpointMatch, "Checkpoint matches proof", "the signed checkpoint commits to the proof's tree size and root")
	}
	return c
}
