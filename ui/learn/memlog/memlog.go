// Package memlog is the small in-memory transparency log behind provscope's
// teaching mode: an append-only list of entries hashed into an RFC 6962
// Merkle tree (https://www.rfc-editor.org/rfc/rfc6962#section-2.1), with
// inclusion and consistency proofs for any tree size it has reached and
// checkpoints signed as C2SP signed notes (https://c2sp.org/tlog-checkpoint).
//
// Appends go through transparency-dev/merkle's compact.Range; proofs are
// assembled from the node lists of transparency-dev/merkle's proof package,
// so the hashes a learner sees are the ones a real log would serve. Every
// perfect node is kept in memory, which suits the few thousand entries a
// learner appends; it is not a production log.
package memlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// ErrFull is returned by Append when the log holds its maximum number of
// entries.
var ErrFull = errors.New("the teaching log is full")

// NodeID names a node by level (0 for leaves) and index within that level,
// the addressing of transparency-dev/merkle's compact.NodeID.
type NodeID = compact.NodeID

// Log is an in-memory RFC 6962 log. The zero value is not usable: call New.
// A Log is not safe for concurrent use.
type Log struct {
	max     uint64
	entries [][]byte
	// levels[l][i] is the hash of the perfect node (l, i).
	levels [][][]byte
	rf     *compact.RangeFactory
	rng    *compact.Range
}

// New returns an empty log that accepts at most maxEntries entries
// (at least 1).
func New(maxEntries uint64) *Log {
	if maxEntries < 1 {
		maxEntries = 1
	}
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	return &Log{max: maxEntries, rf: rf, rng: rf.NewEmptyRange(0)}
}

// Max returns the maximum number of entries the log accepts.
func (l *Log) Max() uint64 { return l.max }

// Size returns the number of entries in the log.
func (l *Log) Size() uint64 { return uint64(len(l.entries)) }

// Append adds data as the next entry and returns its index.
func (l *Log) Append(data []byte) (uint64, error) {
	if l.Size() >= l.max {
		return 0, fmt.Errorf("appending entry %d: %w (max %d entries)", l.Size(), ErrFull, l.max)
	}
	idx := l.Size()
	l.entries = append(l.entries, bytes.Clone(data))
	err := l.rng.Append(rfc6962.DefaultHasher.HashLeaf(data), func(id compact.NodeID, h []byte) {
		for uint(len(l.levels)) <= id.Level {
			l.levels = append(l.levels, nil)
		}
		if uint64(len(l.levels[id.Level])) != id.Index {
			panic(fmt.Sprintf("memlog: node %v appended out of order", id))
		}
		l.levels[id.Level] = append(l.levels[id.Level], h)
	})
	if err != nil {
		return 0, fmt.Errorf("appending entry %d: %w", idx, err)
	}
	return idx, nil
}

// Entry returns a copy of entry i's bytes. Requires i < Size().
func (l *Log) Entry(i uint64) []byte { return bytes.Clone(l.entries[i]) }

// LeafHash returns SHA-256(0x00 || entry i). Requires i < Size().
func (l *Log) LeafHash(i uint64) []byte { return l.levels[0][i] }

// Clone returns an independent copy of the log.
func (l *Log) Clone() *Log {
	c := New(l.max)
	for _, e := range l.entries {
		if _, err := c.Append(e); err != nil {
			panic(fmt.Sprintf("memlog: cloning: %v", err))
		}
	}
	return c
}

// Replace overwrites entry i with data and rehashes every perfect node above
// it, as a dishonest log would to hide a change. Requires i < Size().
// It exists for the tamper screen; an honest log never does this.
func (l *Log) Replace(i uint64, data []byte) error {
	if i >= l.Size() {
		return fmt.Errorf("replacing entry %d: out of range for size %d", i, l.Size())
	}
	l.entries[i] = bytes.Clone(data)
	l.levels[0][i] = rfc6962.DefaultHasher.HashLeaf(data)
	for lv := 1; lv < len(l.levels); lv++ {
		k := i >> uint(lv)
		if k >= uint64(len(l.levels[lv])) {
			break
		}
		l.levels[lv][k] = rfc6962.DefaultHasher.HashChildren(l.levels[lv-1][2*k], l.levels[lv-1][2*k+1])
	}
	ids := compact.RangeNodes(0, l.Size(), nil)
	hashes := make([][]byte, len(ids))
	for j, id := range ids {
		hashes[j] = l.levels[id.Level][id.Index]
	}
	rng, err := l.rf.NewRange(0, l.Size(), hashes)
	if err != nil {
		return fmt.Errorf("replacing entry %d: %w", i, err)
	}
	l.rng = rng
	return nil
}

// Perfect reports whether node id is a perfect node of the tree of the given
// size: all 2^level leaves under it exist.
func Perfect(id NodeID, size uint64) bool {
	_, end := id.Coverage()
	return end <= size && end > 0
}

// Covers returns the leaves [begin, end) under node id in the tree of the
// given size, and whether the node exists in that tree at all.
func Covers(id NodeID, size uint64) (begin, end uint64, ok bool) {
	begin, end = id.Coverage()
	if begin >= size {
		return 0, 0, false
	}
	return begin, min(end, size), true
}

