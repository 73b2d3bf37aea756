package proof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// fuzzHashes splits data into up to 70 "hashes": mostly 32-byte chunks, so
// that valid-looking proofs are reachable, with a short last chunk.
func fuzzHashes(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 && len(out) < 70 {
		n := min(hashSize, len(data))
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// FuzzTraceInclusionDifferential checks that the trace and
// transparency-dev/merkle always agree: the trace's Computed equals Expected
// exactly when the library accepts, and the error is typed.
func FuzzTraceInclusionDifferential(f *testing.F) {
	ref := newRefTree(21)
	for _, c := range []struct{ idx, size int }{{0, 1}, {3, 7}, {20, 21}, {8, 16}} {
		var blob []byte
		for _, h := range ref.path(c.idx, 0, c.size) {
			blob = append(blob, h...)
		}
		f.Add(uint64(c.idx), uint64(c.size), ref.leaves[c.idx], blob, ref.mth(0, c.size), false)
	}
	f.Add(uint64(5), uint64(3), make([]byte, 32), []byte{}, make([]byte, 32), true)
	f.Fuzz(func(t *testing.T, index, size uint64, leaf, blob, root []byte, fixRoot bool) {
		if len(blob) > 70*hashSize || len(leaf) > 64 || len(root) > 64 {
			return
		}
		hashes := fuzzHashes(blob)
		if fixRoot && index < size && len(leaf) == hashSize {
			// Make acceptance reachable: take the root the library computes.
			if r, err := proof.RootFromInclusionProof(rfc6962.DefaultHasher, index, size, leaf, hashes); err == nil {
				root = r
			}
		}
		libErr := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leaf, hashes, root)
		tr, err := TraceInclusion(index, size, leaf, hashes, root)
		if (libErr == nil) != (err == nil) {
			t.Fatalf("TraceInclusion verdict %v, library %v", err, libErr)
		}
		if tr != nil {
			if tr.Matches() != (libErr == nil) {
				t.Fatalf("trace matches=%v, library %v", tr.Matches(), libErr)
			}
			if len(tr.Steps) > 0 && tr.Steps[len(tr.Steps)-1].Node != RootAddr(size) {
				t.Fatalf("last step node %v, want root %v", tr.Steps[len(tr.Steps)-1].Node, RootAddr(size))
			}
		}
		if tr == nil && libErr == nil {
			t.Fatal("no trace for an accepted proof")
		}
	})
}

// FuzzTraceConsistencyDifferential is the consistency counterpart.
func FuzzTraceConsistencyDifferential(f *testing.F) {
	ref := newRefTree(21)
	for _, c := range []struct{ s1, s2 int }{{1, 8}, {3, 7}, {4, 21}, {6, 6}, {13, 20}} {
		var blob []byte
		for _, h := range ref.subproof(c.s1, 0, c.s2, true) {
			blob = append(blob, h...)
		}
		f.Add(uint64(c.s1), uint64(c.s2), blob, ref.mth(0, c.s1), ref.mth(0, c.s2), false)
	}
	f.Fuzz(func(t *testing.T, size1, size2 uint64, blob, root1, root2 []byte, fixRoots bool) {
		if len(blob) > 70*hashSize || len(root1) > 64 || len(root2) > 64 {
			return
		}
		hashes := fuzzHashes(blob)
		if fixRoots {
			// Make acceptance reachable: a trace that reports its computed
			// roots lets us feed them back.
			if tr, _ := TraceConsistency(size1, size2, hashes, root1, root2); tr != nil && len(tr.Steps1)+len(tr.Steps2) > 0 {
				root1, root2 = tr.Computed1, tr.Computed2
			}
		}
		libErr := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, hashes, root1, root2)
		tr, err := TraceConsistency(size1, size2, hashes, root1, root2)
		if size1 == 0 {
			// Policy: proofs from the empty tree are rejected (VerifyConsistency doc).
			var re *RangeError
			if !errors.As(err, &re) || tr != nil {
				t.Fatalf("TraceConsistency(0, %d) = %v, want *RangeError and no trace", size2, err)
			}
			return
		}
		if (libErr == nil) != (err == nil) {
			t.Fatalf("TraceConsistency verdict %v, library %v", err, libErr)
		}
		if tr != nil && tr.Matches() != (libErr == nil) {
			t.Fatalf("trace matches=%v, library %v", tr.Matches(), libErr)
		}
	})
}

// FuzzLeafHash checks LeafHash against the RFC 6962 definition.
func FuzzLeafHash(f *testing.F) {
	f.Add([]byte("L123456"))
	f.Fuzz(func(t *testing.T, data []byte) {
		want := rfc6962.DefaultHasher.HashLeaf(data)
		if got := LeafHash(data); !bytes.Equal(got, want) {
			t.Fatalf("LeafHash = %x, want %x", got, want)
		}
	})
}
