package proof

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hashSize is the size of an RFC 6962 SHA-256 hash.
const hashSize = sha256.Size

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 || data).
func LeafHash(data []byte) []byte {
	return rfc6962.DefaultHasher.HashLeaf(data)
}

// NodeHash returns the RFC 6962 interior node hash SHA-256(0x01 || left || right).
func NodeHash(left, right []byte) []byte {
	return rfc6962.DefaultHasher.HashChildren(left, right)
}

// NodeAddr is a node's address in the tree: Level 0 = leaves; Index counts
// from the left at that level. The node at (Level, Index) covers leaves
// [Index·2^Level, (Index+1)·2^Level).
type NodeAddr struct {
	Level uint
	Index uint64
}

// String renders the address as "(level,index)".
func (a NodeAddr) String() string { return fmt.Sprintf("(%d,%d)", a.Level, a.Index) }

// Perfect reports whether the node is a perfect subtree of a tree with size
// leaves: all the leaves it covers exist. Nodes on the right border of an
// unbalanced tree are not perfect; their hash stands for the leaves that
// exist ("ephemeral" nodes).
func (a NodeAddr) Perfect(size uint64) bool {
	if a.Level >= 64 {
		return false // 2^64 leaves cannot exist
	}
	end := (a.Index + 1) << a.Level
	if end>>a.Level != a.Index+1 { // overflow
		return false
	}
	return end <= size
}

// HashStep is one hash computed while walking a proof:
// Out = SHA-256(0x01 || Left || Right).
type HashStep struct {
	// Node is the node Out is the hash of (for ephemeral nodes: the address
	// of the node it stands for).
	Node        NodeAddr
	Left, Right []byte
	Out         []byte
	// ProofIndex is which proof hash was one input (-1 if none).
	ProofIndex int
	// SiblingOnLeft: the proof hash was the left input.
	SiblingOnLeft bool
	// Ephemeral: the node is not a perfect subtree (right border of an
	// unbalanced tree).
	Ephemeral bool
}

// InclusionTrace explains an inclusion proof: the leaf, every hash computed
// on the way to the root, and the root compared with the expected one.
type InclusionTrace struct {
	Index, Size uint64
	LeafHash    []byte
	Steps       []HashStep
	// Computed is the root rebuilt from the proof; Expected the root it
	// was checked against.
	Computed, Expected []byte
}

// Matches reports whether the rebuilt root equals the expected one.
func (t *InclusionTrace) Matches() bool { return bytes.Equal(t.Computed, t.Expected) }

// RootAddr returns the address of the root of a tree with size leaves:
// level ⌈log2 size⌉, index 0.
func RootAddr(size uint64) NodeAddr {
	if size <= 1 {
		return NodeAddr{}
	}
	return NodeAddr{Level: uint(bits.Len64(size - 1))}
}

// decompInclProof mirrors merkle's split of an inclusion proof for index in
// a tree of size into the inner part (below the point where the paths to
// index and size-1 diverge) and the border part (left siblings above it).
func decompInclProof(index, size uint64) (inner, border int) {
	inner = bits.Len64(index ^ (size - 1))
	border = bits.OnesCount64(index >> uint(inner))
	return inner, border
}

// VerifyInclusion verifies an RFC 6962 inclusion proof with
// transparency-dev/merkle, without building a trace. Requires
// 0 <= index < size. Errors are typed as for TraceInclusion.
func VerifyInclusion(index, size uint64, leafHash []byte, proofHashes [][]byte, root []byte) error {
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, proofHashes, root); err != nil {
		return classifyInclusionErr(err, index, size, leafHash, proofHashes, root)
	}
	return nil
}

func classifyInclusionErr(err error, index, size uint64, leafHash []byte, proofHashes [][]byte, root []byte) error {
	var rm proof.RootMismatchError
	switch {
	case errors.As(err, &rm):
		return &RootMismatchError{Which: "root", Computed: rm.CalculatedRoot, Expected: rm.ExpectedRoot, err: err}
	case index >= size:
		return &RangeError{Msg: fmt.Sprintf("leaf index %d is beyond tree size %d", index, size), err: err}
	case len(leafHash) != hashSize:
		return &HashSizeError{What: "leaf hash", Got: len(leafHash), Want: hashSize, err: err}
	}
	inner, border := decompInclProof(index, size)
	if len(proofHashes) != inner+border {
		return &ProofSizeError{Got: len(proofHashes), Want: inner + border, err: err}
	}
	return fmt.Errorf("verifying inclusion: %w", err)
}