// Hash returns the hash of node id in the tree of the given size: a stored
// hash for a perfect node, or the Merkle Tree Hash of the leaves under it for
// an ephemeral node on the tree's right border. Requires size <= Size() and
// the node to exist in that tree (see Covers).
func (l *Log) Hash(id NodeID, size uint64) ([]byte, error) {
	if size > l.Size() {
		return nil, fmt.Errorf("hashing node %v: size %d beyond log size %d", id, size, l.Size())
	}
	begin, end, ok := Covers(id, size)
	if !ok {
		return nil, fmt.Errorf("hashing node %v: not in a tree of size %d", id, size)
	}
	return l.mth(begin, end), nil
}

// mth is the RFC 6962 Merkle Tree Hash of leaves [begin, end), built from
// stored perfect nodes. Requires begin < end <= Size() and begin aligned as in
// an RFC 6962 tree (a multiple of the largest power of two <= end-begin).
func (l *Log) mth(begin, end uint64) []byte {
	n := end - begin
	if n&(n-1) == 0 { // a perfect subtree
		lv := uint(bits.TrailingZeros64(n))
		return l.levels[lv][begin>>lv]
	}
	k := uint64(1) << (bits.Len64(n-1) - 1) // largest power of two < n
	return rfc6962.DefaultHasher.HashChildren(l.mth(begin, begin+k), l.mth(begin+k, end))
}

// Root returns the root hash of the tree of the given size; the empty tree's
// root is SHA-256 of nothing. Requires size <= Size().
func (l *Log) Root(size uint64) ([]byte, error) {
	if size > l.Size() {
		return nil, fmt.Errorf("computing root: size %d beyond log size %d", size, l.Size())
	}
	if size == 0 {
		h := sha256.Sum256(nil)
		return h[:], nil
	}
	if size == l.Size() {
		return l.rng.GetRootHash(nil)
	}
	return l.mth(0, size), nil
}

// Subtree returns the ID of the RFC 6962 subtree over leaves [begin, end):
// level ⌈log2(end-begin)⌉, index begin>>level. For a perfect subtree this is
// its usual ID; for an ephemeral one (end-begin not a power of two) it is
// the node that subtree becomes once full, which is how the tree is drawn.
// transparency-dev/merkle's Nodes.Ephem instead names the ephemeral sibling
// by the level of the path it hangs from. Requires begin < end.
func Subtree(begin, end uint64) NodeID {
	if end-begin <= 1 {
		return NodeID{Level: 0, Index: begin}
	}
	lv := uint(bits.Len64(end - begin - 1))
	return NodeID{Level: lv, Index: begin >> lv}
}

// ProofNode is one hash of a proof with the node it stands for.
type ProofNode struct {
	ID NodeID // as named by Subtree
	// Ephemeral is true when the node is not perfect in the proof's tree: its
	// hash was rebuilt from the perfect nodes under it.
	Ephemeral bool
	Hash      []byte
}

// Inclusion returns the RFC 6962 inclusion proof for leaf index in the tree
// of the given size. Requires index < size <= Size().
func (l *Log) Inclusion(index, size uint64) ([]ProofNode, error) {
	if size > l.Size() {
		return nil, fmt.Errorf("proving inclusion: size %d beyond log size %d", size, l.Size())
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("proving inclusion: %w", err)
	}
	return l.build(nodes, size)
}

// Consistency returns the RFC 6962 consistency proof between the trees of
// size1 and size2. Requires size1 <= size2 <= Size().
func (l *Log) Consistency(size1, size2 uint64) ([]ProofNode, error) {
	if size2 > l.Size() {
		return nil, fmt.Errorf("proving consistency: size %d beyond log size %d", size2, l.Size())
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("proving consistency: %w", err)
	}
	return l.build(nodes, size2)
}

// build fetches the hashes of nodes' perfect node IDs and rehashes the
// ephemeral one, as transparency-dev/merkle's Nodes.Rehash does.
func (l *Log) build(nodes proof.Nodes, size uint64) ([]ProofNode, error) {
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		if !Perfect(id, size) {
			return nil, fmt.Errorf("building proof: node %v is not perfect in a tree of size %d", id, size)
		}
		hashes[i] = l.levels[id.Level][id.Index]
	}
	ephem, begin, end := nodes.Ephem()
	rehashed, err := nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("building proof: %w", err)
	}
	out := make([]ProofNode, len(rehashed))
	for i := range out {
		j := i
		switch {
		case end-begin > 1 && i == begin:
			b, e := ephem.Coverage()
			out[i] = ProofNode{ID: Subtree(b, min(e, size)), Ephemeral: true, Hash: rehashed[i]}
			continue
		case end-begin > 1 && i > begin:
			j = i + (end - begin - 1)
		}
		out[i] = ProofNode{ID: nodes.IDs[j], Hash: rehashed[i]}
	}
	return out, nil
}

// Hashes returns the bare hashes of a proof, in order.
func Hashes(p []ProofNode) [][]byte {
	out := make([][]byte, len(p))
	for i, n := range p {
		out[i] = n.Hash
	}
	return out
}
