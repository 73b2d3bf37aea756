package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/signature"
)

// DamageError reports that the stored log does not match its last signed
// checkpoint: the log refuses to serve. Entries [Begin, End) are the damaged
// (or unverifiable) index range.
type DamageError struct {
	Begin, End uint64
	Reason     string
}

func (e *DamageError) Error() string {
	if e.Begin == e.End {
		return "log storage damaged: " + e.Reason
	}
	return fmt.Sprintf("log storage damaged at entries [%d, %d): %s", e.Begin, e.End, e.Reason)
}

// verifyStorage recomputes every leaf hash from the stored bodies, rebuilds
// the tree, compares each stored tile and the root with what it computed and
// with the last signed checkpoint, and returns the writer to continue from.
func (l *Log) verifyStorage(ctx context.Context) (*tileWriter, error) {
	cpText, err := l.db.meta(ctx, metaCheckpoint)
	if err != nil {
		return nil, err
	}
	tw := newTileWriter()
	// Damage found at a low level (leaves) explains the damage above it
	// (tiles, root): report the lowest level found.
	var damage *DamageError
	damageLevel := -1
	note := func(level int, begin, end uint64, reason string) {
		switch {
		case damage == nil || level < damageLevel:
			damage, damageLevel = &DamageError{Begin: begin, End: end, Reason: reason}, level
		case level == damageLevel:
			damage.Begin = min(damage.Begin, begin)
			damage.End = max(damage.End, end)
		}
	}
	const levelHistory, levelCheckpoint = 1 << 9, 1 << 10
	checkTiles := func(tiles []tileBlob) error {
		for _, t := range tiles {
			stored, _, err := l.db.tile(ctx, t.level, t.n)
			if err != nil {
				return err
			}
			if bytes.Equal(stored, t.hashes) {
				continue
			}
			span := uint64(1) << (tileHeight * t.level) // leaves per hash
			begin := t.n * tileWidth * span
			end := begin + uint64(len(t.hashes)/hashSize)*span
			if t.level == 0 { // narrow to the differing leaves
				first, last := -1, -1
				for i := 0; i < len(t.hashes)/hashSize; i++ {
					a := t.hashes[i*hashSize : (i+1)*hashSize]
					if len(stored) < (i+1)*hashSize || !bytes.Equal(a, stored[i*hashSize:(i+1)*hashSize]) {
						if first < 0 {
							first = i
						}
						last = i
					}
				}
				if first >= 0 {
					end = begin + uint64(last) + 1 //nolint:gosec // non-negative
					begin += uint64(first)         //nolint:gosec // non-negative
				}
				note(0, begin, end, "stored entry bodies do not hash to the stored leaf hashes")
				continue
			}
			level := int(t.level) //nolint:gosec // tile levels are below 8 (64-bit indices)
			note(level, begin, end, fmt.Sprintf("stored tree tile %d/%d differs from the one recomputed from the entries", t.level, t.n))
		}
		return nil
	}

	verifier := l.verifier
	history, err := l.loadHistory(ctx, verifier)
	if err != nil {
		return nil, err
	}
	var lastGood uint64 // largest size whose recomputed root matched a signed one
	checkHistory := func() error {
		size := tw.rng.End()
		if len(history) == 0 || history[0].Size != size {
			return nil
		}
		h := history[0]
		history = history[1:]
		root, err := tw.root()
		if err != nil {
			return fmt.Errorf("computing root at %d: %w", size, err)
		}
		if bytes.Equal(root, h.Hash) {
			lastGood = size
			return nil
		}
		note(levelHistory, lastGood, size, fmt.Sprintf("recomputed root at size %d differs from the checkpoint signed for that size (the root at size %d matched its signed checkpoint)", size, lastGood))
		history = nil // later roots differ too
		return nil
	}

	var next uint64
	err = l.db.eachEntry(ctx, func(idx, t int64, body, set []byte) error {
		// The checkpoint covers the bodies, not the integrated times and
		// SETs: those are checked here for presence and shape, and each
		// SET's signature on every read (logEntry).
		if t <= 0 {
			note(0, next, next+1, fmt.Sprintf("stored integrated time %d is not a time", t))
		}
		if len(set) < 8 || len(set) > 72 {
			note(0, next, next+1, fmt.Sprintf("stored signed entry timestamp is %d bytes, not an ECDSA P-256 signature (a missing one is never signed again)", len(set)))
		}
		body, err := l.codec.decode(body)
		if err != nil {
			return &DamageError{Begin: next, End: next + 1, Reason: fmt.Sprintf("stored body does not decode: %v", err)}
		}
		if uint64(idx) != next { //nolint:gosec // compared as stored
			return &DamageError{Begin: next, End: uint64(idx), Reason: "entries are missing"} //nolint:gosec // idx > next >= 0
		}
		if err := tw.append(hasher.HashLeaf(body)); err != nil {
			return err
		}
		next++
		if err := checkHistory(); err != nil {
			return err
		}
		if len(tw.full) > 0 {
			if err := checkTiles(tw.full); err != nil {
				return err
			}
			tw.flushed()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tw.flushed() // partial edge tiles are not stored; they come from this rebuild
	root, err := tw.root()
	if err != nil {
		return nil, fmt.Errorf("computing root: %w", err)
	}
	size := tw.rng.End()

	if cpText == nil {
		if size != 0 {
			return nil, &DamageError{Begin: 0, End: size, Reason: "entries are stored but no signed checkpoint is"}
		}
		cp, err := l.signCheckpoint(ctx, 0, root)
		if err != nil {
			return nil, fmt.Errorf("signing the empty checkpoint: %w", err)
		}
		if err := l.db.putMeta(ctx, metaCheckpoint, cp); err != nil {
			return nil, err
		}
		cpText = cp
	}
	var sc util.SignedCheckpoint
	if err := sc.UnmarshalText(cpText); err != nil {
		return nil, &DamageError{Begin: 0, End: size, Reason: fmt.Sprintf("stored checkpoint does not parse: %v", err)}
	}
	if !sc.Verify(verifier) {
		return nil, &DamageError{Begin: 0, End: max(size, sc.Size), Reason: "stored checkpoint signature does not verify with the log key"}
	}
	if sc.Origin != l.Origin() {
		return nil, &DamageError{Begin: 0, End: size, Reason: fmt.Sprintf("stored checkpoint origin %q, want %q", sc.Origin, l.Origin())}
	}
	switch {
	case sc.Size < size:
		note(levelCheckpoint, sc.Size, size, fmt.Sprintf("%d entries stored beyond the last signed checkpoint (size %d)", size-sc.Size, sc.Size))
	case sc.Size > size:
		note(levelCheckpoint, size, sc.Size, fmt.Sprintf("signed checkpoint has size %d but only %d entries are stored", sc.Size, size))
	case !bytes.Equal(sc.Hash, root):
		note(levelCheckpoint, lastGood, size, fmt.Sprintf("recomputed root %s differs from signed checkpoint root %s", hex.EncodeToString(root), hex.EncodeToString(sc.Hash)))
	}
	if err := l.checkIndexes(ctx, size, note); err != nil {
		return nil, err
	}
	if damage != nil {
		return nil, damage
	}
	l.state.Store(newSnapshot(nil, size, root, cpText, tw.copyEdge()))
	return tw, nil
}

// loadHistory reads the kept signed checkpoints in size order. One that does
// not parse or verify is itself damage.
func (l *Log) loadHistory(ctx context.Context, v signature.Verifier) ([]util.SignedCheckpoint, error) {
	var out []util.SignedCheckpoint
	err := l.db.eachCheckpoint(ctx, func(size int64, text []byte) error {
		var sc util.SignedCheckpoint
		if err := sc.UnmarshalText(text); err != nil || !sc.Verify(v) || sc.Size != uint64(size) || sc.Origin != l.Origin() { //nolint:gosec // stored positive
			return &DamageError{Begin: 0, End: uint64(size), Reason: fmt.Sprintf("kept checkpoint for size %d does not parse or verify with the log key", size)} //nolint:gosec // stored positive
		}
		out = append(out, sc)
		return nil
	})
	return out, err
}

// checkIndexes checks the leaf index and the search index against the
// tree size: one leaf row per entry and no row naming an index beyond the
// tree. (Which leaf maps to which entry is checked on every read:
// entryByLeaf.)
func (l *Log) checkIndexes(ctx context.Context, size uint64, note func(level int, begin, end uint64, reason string)) error {
	leaves, badLeaves, badKeys, err := l.db.indexCounts(ctx, size)
	if err != nil {
		return err
	}
	if uint64(leaves) != size || badLeaves > 0 { //nolint:gosec // a count
		note(0, 0, size, fmt.Sprintf("the leaf index holds %d rows (%d beyond the tree) for %d entries", leaves, badLeaves, size))
	}
	if badKeys > 0 {
		note(0, 0, size, fmt.Sprintf("the search index holds %d rows naming entries beyond the tree", badKeys))
	}
	return nil
}
