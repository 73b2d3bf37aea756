package ui

import (
	"encoding/hex"
	"errors"

	"github.com/provscope/provscope/proof"
)

// This file adapts proof's Merkle traces (proof.TraceInclusion,
// proof.VerifyConsistency, proof.ConsistencyNodes) to what the proof pane
// draws. The walk and every judgement are proof's; nothing here hashes.

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
	s := proof.NodeAddr{Level: n.Level, Index: n.Index}.String()
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

// inclusionTrace is proof.TraceInclusion's walk, labelled for drawing.
type inclusionTrace struct {
	Index, Size uint64
	Leaf        treeNode
	Steps       []hashStep
	// Computed is the root the walk arrives at; Expected is the checkpoint's.
	Computed, Expected []byte
	// Err says why the proof could not be walked (a mismatching root is
	// not an error here: Match is false).
	Err error
	// verdict is proof.TraceInclusion's verdict on the walk: nil when the
	// computed root is the expected one.
	verdict error
	// walked says proof returned a trace to judge.
	walked bool
}

// Match is proof's verdict: the walk could be drawn and proof found that
// it arrives at the expected root. The pane compares nothing itself.
func (t inclusionTrace) Match() bool {
	return t.Err == nil && t.walked && t.verdict == nil
}

// ephemeral says node (level, index) is not a perfect subtree of a tree of
// size leaves.
func ephemeral(level uint, index, size uint64) bool {
	return !proof.NodeAddr{Level: level, Index: index}.Perfect(size)
}

func nodeAt(level uint, index, size uint64, hash []byte) treeNode {
	return treeNode{Level: level, Index: index, Ephemeral: ephemeral(level, index, size), Hash: hash}
}

// traceInclusion walks an inclusion proof with proof.TraceInclusion for the
// leaf with hash leaf at index in a tree of size.
func traceInclusion(index, size uint64, leaf []byte, hashes [][]byte, root []byte) inclusionTrace {
	t := inclusionTrace{Index: index, Size: size, Expected: root, Leaf: treeNode{Level: 0, Index: index, Hash: leaf}}
	pt, err := proof.TraceInclusion(index, size, leaf, hashes, root)
	if pt == nil {
		if err == nil {
			err = errors.New("no inclusion trace")
		}
		t.Err = err
		return t
	}
	if err != nil && pt.Matches() {
		t.Err = err // proof's walk and the merkle library disagree
	}
	t.walked, t.verdict = true, err
	for _, s := range pt.Steps {
		if s.Node.Level == 0 {
			t.Err = errors.New("inclusion trace step at level 0")
			return t
		}
		lvl, idx := s.Node.Level-1, s.Node.Index*2
		t.Steps = append(t.Steps, hashStep{
			Out:         treeNode{Level: s.Node.Level, Index: s.Node.Index, Ephemeral: s.Ephemeral, Hash: s.Out},
			Left:        nodeAt(lvl, idx, size, s.Left),
			Right:       nodeAt(lvl, idx+1, size, s.Right),
			SiblingLeft: s.SiblingOnLeft,
			ProofIndex:  s.ProofIndex,
		})
	}
	t.Computed = pt.Computed
	return t
}

// rootLevel is the level of the root of a tree of size leaves.
func rootLevel(size uint64) uint { return proof.RootAddr(size).Level }

// consistencyNode is one hash of a consistency proof with its address.
type consistencyNode struct {
	Node treeNode
	// Rebuilt says the node is ephemeral: the log combined several nodes
	// into it.
	Rebuilt bool
}

// consistencyTrace is a consistency proof between two checkpoints, checked
// by proof.VerifyConsistency and labelled by proof.ConsistencyNodes.
type consistencyTrace struct {
	Size1, Size2 uint64
	Root1, Root2 []byte
	Nodes        []consistencyNode
	Err          error
}

func traceConsistency(size1, size2 uint64, root1, root2 []byte, hashes [][]byte) consistencyTrace {
	t := consistencyTrace{Size1: size1, Size2: size2, Root1: root1, Root2: root2}
	t.Err = proof.VerifyConsistency(size1, size2, hashes, root1, root2)
	labels, err := proof.ConsistencyNodes(size1, size2)
	if err != nil {
		if t.Err == nil {
			t.Err = err
		}
		return t
	}
	for i, h := range hashes {
		n := consistencyNode{Node: treeNode{Level: 0, Index: 0}}
		if i < len(labels) {
			l := labels[i]
			n = consistencyNode{Node: treeNode{Level: l.Addr.Level, Index: l.Addr.Index, Ephemeral: l.Ephemeral}, Rebuilt: l.Rebuilt}
		}
		n.Node.Hash = h
		t.Nodes = append(t.Nodes, n)
	}
	return t
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
