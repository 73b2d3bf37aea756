package memlog

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/proof"
)

const maxSize = 1000

func entry(i uint64) []byte { return []byte(fmt.Sprintf("entry %d", i)) }

// build returns a memlog and transparency-dev/merkle's reference tree with
// the same n entries.
func build(t testing.TB, n uint64) (*Log, *testonly.Tree) {
	t.Helper()
	l := New(n)
	ref := testonly.New(rfc6962.DefaultHasher)
	for i := range n {
		if _, err := l.Append(entry(i)); err != nil {
			t.Fatalf("Append(%d) = %v", i, err)
		}
		ref.AppendData(entry(i))
	}
	return l, ref
}

// naive is the RFC 6962 §2.1 reference: MTH, PATH and SUBPROOF straight
// from the definitions, independent of transparency-dev/merkle's node
// arithmetic. MTH of a range is memoised (the definitions recompute the same
// subtrees again and again).
type naive struct {
	d    [][]byte
	memo map[[2]uint64][]byte
}

func newNaive(d [][]byte) *naive { return &naive{d: d, memo: map[[2]uint64][]byte{}} }

func (r *naive) mth(b, e uint64) []byte {
	if h, ok := r.memo[[2]uint64{b, e}]; ok {
		return h
	}
	var h []byte
	switch e - b {
	case 0:
		s := sha256.Sum256(nil)
		h = s[:]
	case 1:
		h = rfc6962.DefaultHasher.HashLeaf(r.d[b])
	default:
		k := largestPow2Below(e - b)
		h = rfc6962.DefaultHasher.HashChildren(r.mth(b, b+k), r.mth(b+k, e))
	}
	r.memo[[2]uint64{b, e}] = h
	return h
}

