package proof

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Judging a mirror or an audit of a C2SP tlog-tiles log
// (https://c2sp.org/tlog-tiles). The mirror recomputes every tile from the
// entries it downloaded; these functions decide whether what the log served
// (entry bundles, hash tiles, checkpoints) agrees with that recomputation
// and with the log's signed checkpoints.

// tileWidth and tileHeight are the C2SP tile geometry: 256 hashes per tile,
// 8 tree levels per tile.
const (
	tileWidth  = 256
	tileHeight = 8
)

// EntryRange is a run of log entries, First to Last inclusive.
type EntryRange struct{ First, Last uint64 }

// String renders r as "entries 256..511" (or "entry 7").
func (r EntryRange) String() string {
	if r.First == r.Last {
		return fmt.Sprintf("entry %d", r.First)
	}
	return fmt.Sprintf("entries %d..%d", r.First, r.Last)
}

// BundleRange returns the entries an entry bundle of width entries covers.
// Requires width >= 1.
func BundleRange(index, width uint64) EntryRange {
	return EntryRange{First: index * tileWidth, Last: index*tileWidth + width - 1}
}

// TileLieKind says how a log's tiles disagree with its entries or its
// signed checkpoint.
type TileLieKind int

const (
	// BundleMalformed is an entry bundle that does not parse.
	BundleMalformed TileLieKind = iota + 1
	// BundleWrongCount is an entry bundle with fewer (or more) entries than
	// the checkpoint's size says it holds: truncated or padded.
	BundleWrongCount
	// TileMismatch is a hash tile whose hashes differ from the ones
	// recomputed from the entries.
	TileMismatch
	// PrefixInconsistent is a run of entries whose recomputed tree is not a
	// prefix of the signed tree (the entries were changed or reordered, or
	// the tiles proving consistency lie).
	PrefixInconsistent
	// RootMismatch is a tree recomputed from all the entries whose root is
	// not the signed checkpoint's root.
	RootMismatch
)

// String names the kind.
func (k TileLieKind) String() string {
	switch k {
	case BundleMalformed:
		return "malformed entry bundle"
	case BundleWrongCount:
		return "wrong entry count"
	case TileMismatch:
		return "tile disagrees with entries"
	case PrefixInconsistent:
		return "entries inconsistent with the signed checkpoint"
	case RootMismatch:
		return "root mismatch"
	}
	return "unknown"
}

// TileLieError reports that what a tiles log served disagrees with the
// entries or with its signed checkpoint. Range is the first run of entries
// found bad; Level and Index name the tile (Level -1 for an entry bundle).
type TileLieError struct {
	Kind         TileLieKind
	Range        EntryRange
	Level        int
	Index        uint64
	Detail       string
	err          error
	Got, Want    []byte
	TreeSize     uint64
	SignedOrigin string
}

func (e *TileLieError) Error() string {
	where := fmt.Sprintf("entry bundle %d", e.Index)
	if e.Level >= 0 {
		where = fmt.Sprintf("tile %d/%d", e.Level, e.Index)
	}
	if e.Kind == PrefixInconsistent || e.Kind == RootMismatch {
		where = fmt.Sprintf("tree size %d", e.TreeSize)
	}
	return fmt.Sprintf("%s: %s (%s): %s", e.Range, e.Kind, where, e.Detail)
}

// Unwrap returns the underlying verification error, if any.
func (e *TileLieError) Unwrap() error { return e.err }

// BundleLeafHashes checks that an entry bundle holds exactly width entries
// (the count the signed tree size implies for it) and returns the RFC 6962
// leaf hash, SHA-256(0x00 || entry), of each. Requires 1 <= width <= 256.
func BundleLeafHashes(index, width uint64, entries [][]byte) ([][]byte, error) {
	if uint64(len(entries)) != width {
		return nil, &TileLieError{
			Kind: BundleWrongCount, Range: BundleRange(index, width), Level: -1, Index: index,
			Detail: fmt.Sprintf("bundle holds %d entries, want %d", len(entries), width),
		}
	}
	out := make([][]byte, len(entries))
	for i, e := range entries {
		out[i] = LeafHash(e)
	}
	return out, nil
}

