package proof

import (
	"errors"
	"strings"
	"testing"

	"github.com/provscope/provscope/model"
)

// TestJudgeConsistency walks the judge through every outcome a log-head
// check can meet, each with the words every caller shows.
func TestJudgeConsistency(t *testing.T) {
	ref := newRefTree(16)
	cp := func(origin string, n int) *model.Checkpoint {
		return &model.Checkpoint{Origin: origin, Size: uint64(n), RootHash: ref.mth(0, n)}
	}
	const o = "log.example - 7"
	forked := cp(o, 10)
	forked.RootHash = ref.mth(0, 9)
	p4to10 := ref.subproof(4, 0, 10, true)
	flipped := cloneHashes(p4to10)
	flipped[0][0] ^= 1
	tests := []struct {
		name     string
		old      *model.Checkpoint
		cur      *model.Checkpoint // nil: the tree is no longer listed
		proof    [][]byte
		needed   bool
		wantKind InconsistencyKind // -1: consistent
		wantText string
	}{
		{"happy path", cp(o, 4), cp(o, 10), p4to10, true, -1, ""},
		{"unchanged", cp(o, 10), cp(o, 10), nil, false, -1, ""},
		{"remembered empty tree", cp(o, 0), cp(o, 10), nil, false, -1, ""},
		{"rollback", cp(o, 10), cp(o, 4), p4to10, false, Rollback, "log rolled back: tree size 4 is smaller than the remembered 10"},
		{"fork", cp(o, 10), forked, nil, false, Fork, "log forked: two signed checkpoints of size 10"},
		{"inconsistent proof", cp(o, 4), cp(o, 10), flipped, true, Inconsistent, "log history changed: no valid consistency proof from remembered size 4 to 10"},
		{"forked and grown", cp(o, 4), forked, p4to10, true, Inconsistent, "log history changed"},
		{"truncated proof", cp(o, 4), cp(o, 10), p4to10[:1], true, Inconsistent, "wrong proof size"},
		{"no proof", cp(o, 4), cp(o, 10), nil, true, Inconsistent, "log history changed"},
		{"dropped tree", cp(o, 10), nil, nil, false, TreeDropped, "log dropped tree 7: remembered at size 10"},
		{"origin change", cp(o, 4), cp("evil.example - 7", 10), p4to10, false, OriginChanged, `log origin changed: checkpoint origin "evil.example - 7", remembered "log.example - 7"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cur != nil {
				if got := ConsistencyProofNeeded(*tt.old, *tt.cur); got != tt.needed {
					t.Errorf("ConsistencyProofNeeded = %v, want %v", got, tt.needed)
				}
			}
			ev := ConsistencyEvidence{TreeID: "7", Old: *tt.old, OldNote: "old note", New: tt.cur, NewNote: "new note", Proof: tt.proof}
			tr, err := JudgeConsistency(ev)
			if tt.wantKind < 0 {
				if err != nil {
					t.Fatalf("JudgeConsistency(%s) = %v, want nil", tt.name, err)
				}
				if tt.needed && tr == nil {
					t.Errorf("JudgeConsistency(%s): no trace of the checked proof", tt.name)
				}
				return
			}
			var ie *InconsistentError
			if !errors.As(err, &ie) {
				t.Fatalf("JudgeConsistency(%s) = %v, want an *InconsistentError", tt.name, err)
			}
			if ie.Kind != tt.wantKind {
				t.Errorf("JudgeConsistency(%s).Kind = %v, want %v", tt.name, ie.Kind, tt.wantKind)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("JudgeConsistency(%s) = %q, want it to contain %q", tt.name, err, tt.wantText)
			}
			// The evidence travels with the verdict.
			if ie.Old.Size != tt.old.Size || ie.OldNote != "old note" || ie.TreeID != "7" {
				t.Errorf("JudgeConsistency(%s) evidence: old %+v note %q tree %q", tt.name, ie.Old, ie.OldNote, ie.TreeID)
			}
			if tt.cur != nil && (ie.New.Size != tt.cur.Size || ie.NewNote != "new note") {
				t.Errorf("JudgeConsistency(%s) evidence: new %+v note %q", tt.name, ie.New, ie.NewNote)
			}
			if tt.wantKind == Inconsistent && len(ie.Proof) != len(tt.proof) {
				t.Errorf("JudgeConsistency(%s) evidence: proof of %d hashes, want %d", tt.name, len(ie.Proof), len(tt.proof))
			}
		})
	}
}

func TestCheckClaimedHead(t *testing.T) {
	ref := newRefTree(8)
	signed := model.Checkpoint{Origin: "o - 1", Size: 8, RootHash: ref.mth(0, 8)}
	tests := []struct {
		name string
		size int64
		root []byte
		bad  bool
	}{
		{"the signed head", 8, ref.mth(0, 8), false},
		{"another size", 9, ref.mth(0, 8), true},
		{"another root", 8, ref.mth(0, 7), true},
		{"negative size", -1, ref.mth(0, 8), true},
		{"no root", 8, nil, true},
	}
	for _, tt := range tests {
		err := CheckClaimedHead("1", signed, tt.size, tt.root)
		var he *HeadMismatchError
		if got := errors.As(err, &he); got != tt.bad {
			t.Errorf("CheckClaimedHead(%s) = %v, want mismatch %v", tt.name, err, tt.bad)
		}
	}
}

func TestCheckMissingEntry(t *testing.T) {
	active := model.Checkpoint{Origin: "o - 2", Size: 8, RootHash: make([]byte, 32)}
	frozen := model.Checkpoint{Origin: "o - 1", Size: 5, RootHash: make([]byte, 32)}
	tests := []struct {
		index int64
		lie   bool
	}{{0, true}, {12, true}, {13, false}, {-1, false}, {1 << 40, false}}
	for _, tt := range tests {
		err := CheckMissingEntry(tt.index, active, frozen)
		var me *MissingEntryError
		if got := errors.As(err, &me); got != tt.lie {
			t.Errorf("CheckMissingEntry(%d) = %v, want misbehaviour %v", tt.index, err, tt.lie)
		}
		if tt.lie && !strings.Contains(err.Error(), `cover 13 entries ("o - 2" at size 8, "o - 1" at size 5)`) {
			t.Errorf("CheckMissingEntry(%d) = %q, want the signed tree sizes named", tt.index, err)
		}
	}
	if err := CheckMissingEntry(3); err != nil {
		t.Errorf("CheckMissingEntry without checkpoints = %v, want nil", err)
	}
}
