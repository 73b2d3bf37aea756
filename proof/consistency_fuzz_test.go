package proof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/provscope/provscope/model"
)

// FuzzJudgeConsistency checks the judge against a naive reference: a
// smaller new tree is a rollback, an equal size with another root a fork,
// another origin an origin change; otherwise it accepts exactly what the
// merkle library accepts (any tree extends the empty one).
func FuzzJudgeConsistency(f *testing.F) {
	ref := newRefTree(21)
	for _, c := range []struct{ s1, s2 int }{{1, 8}, {3, 7}, {4, 21}, {6, 6}, {13, 20}, {9, 2}} {
		var blob []byte
		if c.s1 <= c.s2 {
			for _, h := range ref.subproof(c.s1, 0, c.s2, true) {
				blob = append(blob, h...)
			}
		}
		f.Add(uint64(c.s1), uint64(c.s2), blob, ref.mth(0, c.s1), ref.mth(0, c.s2), false)
	}
	f.Fuzz(func(t *testing.T, size1, size2 uint64, blob, root1, root2 []byte, otherOrigin bool) {
		if len(blob) > 70*hashSize || len(root1) > 64 || len(root2) > 64 {
			return
		}
		hashes := fuzzHashes(blob)
		origin2 := "o - 1"
		if otherOrigin {
			origin2 = "p - 1"
		}
		old := model.Checkpoint{Origin: "o - 1", Size: size1, RootHash: root1}
		cur := model.Checkpoint{Origin: origin2, Size: size2, RootHash: root2}
		_, err := JudgeConsistency(ConsistencyEvidence{Old: old, New: &cur, Proof: hashes})
		var want InconsistencyKind = -1
		switch {
		case otherOrigin:
			want = OriginChanged
		case size2 < size1:
			want = Rollback
		case size1 == size2 && !bytes.Equal(root1, root2):
			want = Fork
		case size1 == size2 || size1 == 0:
		case proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, hashes, root1, root2) != nil:
			want = Inconsistent
		}
		var ie *InconsistentError
		switch {
		case want < 0 && err != nil:
			t.Fatalf("JudgeConsistency(%d → %d) = %v, want nil", size1, size2, err)
		case want >= 0 && (!errors.As(err, &ie) || ie.Kind != want):
			t.Fatalf("JudgeConsistency(%d → %d) = %v, want a %v *InconsistentError", size1, size2, err, want)
		}
		if want == Inconsistent && !ConsistencyProofNeeded(old, cur) {
			t.Fatalf("an inconsistent proof between %d and %d, which need none", size1, size2)
		}
	})
}
