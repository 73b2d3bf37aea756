package proof

import (
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// ConsistencyNode names one hash of a consistency proof: the node of the
// newer tree (of size2 leaves) it is the hash of.
type ConsistencyNode struct {
	Addr NodeAddr
	// Ephemeral: the node is not a perfect subtree of the newer tree (its
	// hash stands for the leaves that exist).
	Ephemeral bool
	// Rebuilt: the log combined several stored nodes into this ephemeral
	// one.
	Rebuilt bool
}

// ConsistencyNodes labels, in proof order, the hashes of the consistency
// proof between trees of size1 and size2 leaves, as transparency-dev/merkle
// lays the proof out (proof.Consistency). It labels; it verifies nothing
// (VerifyConsistency, TraceConsistency). Requires size1 <= size2.
func ConsistencyNodes(size1, size2 uint64) ([]ConsistencyNode, error) {
	ns, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	ids := ns.IDs
	eph, begin, end := ns.Ephem()
	var out []ConsistencyNode
	for i := 0; i < len(ids); i++ {
		if end > begin && i == begin {
			out = append(out, ConsistencyNode{Addr: NodeAddr{Level: eph.Level, Index: eph.Index}, Ephemeral: true, Rebuilt: end-begin > 1})
			i = end - 1
			continue
		}
		out = append(out, nodeLabel(ids[i], size2))
	}
	return out, nil
}

func nodeLabel(id compact.NodeID, size uint64) ConsistencyNode {
	a := NodeAddr{Level: id.Level, Index: id.Index}
	return ConsistencyNode{Addr: a, Ephemeral: !a.Perfect(size)}
}