// MalformedBundle wraps a bundle parse error as a BundleMalformed lie about
// the entries the bundle should hold.
func MalformedBundle(index, width uint64, err error) error {
	return &TileLieError{Kind: BundleMalformed, Range: BundleRange(index, width), Level: -1, Index: index, Detail: err.Error(), err: err}
}

// TileRoot hashes a full tile's 256 hashes up to the hash of the node one
// tile level higher (the hash the tile at level+1 holds for it). Requires
// len(hashes) == 256.
func TileRoot(hashes [][]byte) []byte {
	if len(hashes) != tileWidth {
		panic(fmt.Sprintf("TileRoot of %d hashes, want %d", len(hashes), tileWidth))
	}
	return SubtreeRoot(hashes)
}

// CheckTile compares the hash tile a log served at (level, index) with the
// hashes recomputed from the entries. served may be longer than computed
// (a full tile served for a partial one); only the first len(computed)
// hashes are compared. The first differing hash names the entries below it.
func CheckTile(level, index uint64, served []byte, computed [][]byte) error {
	want := len(computed) * sha256.Size
	span := uint64(1) << (tileHeight * level) // entries under one hash of this level
	first := index * tileWidth
	if len(served) < want || len(served)%sha256.Size != 0 {
		return &TileLieError{
			Kind: TileMismatch, Level: int(level), Index: index, //nolint:gosec // level < 8 for any 64-bit tree
			Range:  EntryRange{First: first * span, Last: (first+uint64(len(computed)))*span - 1},
			Detail: fmt.Sprintf("tile is %d bytes, want %d", len(served), want),
		}
	}
	for i, h := range computed {
		got := served[i*sha256.Size : (i+1)*sha256.Size]
		if !bytes.Equal(got, h) {
			n := first + uint64(i)
			return &TileLieError{
				Kind: TileMismatch, Level: int(level), Index: index, //nolint:gosec // level < 8 for any 64-bit tree
				Range:  EntryRange{First: n * span, Last: (n+1)*span - 1},
				Detail: fmt.Sprintf("hash %d is %x, recomputed from the entries %x", i, got, h),
				Got:    bytes.Clone(got), Want: bytes.Clone(h),
			}
		}
	}
	return nil
}

// VerifyMirroredPrefix decides whether the tree the mirror recomputed from
// the log's first size entries (root) is a prefix of the signed checkpoint
// cp. When size equals cp's size the roots must be equal; when it is smaller,
// proofHashes (the consistency proof from size to cp.Size, which may come
// from the log's unverified tiles: the check binds it to both roots) must
// link them. from is the first entry verified by this step, for the range
// an error names. Requires from < size.
func VerifyMirroredPrefix(from, size uint64, root []byte, cp *VerifiedCheckpoint, proofHashes [][]byte) error {
	if cp == nil {
		return errors.New("verifying mirrored entries: no checkpoint")
	}
	rng := EntryRange{First: from, Last: size - 1}
	lie := func(kind TileLieKind, treeSize uint64, detail string, err error) *TileLieError {
		return &TileLieError{Kind: kind, Range: rng, Level: -1, TreeSize: treeSize, SignedOrigin: cp.Origin, Detail: detail, err: err}
	}
	switch {
	case size == 0 || from >= size:
		return fmt.Errorf("verifying mirrored entries %d..%d: empty range", from, size)
	case size > cp.Size:
		return lie(PrefixInconsistent, cp.Size, fmt.Sprintf("mirrored %d entries, the checkpoint signs only %d", size, cp.Size), nil)
	case size == cp.Size:
		if !bytes.Equal(root, cp.RootHash) {
			e := lie(RootMismatch, size, fmt.Sprintf("root recomputed from the entries is %x, the checkpoint signs %x", root, cp.RootHash), nil)
			e.Got, e.Want = bytes.Clone(root), bytes.Clone(cp.RootHash)
			return e
		}
		return nil
	}
	if err := VerifyConsistency(size, cp.Size, proofHashes, root, cp.RootHash); err != nil {
		return lie(PrefixInconsistent, size, fmt.Sprintf("the tree of the first %d entries does not extend to the signed tree of size %d: %v", size, cp.Size, err), err)
	}
	return nil
}