func largestPow2Below(n uint64) uint64 {
	k := uint64(1)
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// path is PATH(m, D[b:e]).
func (r *naive) path(m, b, e uint64) [][]byte {
	n := e - b
	if n <= 1 {
		return nil
	}
	k := largestPow2Below(n)
	if m < k {
		return append(r.path(m, b, b+k), r.mth(b+k, e))
	}
	return append(r.path(m-k, b+k, e), r.mth(b, b+k))
}

// subproof is SUBPROOF(m, D[b:e], flag).
func (r *naive) subproof(m, b, e uint64, flag bool) [][]byte {
	n := e - b
	if m == n {
		if flag {
			return nil
		}
		return [][]byte{r.mth(b, e)}
	}
	k := largestPow2Below(n)
	if m <= k {
		return append(r.subproof(m, b, b+k, flag), r.mth(b+k, e))
	}
	return append(r.subproof(m-k, b+k, e, false), r.mth(b, b+k))
}

func equalProofs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestInclusionAgainstMerkle covers every leaf of every size 1..1000 (with
// -short: sizes up to 200, then first and last leaves) against
// transparency-dev/merkle's reference tree, and the first, middle and last
// leaf of every size against the naive RFC 6962 definition, verified
// (with a trace) by the proof package.
func TestInclusionAgainstMerkle(t *testing.T) {
	l, ref := build(t, maxSize)
	data := make([][]byte, maxSize)
	for i := range uint64(maxSize) {
		data[i] = entry(i)
	}
	ref2 := newNaive(data)
	for size := uint64(1); size <= maxSize; size++ {
		root, err := l.Root(size)
		if err != nil {
			t.Fatalf("Root(%d) = %v", size, err)
		}
		if want := ref.HashAt(size); !bytes.Equal(root, want) {
			t.Fatalf("Root(%d) = %x, want %x", size, root, want)
		}
		all := size <= 200 || !testing.Short()
		for i := range size {
			if !all && i != 0 && i != size-1 {
				continue
			}
			got, err := l.Inclusion(i, size)
			if err != nil {
				t.Fatalf("Inclusion(%d, %d) = %v", i, size, err)
			}
			want, err := ref.InclusionProof(i, size)
			if err != nil {
				t.Fatalf("reference InclusionProof(%d, %d) = %v", i, size, err)
			}
			if !equalProofs(Hashes(got), want) {
				t.Fatalf("Inclusion(%d, %d) differs from transparency-dev/merkle", i, size)
			}
		}
		for _, i := range []uint64{0, size / 2, size - 1} {
			got, _ := l.Inclusion(i, size)
			if want := ref2.path(i, 0, size); !equalProofs(Hashes(got), want) {
				t.Fatalf("Inclusion(%d, %d) differs from RFC 6962 PATH", i, size)
			}
			tr, err := proof.TraceInclusion(i, size, proof.LeafHash(data[i]), Hashes(got), root)
			if err != nil || !tr.Matches() {
				t.Fatalf("TraceInclusion(%d, %d) = %v, want a matching trace", i, size, err)
			}
		}
	}
}

// TestConsistencyAgainstMerkle covers every pair 1 <= size1 <= size2 <=
// 1000 against transparency-dev/merkle's reference tree; for every size2,
// size1 in {1, size2/2, size2-1, size2} plus 4 pseudo-random sizes is also
// checked against RFC 6962 SUBPROOF and verified with a trace.
func TestConsistencyAgainstMerkle(t *testing.T) {
	l, ref := build(t, maxSize)
	data := make([][]byte, maxSize)
	for i := range uint64(maxSize) {
		data[i] = entry(i)
	}
	ref2 := newNaive(data)
	for size2 := uint64(1); size2 <= maxSize; size2++ {
		root2, _ := l.Root(size2)
		for size1 := uint64(1); size1 <= size2; size1++ {
			got, err := l.Consistency(size1, size2)
			if err != nil {
				t.Fatalf("Consistency(%d, %d) = %v", size1, size2, err)
			}
			want, err := ref.ConsistencyProof(size1, size2)
			if err != nil {
				t.Fatalf("reference ConsistencyProof(%d, %d) = %v", size1, size2, err)
			}
			if !equalProofs(Hashes(got), want) {
				t.Fatalf("Consistency(%d, %d) differs from transparency-dev/merkle", size1, size2)
			}
		}
		sample := []uint64{1, max(size2/2, 1), max(size2-1, 1), size2}
		for j := range uint64(4) {
			sample = append(sample, 1+(size2*7919+j*104729)%size2)
		}
		for _, size1 := range sample {
			got, _ := l.Consistency(size1, size2)
			var want [][]byte
			if size1 < size2 {
				want = ref2.subproof(size1, 0, size2, true)
			}
			if !equalProofs(Hashes(got), want) {
				t.Fatalf("Consistency(%d, %d) differs from RFC 6962 SUBPROOF", size1, size2)
			}
			root1, _ := l.Root(size1)
			tr, err := proof.TraceConsistency(size1, size2, Hashes(got), root1, root2)
			if err != nil || !tr.Matches() {
				t.Fatalf("TraceConsistency(%d, %d) = %v, want a matching trace", size1, size2, err)
			}
		}
	}
}

// TestEphemeralNaming checks that every proof node named by the log is the
// RFC 6962 subtree the proof package's trace hashes it with: the sibling of
// the node carried up, under the step's node.
func TestEphemeralNaming(t *testing.T) {
	l, _ := build(t, 130)
	for size := uint64(1); size <= 130; size++ {
		root, _ := l.Root(size)
		for i := range size {
			nodes, _ := l.Inclusion(i, size)
			tr, err := proof.TraceInclusion(i, size, l.LeafHash(i), Hashes(nodes), root)
			if err != nil {
				t.Fatalf("TraceInclusion(%d, %d) = %v", i, size, err)
			}
			for _, s := range tr.Steps {
				n := nodes[s.ProofIndex]
				b, e, ok := Covers(NodeID{Level: s.Node.Level, Index: s.Node.Index}, size)
				if !ok {
					t.Fatalf("step node %v not in tree of size %d", s.Node, size)
				}
				k := b + largestPow2Below(e-b)
				want := Subtree(k, e)
				if s.SiblingOnLeft {
					want = Subtree(b, k)
				}
				if n.ID != want {
					t.Fatalf("leaf %d size %d: proof[%d] named %v, want %v (child of %v)", i, size, s.ProofIndex, n.ID, want, s.Node)
				}
				if h, _ := l.Hash(n.ID, size); !bytes.Equal(h, n.Hash) {
					t.Fatalf("leaf %d size %d: Hash(%v) differs from the proof hash", i, size, n.ID)
				}
			}
		}
	}
}

func TestReplaceChangesOnlyThePath(t *testing.T) {
	l, _ := build(t, 13)
	c := l.Clone()
	if err := c.Replace(5, []byte("changed")); err != nil {
		t.Fatalf("Replace = %v", err)
	}
	fresh := New(13)
	for i := range uint64(13) {
		e := entry(i)
		if i == 5 {
			e = []byte("changed")
		}
		if _, err := fresh.Append(e); err != nil {
			t.Fatalf("fresh Append(%d) = %v", i, err)
		}
	}
	for size := uint64(1); size <= 13; size++ {
		a, _ := c.Root(size)
		b, _ := fresh.Root(size)
		if !bytes.Equal(a, b) {
			t.Fatalf("Root(%d) after Replace differs from a log built with the change", size)
		}
		orig, _ := l.Root(size)
		if changed := !bytes.Equal(a, orig); changed != (size > 5) {
			t.Errorf("Root(%d) changed = %v, want %v", size, changed, size > 5)
		}
	}
	if _, err := c.Append([]byte("x")); err == nil {
		t.Errorf("Append beyond max = nil error, want ErrFull")
	}
	if err := c.Replace(13, nil); err == nil {
		t.Errorf("Replace(13) on size 13 = nil error, want out of range")
	}
}

func TestErrors(t *testing.T) {
	l, _ := build(t, 4)
	if _, err := l.Inclusion(4, 4); err == nil {
		t.Errorf("Inclusion(4, 4) = nil error, want out of range")
	}
	if _, err := l.Inclusion(0, 5); err == nil {
		t.Errorf("Inclusion(0, 5) on size 4 = nil error")
	}
	if _, err := l.Consistency(3, 2); err == nil {
		t.Errorf("Consistency(3, 2) = nil error")
	}
	if _, err := l.Root(5); err == nil {
		t.Errorf("Root(5) on size 4 = nil error")
	}
	if _, err := l.Hash(NodeID{Level: 0, Index: 4}, 4); err == nil {
		t.Errorf("Hash((0,4), 4) = nil error")
	}
	empty := New(0)
	if r, err := empty.Root(0); err != nil || len(r) != 32 {
		t.Errorf("empty Root(0) = %x, %v", r, err)
	}
}

func TestCheckpointSignsAndVerifies(t *testing.T) {
	l, _ := build(t, 7)
	logKey, err := NewKey("log.example", 1)
	if err != nil {
		t.Fatal(err)
	}
	wit, err := NewKey("witness.example", 2)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := NewKey("log.example", 1)
	if again.VerifierKey != logKey.VerifierKey {
		t.Errorf("NewKey is not deterministic: %q vs %q", again.VerifierKey, logKey.VerifierKey)
	}
	cp, err := l.Checkpoint("log.example", 7, logKey, wit)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp, note.VerifierList(logKey.Verifier, wit.Verifier))
	if err != nil {
		t.Fatalf("note.Open = %v", err)
	}
	root, _ := l.Root(7)
	if want := CheckpointBody("log.example", 7, root); n.Text != want || len(n.Sigs) != 2 {
		t.Errorf("checkpoint = %q with %d sigs, want %q with 2", n.Text, len(n.Sigs), want)
	}
	cw, err := NewWitnessKey("witness.example", 3)
	if err != nil || !cw.Witness {
		t.Fatalf("NewWitnessKey = %+v, %v", cw, err)
	}
	cp2, err := l.Checkpoint("log.example", 7, logKey, cw)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := note.Open(cp2, note.VerifierList(logKey.Verifier, cw.Verifier)); err != nil || len(n.Sigs) != 2 {
		t.Errorf("note.Open(cosigned) = %v, want 2 verified signatures", err)
	}
	bad := bytes.Replace(cp, []byte("\n7\n"), []byte("\n8\n"), 1)
	if _, err := note.Open(bad, note.VerifierList(logKey.Verifier)); err == nil {
		t.Errorf("note.Open(altered size) = nil error, want a signature failure")
	}
}

func BenchmarkAppend(b *testing.B) {
	for b.Loop() {
		l := New(4096)
		for i := range uint64(4096) {
			if _, err := l.Append(entry(i)); err != nil {
				b.Fatalf("Append(%d) = %v", i, err)
			}
		}
	}
}

func BenchmarkInclusion4096(b *testing.B) {
	l, _ := build(b, 4096)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := l.Inclusion(uint64(i)%4096, 4096); err != nil {
			b.Fatalf("Inclusion(%d, 4096) = %v", uint64(i)%4096, err)
		}
	}
}
