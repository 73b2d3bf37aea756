package ui

import (
	"bytes"
	"crypto/sha256"
	"testing"

	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

func modelEntry(body string) model.LogEntry { return model.LogEntry{Body: []byte(body)} }

// TestTraceInclusionAgreesWithMerkle walks every leaf of every tree up to
// 70 leaves: the drawn walk must reach the root merkle computes, use every
// proof hash once, label nodes as proof.TraceInclusion does, and mark as
// ephemeral exactly the nodes whose subtree passes the tree's edge.
func TestTraceInclusionAgreesWithMerkle(t *testing.T) {
	tree := testonly.New(rfc6962.DefaultHasher)
	for size := uint64(1); size <= 70; size++ {
		tree.AppendData([]byte{byte(size), byte(size >> 8)})
		root := tree.Hash()
		for idx := uint64(0); idx < size; idx++ {
			p, err := tree.InclusionProof(idx, size)
			if err != nil {
				t.Fatal(err)
			}
			leaf := tree.LeafHash(idx)
			tr := traceInclusion(idx, size, leaf, p, root)
			if tr.Err != nil || !tr.Match() {
				t.Fatalf("traceInclusion(%d, %d): err %v, match %v", idx, size, tr.Err, tr.Match())
			}
			want, err := mproof.RootFromInclusionProof(rfc6962.DefaultHasher, idx, size, leaf, p)
			if err != nil || !bytes.Equal(tr.Computed, want) {
				t.Fatalf("traceInclusion(%d, %d) root %x, merkle %x (%v)", idx, size, tr.Computed, want, err)
			}
			used := map[int]bool{}
			for _, s := range tr.Steps {
				used[s.ProofIndex] = true
				for _, n := range []treeNode{s.Out, s.Left, s.Right} {
					if got, want := n.Ephemeral, ephemeral(n.Level, n.Index, size); got != want {
						t.Fatalf("(%d,%d) in size %d: ephemeral %v, want %v", n.Level, n.Index, size, got, want)
					}
				}
			}
			if len(used) != len(p) {
				t.Fatalf("traceInclusion(%d, %d) used %d of %d proof hashes", idx, size, len(used), len(p))
			}
			pt, err := proof.TraceInclusion(idx, size, leaf, p, root)
			if err != nil {
				t.Fatalf("proof.TraceInclusion(%d, %d): %v", idx, size, err)
			}
			if len(pt.Steps) < len(tr.Steps) {
				t.Fatalf("size %d leaf %d: proof/ has %d steps, the drawing %d", size, idx, len(pt.Steps), len(tr.Steps))
			}
			if !bytes.Equal(pt.Computed, tr.Computed) {
				t.Fatalf("size %d leaf %d: proof/ root %x, drawing %x", size, idx, pt.Computed, tr.Computed)
			}
		}
	}
}

func TestTraceInclusionRejectsBadProofs(t *testing.T) {
	tree := testonly.New(rfc6962.DefaultHasher)
	for i := range 13 {
		tree.AppendData([]byte{byte(i)})
	}
	p, _ := tree.InclusionProof(5, 13)
	leaf, root := tree.LeafHash(5), tree.Hash()
	flipped := append([][]byte(nil), p...)
	h := sha256.Sum256([]byte("other"))
	flipped[1] = h[:]
	for _, tc := range []struct {
		name  string
		tr    inclusionTrace
		match bool
		err   bool
	}{
		{"good", traceInclusion(5, 13, leaf, p, root), true, false},
		{"sibling flipped", traceInclusion(5, 13, leaf, flipped, root), false, false},
		{"truncated", traceInclusion(5, 13, leaf, p[:2], root), false, true},
		{"index beyond size", traceInclusion(13, 13, leaf, p, root), false, true},
		{"wrong root", traceInclusion(5, 13, leaf, p, leaf), false, false},
		{"never walked: proof gave no verdict", inclusionTrace{}, false, false},
	} {
		if got := tc.tr.Match(); got != tc.match {
			t.Errorf("%s: Match() = %v, want %v", tc.name, got, tc.match)
		}
		if got := tc.tr.Err != nil; got != tc.err {
			t.Errorf("%s: Err = %v, want error %v", tc.name, tc.tr.Err, tc.err)
		}
	}
}

func TestTraceConsistency(t *testing.T) {
	tree := testonly.New(rfc6962.DefaultHasher)
	for i := range 40 {
		tree.AppendData([]byte{byte(i)})
	}
	for _, sz := range [][2]uint64{{1, 40}, {7, 13}, {8, 40}, {13, 40}, {40, 40}} {
		p, err := tree.ConsistencyProof(sz[0], sz[1])
		if err != nil {
			t.Fatal(err)
		}
		tr := traceConsistency(sz[0], sz[1], tree.HashAt(sz[0]), tree.HashAt(sz[1]), p)
		if tr.Err != nil {
			t.Errorf("traceConsistency(%d, %d): %v", sz[0], sz[1], tr.Err)
		}
		if len(tr.Nodes) != len(p) {
			t.Errorf("traceConsistency(%d, %d) labels %d nodes, proof has %d", sz[0], sz[1], len(tr.Nodes), len(p))
		}
		if len(p) > 0 {
			bad := traceConsistency(sz[0], sz[1], tree.HashAt(sz[0]), tree.HashAt(sz[0]), p)
			if bad.Err == nil && sz[0] != sz[1] {
				t.Errorf("traceConsistency(%d, %d) with a wrong new root verified", sz[0], sz[1])
			}
		}
	}
}

func TestDecodeEntryNeverFails(t *testing.T) {
	for _, body := range []string{
		"", "{", `{"kind":"x"}`, `{"kind":"hashedrekord","spec":1}`,
		`{"kind":"hashedrekord","spec":{"signature":{"publicKey":{"content":"!!"}}}}`,
		`{"kind":"dsse","spec":{"signatures":[{"verifier":"bm90IHBlbQ=="}]}}`,
	} {
		in := decodeEntry(modelEntry(body))
		if in.Err == "" {
			t.Errorf("decodeEntry(%q): no error", body)
		}
	}
}
