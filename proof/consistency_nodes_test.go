package proof_test

import (
	"bytes"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/provscope/provscope/proof"
)

// TestConsistencyNodesNameTheProofHashes: for every pair of sizes up to 40,
// each label names the node whose RFC 6962 hash (over the leaves of the
// newer tree it covers) is the proof hash at that position; ephemeral
// labels are exactly the imperfect nodes, and Rebuilt ones cover more than
// one perfect subtree.
func TestConsistencyNodesNameTheProofHashes(t *testing.T) {
	const n = 40
	tree := testonly.New(rfc6962.DefaultHasher)
	for i := range n {
		tree.AppendData([]byte{byte(i), 'x'})
	}
	leaves := make([][]byte, n)
	for i := range leaves {
		leaves[i] = tree.LeafHash(uint64(i))
	}
	for size2 := uint64(1); size2 <= n; size2++ {
		for size1 := uint64(1); size1 <= size2; size1++ {
			p, err := tree.ConsistencyProof(size1, size2)
			if err != nil {
				t.Fatal(err)
			}
			labels, err := proof.ConsistencyNodes(size1, size2)
			if err != nil {
				t.Fatalf("ConsistencyNodes(%d, %d): %v", size1, size2, err)
			}
			if len(labels) != len(p) {
				t.Fatalf("ConsistencyNodes(%d, %d) = %d labels, proof has %d hashes", size1, size2, len(labels), len(p))
			}
			for i, l := range labels {
				begin := l.Addr.Index << l.Addr.Level
				end := min(begin+1<<l.Addr.Level, size2)
				if got := mth(leaves[begin:end]); !bytes.Equal(got, p[i]) {
					t.Fatalf("ConsistencyNodes(%d, %d)[%d] = %v: hash of leaves [%d, %d) is %x, proof hash %x", size1, size2, i, l.Addr, begin, end, got, p[i])
				}
				if l.Ephemeral != !l.Addr.Perfect(size2) {
					t.Errorf("ConsistencyNodes(%d, %d)[%d] = %v: ephemeral %v in size %d", size1, size2, i, l.Addr, l.Ephemeral, size2)
				}
				if rebuilt := l.Ephemeral && !isPow2(end-begin); l.Rebuilt != rebuilt {
					t.Errorf("ConsistencyNodes(%d, %d)[%d] = %v: rebuilt %v, want %v", size1, size2, i, l.Addr, l.Rebuilt, rebuilt)
				}
			}
		}
	}
	if _, err := proof.ConsistencyNodes(5, 4); err == nil {
		t.Error("ConsistencyNodes(5, 4) succeeded, want an error")
	}
}

func isPow2(x uint64) bool { return x&(x-1) == 0 }

// mth is RFC 6962's Merkle tree hash of a list of leaf hashes (§2.1).
func mth(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(mth(leaves[:k]), mth(leaves[k:]))
}