// VerifyNextCheckpoint decides whether next, a newly fetched checkpoint,
// extends kept, the last checkpoint the mirror verified: same origin, not
// smaller, the same root at the same size, and otherwise proofHashes (the
// consistency proof from kept.Size to next.Size) linking the two roots.
// Both must come from VerifyCheckpoint. It returns JudgeConsistency's
// *InconsistentError, carrying both notes and the proof as evidence.
func VerifyNextCheckpoint(kept, next *VerifiedCheckpoint, proofHashes [][]byte) error {
	if kept == nil || next == nil {
		return errors.New("consistency needs two checkpoints")
	}
	nc := next.Checkpoint
	_, err := JudgeConsistency(ConsistencyEvidence{Old: kept.Checkpoint, OldNote: kept.Raw, New: &nc, NewNote: next.Raw, Proof: proofHashes})
	return err
}

// SubtreeRoot hashes a power-of-two run of sibling hashes (RFC 6962 §2.1)
// up to the root of the perfect subtree they span. The tiles client and
// TileRoot share it, so the tree is hashed one way only.
func SubtreeRoot(hashes [][]byte) []byte {
	level := hashes
	for len(level) > 1 {
		next := make([][]byte, len(level)/2)
		for i := range next {
			next[i] = NodeHash(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0]
}

// CompactFromEdgeTiles rebuilds the compact range of a tree of size leaves
// (its perfect subtrees, largest first, as transparency-dev/merkle/compact
// keeps them) from the right-edge tile of every level: edges[L] must hold
// the (size >> 8L) % 256 hashes of the level-L partial tile, for every L
// with size >> 8L > 0. The tiles may come from the log unverified: the
// root they give must equal root, the signed checkpoint's, which
// authenticates them. It lets a follower start at a checkpoint without
// reading the log's history. Requires size > 0.
func CompactFromEdgeTiles(size uint64, edges [][][]byte, root []byte) ([][]byte, error) {
	rng := EntryRange{First: 0, Last: size - 1}
	var out [][]byte
	for level := len(edges) - 1; level >= 0; level-- {
		l := uint64(level) //nolint:gosec // level >= 0
		w := uint64(0)
		if tileHeight*l < 64 {
			w = (size >> (tileHeight * l)) % tileWidth
		}
		if uint64(len(edges[level])) != w {
			e := &TileLieError{Kind: TileMismatch, Range: rng, Level: level, Index: (size >> (tileHeight * l)) / tileWidth}
			e.Detail = fmt.Sprintf("edge tile holds %d hashes, want %d", len(edges[level]), w)
			return nil, e
		}
		off := uint64(0)
		for k := tileHeight - 1; k >= 0; k-- {
			if n := uint64(1) << k; w&n != 0 {
				out = append(out, SubtreeRoot(edges[level][off:off+n]))
				off += n
			}
		}
	}
	if len(edges) == 0 || (tileHeight*uint64(len(edges)) < 64 && size>>(tileHeight*uint64(len(edges))) != 0) { //nolint:gosec // len >= 0
		return nil, fmt.Errorf("edge tiles for %d levels cannot describe a tree of size %d", len(edges), size)
	}
	if len(out) == 0 {
		return nil, errors.New("no hashes in the edge tiles")
	}
	got := out[len(out)-1]
	for i := len(out) - 2; i >= 0; i-- {
		got = NodeHash(out[i], got)
	}
	if !bytes.Equal(got, root) {
		e := &TileLieError{Kind: RootMismatch, Range: rng, Level: -1, TreeSize: size, Got: got, Want: bytes.Clone(root)}
		e.Detail = fmt.Sprintf("root of the edge tiles is %x, the checkpoint signs %x", got, root)
		return nil, e
	}
	return out, nil
}
