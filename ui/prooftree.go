package ui

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/bits"

	"github.com/transparency-dev/merkle/compact"
	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// treeNode is one node of an RFC 6962 tree: its address (level, index), its
// hash, and whether it is ephemeral (its subtree extends past the tree's
// right edge, so its hash changes as the log grows) rather than perfect.
type treeNode struct {
	Level     uint
	Index     uint64
	Ephemeral bool
	Hash      []byte
}

func (n treeNode) addr() string {
	s := fmt.Sprintf("(%d,%d)", n.Level, n.Index)
	if n.Ephemeral {
		s += "~"
	}
	return s
}

// hashStep is one hash of the walk from the leaf to the root:
// Out = SHA-256(0x01 || Left || Right), where one input is the path so far
// and the other is the proof's sibling.
type hashStep struct {
	Out, Left, Right treeNode
	// SiblingLeft says the proof hash is the left input.
	SiblingLeft bool
	// ProofIndex is the position of the sibling in the proof's hashes.
	ProofIndex int
}

// inclusionTrace is an inclusion proof walked hash by hash, for drawing.
// The arithmetic is RFC 6962 §2.1.1 as transparency-dev/merkle computes it;
// tests check the computed root against merkle's RootFromInclusionProof.
type inclusionTrace struct {
	Index, Size uint64
	Leaf        treeNode
	Steps       []hashStep
	// Computed is the root the walk arrives at; Expected is the checkpoint's.
	Computed, Expected []byte
	Err                error
}

// Match says the computed root equals the expected one.
func (t inclusionTrace) Match() bool {
	return t.Err == nil && len(t.Expected) > 0 && bytes.Equal(t.Computed, t.Expected)
}

func ephemeral(level uint, index, size uint64) bool {
	// Node (level, index) covers leaves [index<<level, (index+1)<<level).
	end := (index + 1) << level
	return end > size || end>>level != index+1
}

// traceInclusion walks an inclusion proof for the leaf with hash leaf at
// index in a tree of size, producing every hash step with node addresses.
// Requires index < size.
func traceInclusion(index, size uint64, leaf []byte, proof [][]byte, root []byte) inclusionTrace {
	t := inclusionTrace{Index: index, Size: size, Expected: root}
	t.Leaf = treeNode{Level: 0, Index: index, Hash: leaf}
	if index >= size {
		t.Err = fmt.Errorf("leaf index %d is beyond tree size %d", index, size)
		return t
	}
	inner := bits.Len64(index ^ (size - 1))
	border := bits.OnesCount64(index >> uint(inner))
	if got, want := len(proof), inner+border; got != want {
		t.Err = fmt.Errorf("wrong proof size %d, want %d", got, want)
		return t
	}
	h := rfc6962.DefaultHasher
	cur := t.Leaf
	for i := range inner {
		lvl := uint(i)
		sibIdx := (index >> lvl) ^ 1
		sib := treeNode{Level: lvl, Index: sibIdx, Ephemeral: ephemeral(lvl, sibIdx, size), Hash: proof[i]}
		st := hashStep{ProofIndex: i}
		if (index>>lvl)&1 == 0 {
			st.Left, st.Right = cur, sib
		} else {
			st.Left, st.Right, st.SiblingLeft = sib, cur, true
		}
		oi := index >> (lvl + 1)
		st.Out = treeNode{
			Level: lvl + 1, Index: oi, Ephemeral: ephemeral(lvl+1, oi, size),
			Hash: h.HashChildren(st.Left.Hash, st.Right.Hash),
		}
		t.Steps = append(t.Steps, st)
		cur = st.Out
	}
	lvl := uint(inner)
	for j := inner; j < len(proof); j++ {
		for (index>>lvl)&1 == 0 {
			lvl++ // the node has no right part here: it passes up unchanged
		}
		// Relabel the path node at this level: same hash (RFC 6962 MTH of a
		// range with nothing to the right of its left part).
		cur.Level, cur.Index = lvl, index>>lvl
		cur.Ephemeral = ephemeral(lvl, cur.Index, size)
		sib := treeNode{Level: lvl, Index: cur.Index - 1, Hash: proof[j]}
		oi := index >> (lvl + 1)
		st := hashStep{
			Left: sib, Right: cur, SiblingLeft: true, ProofIndex: j,
			Out: treeNode{
				Level: lvl + 1, Index: oi, Ephemeral: ephemeral(lvl+1, oi, size),
				Hash: h.HashChildren(sib.Hash, cur.Hash),
			},
		}
		t.Steps = append(t.Steps, st)
		cur = st.Out
		lvl++
	}
	t.Computed = cur.Hash
	return t
}

// rootLevel is the level of the root of a tree of size leaves.
func rootLevel(size uint64) uint {
	if size <= 1 {
		return 0
	}
	return uint(bits.Len64(size - 1))
}

// consistencyNode is one hash of a consistency proof with its address.
type consistencyNode struct {
	Node treeNode
	// Rebuilt says the node is ephemeral: the log combined several nodes
	// into it.
	Rebuilt bool
}

// consistencyTrace is a consistency proof between two checkpoints, labelled
// with node addresses (from merkle's proof.Consistency) and checked with
// merkle's VerifyConsistency.
type consistencyTrace struct {
	Size1, Size2 uint64
	Root1, Root2 []byte
	Nodes        []consistencyNode
	Err          error
}

func traceConsistency(size1, size2 uint64, root1, root2 []byte, proof [][]byte) consistencyTrace {
	t := consistencyTrace{Size1: size1, Size2: size2, Root1: root1, Root2: root2}
	t.Err = mproof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, proof, root1, root2)
	ns, err := mproof.Consistency(size1, size2)
	if err != nil {
		if t.Err == nil {
			t.Err = err
		}
		return t
	}
	ids := ns.IDs
	eph, begin, end := ns.Ephem()
	var labels []consistencyNode
	for i := 0; i < len(ids); i++ {
		if end > begin && i == begin {
			labels = append(labels, consistencyNode{Node: treeNode{Level: eph.Level, Index: eph.Index, Ephemeral: true}, Rebuilt: end-begin > 1})
			i = end - 1
			continue
		}
		labels = append(labels, consistencyNode{Node: nodeOf(ids[i], size2)})
	}
	for i, p := range proof {
		n := consistencyNode{Node: treeNode{Level: 0, Index: 0}}
		if i < len(labels) {
			n = labels[i]
		}
		n.Node.Hash = p
		t.Nodes = append(t.Nodes, n)
	}
	return t
}

func nodeOf(id compact.NodeID, size uint64) treeNode {
	return treeNode{Level: id.Level, Index: id.Index, Ephemeral: ephemeral(id.Level, id.Index, size)}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