// TraceInclusion verifies an inclusion proof with transparency-dev/merkle
// and returns the explanation. Requires 0 <= index < size. The error is the
// library's verdict, typed (*RootMismatchError, *ProofSizeError,
// *RangeError); the trace is returned even on a mismatch when it could be
// built (nil when the proof has the wrong shape).
func TraceInclusion(index, size uint64, leafHash []byte, proofHashes [][]byte, root []byte) (*InclusionTrace, error) {
	verdict := VerifyInclusion(index, size, leafHash, proofHashes, root)
	if index >= size || len(leafHash) != hashSize {
		return nil, verdict
	}
	inner, border := decompInclProof(index, size)
	if len(proofHashes) != inner+border {
		return nil, verdict
	}
	t := &InclusionTrace{Index: index, Size: size, LeafHash: leafHash, Expected: root}
	t.Steps = make([]HashStep, 0, inner+border)
	w := walker{size: size, steps: t.Steps}
	seed := w.inner(leafHash, 0, index, proofHashes[:inner], 0, false)
	seed = w.border(seed, uint(inner), index>>uint(inner), proofHashes[inner:], inner)
	t.Steps = w.steps
	t.Computed = seed
	if (verdict == nil) != t.Matches() {
		// The trace must walk exactly the library's path; if it ever does
		// not, fail closed rather than explain something else.
		return t, errors.Join(fmt.Errorf("internal error: inclusion trace disagrees with merkle library (index %d, size %d)", index, size), verdict)
	}
	return t, verdict
}

// walker records hash steps for a tree of the given size.
type walker struct {
	size  uint64
	steps []HashStep
}

func (w *walker) hash(node NodeAddr, left, right []byte, proofIdx int, siblingLeft bool) []byte {
	out := NodeHash(left, right)
	w.steps = append(w.steps, HashStep{
		Node: node, Left: left, Right: right, Out: out,
		ProofIndex: proofIdx, SiblingOnLeft: siblingLeft,
		Ephemeral: !node.Perfect(w.size),
	})
	return out
}

// inner mirrors merkle's chainInner (rightOnly=false) and chainInnerRight
// (rightOnly=true): seed is the node at (level, index); hashes are siblings
// from level upwards; proofBase is the position of hashes[0] in the proof.
func (w *walker) inner(seed []byte, level uint, index uint64, hashes [][]byte, proofBase int, rightOnly bool) []byte {
	for i, h := range hashes {
		l := level + uint(i)
		idx := index >> uint(i)
		parent := NodeAddr{Level: l + 1, Index: idx >> 1}
		if idx&1 == 0 {
			if rightOnly {
				continue // the right sibling is not part of the older tree
			}
			seed = w.hash(parent, seed, h, proofBase+i, false)
		} else {
			seed = w.hash(parent, h, seed, proofBase+i, true)
		}
	}
	return seed
}

// border mirrors merkle's chainBorderRight: seed is the node at (level,
// index) on the right border; each hash is the left sibling of the next
// ancestor that has one (ancestors without a left sibling are promoted
// unchanged, as RFC 6962 does for the last node of an unbalanced level).
func (w *walker) border(seed []byte, level uint, index uint64, hashes [][]byte, proofBase int) []byte {
	for i, h := range hashes {
		for index&1 == 0 && level < 64 {
			index >>= 1
			level++
		}
		seed = w.hash(NodeAddr{Level: level + 1, Index: index >> 1}, h, seed, proofBase+i, true)
		index >>= 1
		level++
	}
	return seed
}

// ConsistencyTrace explains a consistency proof between a tree of Size1
// leaves and one of Size2 leaves: how each root is rebuilt from the proof.
type ConsistencyTrace struct {
	Size1, Size2 uint64
	// Seed is the old-tree node both walks start from, and SeedProofIndex
	// the proof hash it came from (-1 when the seed is Root1 itself).
	Seed           NodeAddr
	SeedHash       []byte
	SeedProofIndex int
	// Steps1 rebuilds root1 and Steps2 rebuilds root2.
	Steps1, Steps2       []HashStep
	Computed1, Computed2 []byte
	Root1, Root2         []byte
	// Reused lists the old-tree nodes the proof reuses: they appear
	// unchanged in the new tree.
	Reused []NodeAddr
}

// Matches reports whether both rebuilt roots equal the given ones.
func (t *ConsistencyTrace) Matches() bool {
	return bytes.Equal(t.Computed1, t.Root1) && bytes.Equal(t.Computed2, t.Root2)
}

// VerifyConsistency verifies an RFC 6962 consistency proof with
// transparency-dev/merkle, without building a trace. Requires
// 0 <= size1 <= size2. Errors are typed as for TraceConsistency.
//
// Policy: a proof from the empty tree (size1 == 0) is rejected with a
// *RangeError, as newer transparency-dev/merkle releases and the upstream
// probe vectors do: it proves nothing, and accepting it would let any
// root2 pass. merkle v0.0.2 alone would accept it.
func VerifyConsistency(size1, size2 uint64, proofHashes [][]byte, root1, root2 []byte) error {
	if size1 == 0 {
		return &RangeError{Msg: fmt.Sprintf("consistency proof from the empty tree to size %d is meaningless", size2)}
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, proofHashes, root1, root2); err != nil {
		return classifyConsistencyErr(err, size1, size2, proofHashes, root1, root2)
	}
	return nil
}

