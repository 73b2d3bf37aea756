package proof

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
)

// refTree is a naive RFC 6962 §2.1 Merkle tree, the reference the traces
// are checked against.
type refTree struct{ leaves [][]byte }

func newRefTree(n int) *refTree {
	t := &refTree{}
	for i := 0; i < n; i++ {
		t.leaves = append(t.leaves, LeafHash([]byte(fmt.Sprintf("leaf %d", i))))
	}
	return t
}

func largestPow2Below(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// mth is MTH(D[lo:hi]) over leaf hashes.
func (t *refTree) mth(lo, hi int) []byte {
	switch n := hi - lo; n {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		return t.leaves[lo]
	default:
		k := largestPow2Below(n)
		return NodeHash(t.mth(lo, lo+k), t.mth(lo+k, hi))
	}
}

// path is RFC 6962 PATH(m, D[lo:hi]).
func (t *refTree) path(m, lo, hi int) [][]byte {
	n := hi - lo
	if n <= 1 {
		return nil
	}
	k := largestPow2Below(n)
	if m < k {
		return append(t.path(m, lo, lo+k), t.mth(lo+k, hi))
	}
	return append(t.path(m-k, lo+k, hi), t.mth(lo, lo+k))
}

// subproof is RFC 6962 SUBPROOF(m, D[lo:hi], b).
func (t *refTree) subproof(m, lo, hi int, b bool) [][]byte {
	n := hi - lo
	if m == n {
		if b {
			return nil
		}
		return [][]byte{t.mth(lo, hi)}
	}
	k := largestPow2Below(n)
	if m <= k {
		return append(t.subproof(m, lo, lo+k, b), t.mth(lo+k, hi))
	}
	return append(t.subproof(m-k, lo+k, hi, false), t.mth(lo, lo+k))
}

// nodeHash is the hash of node a in a tree of size leaves (ephemeral nodes
// hash the leaves that exist).
func (t *refTree) nodeHash(a NodeAddr, size int) []byte {
	lo := int(a.Index << a.Level)
	hi := min(int((a.Index+1)<<a.Level), size)
	return t.mth(lo, hi)
}

func checkSteps(t *testing.T, ref *refTree, steps []HashStep, size int, proofHashes [][]byte) {
	t.Helper()
	for i, s := range steps {
		if want := ref.nodeHash(s.Node, size); !bytes.Equal(s.Out, want) {
			t.Fatalf("step %d: node %v out %x, reference hash of that node %x", i, s.Node, s.Out, want)
		}
		if want := !s.Node.Perfect(uint64(size)); s.Ephemeral != want {
			t.Fatalf("step %d: node %v ephemeral=%v, want %v", i, s.Node, s.Ephemeral, want)
		}
		if !bytes.Equal(NodeHash(s.Left, s.Right), s.Out) {
			t.Fatalf("step %d: out is not H(left, right)", i)
		}
		if s.ProofIndex >= 0 {
			in := s.Right
			if s.SiblingOnLeft {
				in = s.Left
			}
			if !bytes.Equal(in, proofHashes[s.ProofIndex]) {
				t.Fatalf("step %d: proof hash %d is not the %s input", i, s.ProofIndex, map[bool]string{true: "left", false: "right"}[s.SiblingOnLeft])
			}
		}
	}
}

func TestTraceInclusionAgainstReference(t *testing.T) {
	const maxSize = 70
	ref := newRefTree(maxSize)
	for size := 1; size <= maxSize; size++ {
		root := ref.mth(0, size)
		for idx := 0; idx < size; idx++ {
			p := ref.path(idx, 0, size)
			tr, err := TraceInclusion(uint64(idx), uint64(size), ref.leaves[idx], p, root)
			if err != nil {
				t.Fatalf("TraceInclusion(%d, %d) = %v, want nil", idx, size, err)
			}
			if len(tr.Steps) != len(p) {
				t.Fatalf("TraceInclusion(%d, %d): %d steps, want %d", idx, size, len(tr.Steps), len(p))
			}
			checkSteps(t, ref, tr.Steps, size, p)
			if size > 1 {
				if got, want := tr.Steps[len(tr.Steps)-1].Node, RootAddr(uint64(size)); got != want {
					t.Fatalf("TraceInclusion(%d, %d): last node %v, want root %v", idx, size, got, want)
				}
			}
			// Every single-bit flip of a proof hash must fail with a root mismatch.
			for j := range p {
				bad := cloneHashes(p)
				bad[j][j%hashSize] ^= 1 << (idx % 8)
				tr, err := TraceInclusion(uint64(idx), uint64(size), ref.leaves[idx], bad, root)
				var rm *RootMismatchError
				if !errors.As(err, &rm) || tr == nil || tr.Matches() {
					t.Fatalf("TraceInclusion(%d, %d) with hash %d flipped = %v, want *RootMismatchError", idx, size, j, err)
				}
			}
		}
	}
}

func TestTraceConsistencyAgainstReference(t *testing.T) {
	const maxSize = 40
	ref := newRefTree(maxSize)
	for size2 := 1; size2 <= maxSize; size2++ {
		root2 := ref.mth(0, size2)
		for size1 := 1; size1 <= size2; size1++ {
			root1 := ref.mth(0, size1)
			p := ref.subproof(size1, 0, size2, true)
			tr, err := TraceConsistency(uint64(size1), uint64(size2), p, root1, root2)
			if err != nil {
				t.Fatalf("TraceConsistency(%d, %d) = %v, want nil", size1, size2, err)
			}
			checkSteps(t, ref, tr.Steps1, size1, p)
			checkSteps(t, ref, tr.Steps2, size2, p)
			for _, a := range tr.Reused {
				if !a.Perfect(uint64(size1)) {
					t.Fatalf("TraceConsistency(%d, %d): reused node %v is not a perfect old subtree", size1, size2, a)
				}
			}
			if size1 == size2 {
				continue
			}
			if got, want := tr.Steps2[len(tr.Steps2)-1].Node, RootAddr(uint64(size2)); got != want {
				t.Fatalf("TraceConsistency(%d, %d): last node %v, want %v", size1, size2, got, want)
			}
			for j := range p {
				bad := cloneHashes(p)
				bad[j][0] ^= 0x80
				tr, err := TraceConsistency(uint64(size1), uint64(size2), bad, root1, root2)
				var rm *RootMismatchError
				if !errors.As(err, &rm) || tr == nil || tr.Matches() {
					t.Fatalf("TraceConsistency(%d, %d) with hash %d flipped = %v, want *RootMismatchError", size1, size2, j, err)
				}
			}
			// Swapped roots must fail.
			if _, err := TraceConsistency(uint64(size1), uint64(size2), p, root2, root1); err == nil {
				t.Fatalf("TraceConsistency(%d, %d) with swapped roots = nil, want error", size1, size2)
			}
			// Truncated proof: typed size error.
			_, err = TraceConsistency(uint64(size1), uint64(size2), p[:len(p)-1], root1, root2)
			var pe *ProofSizeError
			if !errors.As(err, &pe) || pe.Got != len(p)-1 || pe.Want != len(p) {
				t.Fatalf("TraceConsistency(%d, %d) truncated = %v, want *ProofSizeError{%d, %d}", size1, size2, err, len(p)-1, len(p))
			}
		}
	}
}

func TestInclusionErrors(t *testing.T) {
	ref := newRefTree(8)
	root := ref.mth(0, 7)
	p := ref.path(3, 0, 7)
	tests := []struct {
		name    string
		index   uint64
		size    uint64
		leaf    []byte
		proof   [][]byte
		wantErr any
	}{
		{"index beyond size", 7, 7, ref.leaves[3], p, new(*RangeError)},
		{"short proof", 3, 7, ref.leaves[3], p[:2], new(*ProofSizeError)},
		{"long proof", 3, 7, ref.leaves[3], append(cloneHashes(p), p[0]), new(*ProofSizeError)},
		{"wrong leaf", 3, 7, ref.leaves[4], p, new(*RootMismatchError)},
		{"wrong index", 2, 7, ref.leaves[3], p, new(*RootMismatchError)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TraceInclusion(tc.index, tc.size, tc.leaf, tc.proof, root)
			if err == nil || !errors.As(err, tc.wantErr) {
				t.Fatalf("TraceInclusion = %v, want %T", err, tc.wantErr)
			}
		})
	}
	if _, err := TraceInclusion(0, 1, []byte("short"), nil, root); err == nil {
		t.Fatal("TraceInclusion with a 5-byte leaf hash = nil, want error")
	}
	var pe *ProofSizeError
	if _, err := TraceInclusion(3, 7, ref.leaves[3], p[:2], root); errors.As(err, &pe) && pe.Error() != "wrong proof size 2, want 3" {
		t.Fatalf("ProofSizeError text = %q", pe.Error())
	}
}

func cloneHashes(p [][]byte) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = bytes.Clone(p[i])
	}
	return out
}