// consistencyShape returns the proof length merkle expects and, for
// size1 < size2 with size1 > 0, the split of the proof.
func consistencyShape(size1, size2 uint64) (start, inner, border, shift int) {
	inner, border = decompInclProof(size1-1, size2)
	shift = bits.TrailingZeros64(size1)
	inner -= shift
	start = 1
	if size1 == 1<<uint(shift) {
		start = 0
	}
	return start, inner, border, shift
}

func classifyConsistencyErr(err error, size1, size2 uint64, proofHashes [][]byte, root1, root2 []byte) error {
	var rm proof.RootMismatchError
	if errors.As(err, &rm) {
		which := "new root"
		if size1 == size2 || bytes.Equal(rm.ExpectedRoot, root1) && !bytes.Equal(rm.ExpectedRoot, root2) {
			which = "old root"
		}
		if size1 == size2 {
			which = "root (equal sizes)"
		}
		return &RootMismatchError{Which: which, Computed: rm.CalculatedRoot, Expected: rm.ExpectedRoot, err: err}
	}
	switch {
	case size2 < size1:
		return &RangeError{Msg: fmt.Sprintf("new tree size %d is smaller than old tree size %d", size2, size1), err: err}
	case size1 == size2:
		return &ProofSizeError{Got: len(proofHashes), Want: 0, err: err}
	case len(proofHashes) == 0:
		return &ProofSizeError{Got: 0, Want: consistencyLen(size1, size2), err: err}
	}
	if got, want := len(proofHashes), consistencyLen(size1, size2); got != want {
		return &ProofSizeError{Got: got, Want: want, err: err}
	}
	return fmt.Errorf("verifying consistency: %w", err)
}

func consistencyLen(size1, size2 uint64) int {
	start, inner, border, _ := consistencyShape(size1, size2)
	return start + inner + border
}

// TraceConsistency verifies a consistency proof with transparency-dev/merkle
// and returns the explanation. Requires 0 <= size1 <= size2. The error is
// the library's verdict, typed (*RootMismatchError, *ProofSizeError,
// *RangeError). The trace is nil when the proof has the wrong shape or
// size1 is 0 (see VerifyConsistency). For size1 == size2 the proof is empty
// and there are no steps: Computed1 and Computed2 are Root1, so the trace
// matches exactly when the two roots are equal.
func TraceConsistency(size1, size2 uint64, proofHashes [][]byte, root1, root2 []byte) (*ConsistencyTrace, error) {
	verdict := VerifyConsistency(size1, size2, proofHashes, root1, root2)
	t := &ConsistencyTrace{Size1: size1, Size2: size2, Root1: root1, Root2: root2, SeedProofIndex: -1}
	switch {
	case size2 < size1 || size1 == 0:
		return nil, verdict
	case size1 == size2:
		if len(proofHashes) != 0 {
			return nil, verdict
		}
		t.Computed1, t.Computed2 = root1, root1
		return t, t.check(verdict)
	}
	start, inner, border, shift := consistencyShape(size1, size2)
	if len(proofHashes) != start+inner+border {
		return nil, verdict
	}
	seed := root1
	if start == 1 {
		seed = proofHashes[0]
		t.SeedProofIndex = 0
	}
	mask := (size1 - 1) >> uint(shift)
	t.Seed = NodeAddr{Level: uint(shift), Index: mask}
	t.SeedHash = seed
	t.Reused = append(t.Reused, t.Seed)
	hashes := proofHashes[start:]

	w1 := walker{size: size1}
	h1 := w1.inner(seed, uint(shift), mask, hashes[:inner], start, true)
	h1 = w1.border(h1, uint(shift+inner), mask>>uint(inner), hashes[inner:], start+inner)
	w2 := walker{size: size2}
	h2 := w2.inner(seed, uint(shift), mask, hashes[:inner], start, false)
	h2 = w2.border(h2, uint(shift+inner), mask>>uint(inner), hashes[inner:], start+inner)
	t.Steps1, t.Steps2 = w1.steps, w2.steps
	t.Computed1, t.Computed2 = h1, h2
	// Old-tree nodes taken from the proof: the left siblings used for root1
	// (every proof hash on the left of the path is a perfect old subtree).
	for _, s := range w1.steps {
		if s.ProofIndex >= 0 && s.SiblingOnLeft {
			t.Reused = append(t.Reused, siblingAddr(s.Node, true))
		}
	}
	return t, t.check(verdict)
}

// siblingAddr returns the address of the left (or right) child of node,
// clamped for the border where an ephemeral child stands for a lower node.
func siblingAddr(parent NodeAddr, left bool) NodeAddr {
	if parent.Level == 0 {
		return parent
	}
	idx := parent.Index << 1
	if !left {
		idx++
	}
	return NodeAddr{Level: parent.Level - 1, Index: idx}
}

// check returns the library's verdict, or an internal error (failing
// closed) if the trace ever disagrees with it.
func (t *ConsistencyTrace) check(verdict error) error {
	if (verdict == nil) != t.Matches() {
		return errors.Join(fmt.Errorf("internal error: consistency trace disagrees with merkle library (sizes %d, %d)", t.Size1, t.Size2), verdict)
	}
	return verdict
}
