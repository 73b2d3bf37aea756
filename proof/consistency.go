package proof

import (
	"bytes"
	"fmt"

	"github.com/provscope/provscope/model"
)

// InconsistencyKind says how a log's new signed checkpoint fails to extend
// the one remembered for the same tree.
type InconsistencyKind int

// The kinds of *InconsistentError.
const (
	// Inconsistent: the consistency proof does not link the two
	// checkpoints (the log rewrote history or served a bad proof).
	Inconsistent InconsistencyKind = iota
	// Rollback: the new tree is smaller than the remembered one.
	Rollback
	// Fork: same size, different roots.
	Fork
	// TreeDropped: the log no longer lists a tree it signed before,
	// neither as its active tree nor as an inactive shard.
	TreeDropped
	// OriginChanged: the new checkpoint names another origin than the
	// remembered one of the same tree.
	OriginChanged
)

func (k InconsistencyKind) String() string {
	switch k {
	case Inconsistent:
		return "inconsistent"
	case Rollback:
		return "rollback"
	case Fork:
		return "fork"
	case TreeDropped:
		return "tree dropped"
	case OriginChanged:
		return "origin changed"
	}
	return fmt.Sprintf("InconsistencyKind(%d)", int(k))
}

// MarshalText renders the kind for JSON output.
func (k InconsistencyKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ConsistencyEvidence is what a log-head check gathered about one tree of a
// log: the checkpoint remembered for it, the one the log signs now and the
// proof between them. Old and New must be the bodies of signed notes that
// verified with the log's key (VerifyCheckpoint); never a size or root the
// log reported outside its signed note.
type ConsistencyEvidence struct {
	// TreeID names the tree ("" for a log of one tree).
	TreeID string
	// Old is the remembered checkpoint and OldNote its signed note.
	Old     model.Checkpoint
	OldNote string
	// New is the checkpoint the log signs now, nil when the log no longer
	// lists the tree; NewNote is its signed note.
	New     *model.Checkpoint
	NewNote string
	// Proof is the log's consistency proof from Old.Size to New.Size (only
	// needed when ConsistencyProofNeeded says so).
	Proof [][]byte
}

// ConsistencyProofNeeded reports whether JudgeConsistency needs a
// consistency proof to decide between old and cur: only when cur is larger
// than a non-empty old of the same origin. In every other case the two
// checkpoints alone decide.
func ConsistencyProofNeeded(old, cur model.Checkpoint) bool {
	return old.Origin == cur.Origin && old.Size > 0 && cur.Size > old.Size
}

// JudgeConsistency decides whether a log still extends the checkpoint
// remembered for one of its trees. It returns nil, or an *InconsistentError
// whose Kind says what went wrong, carrying both checkpoints, their notes
// and the proof as evidence:
//
//   - TreeDropped when ev.New is nil;
//   - OriginChanged when the origins differ;
//   - Rollback when the new tree is smaller;
//   - Fork when the sizes are equal and the roots differ;
//   - Inconsistent when ev.Proof does not link Old to New (RFC 6962
//     §2.1.2; the reason is wrapped: *RootMismatchError, *ProofSizeError…).
//
// A remembered empty tree is extended by any tree. The trace is set when
// a proof was checked.
func JudgeConsistency(ev ConsistencyEvidence) (*ConsistencyTrace, error) {
	e := &InconsistentError{TreeID: ev.TreeID, Old: ev.Old, OldNote: ev.OldNote, NewNote: ev.NewNote, Proof: ev.Proof}
	if ev.New == nil {
		e.Kind = TreeDropped
		return nil, e
	}
	cur := *ev.New
	e.New = cur
	switch {
	case cur.Origin != ev.Old.Origin:
		e.Kind = OriginChanged
		return nil, e
	case cur.Size < ev.Old.Size:
		e.Kind = Rollback
		return nil, e
	case cur.Size == ev.Old.Size:
		if !bytes.Equal(cur.RootHash, ev.Old.RootHash) {
			e.Kind = Fork
			return nil, e
		}
		return nil, nil
	case ev.Old.Size == 0:
		return nil, nil
	}
	tr, err := TraceConsistency(ev.Old.Size, cur.Size, ev.Proof, ev.Old.RootHash, cur.RootHash)
	if err != nil {
		e.Kind, e.Trace, e.err = Inconsistent, tr, err
		return tr, e
	}
	return tr, nil
}

// HeadMismatchError reports a log whose unsigned answer (the size and root
// in its JSON) differs from its signed note: whatever it claims outside the
// signature is not what it signed.
type HeadMismatchError struct {
	TreeID      string
	ClaimedSize int64
	ClaimedRoot []byte
	Signed      model.Checkpoint
}

func (e *HeadMismatchError) Error() string {
	return fmt.Sprintf("log head mismatch: the log reports size %d root %x, its signed note says size %d root %x",
		e.ClaimedSize, e.ClaimedRoot, e.Signed.Size, e.Signed.RootHash)
}

// CheckClaimedHead checks that the size and root a log reported next to
// its signed note (Rekor v1 GET /api/v1/log treeSize and rootHash) are the
// signed ones: signed must come from a verified note. A mismatch is a
// *HeadMismatchError.
func CheckClaimedHead(treeID string, signed model.Checkpoint, claimedSize int64, claimedRoot []byte) error {
	if claimedSize < 0 || uint64(claimedSize) != signed.Size || !bytes.Equal(claimedRoot, signed.RootHash) { //nolint:gosec // G115: checked non-negative first
		return &HeadMismatchError{TreeID: treeID, ClaimedSize: claimedSize, ClaimedRoot: claimedRoot, Signed: signed}
	}
	return nil
}

// MissingEntryError reports a log that denies an entry its own signed
// checkpoints cover: an index below the signed tree size (for a sharded
// Rekor v1 log, the sum of its shards' signed sizes) must exist, so "not
// found" is the log misbehaving, not an absent entry.
type MissingEntryError struct {
	Index int64
	// Covered is how many entries the signed checkpoints cover.
	Covered uint64
	// Checkpoints are the signed checkpoints, as evidence.
	Checkpoints []model.Checkpoint
}

func (e *MissingEntryError) Error() string {
	s := fmt.Sprintf("log misbehaves: it has no entry at index %d, yet its signed checkpoints cover %d entries", e.Index, e.Covered)
	for i, c := range e.Checkpoints {
		if i == 0 {
			s += " ("
		} else {
			s += ", "
		}
		s += fmt.Sprintf("%q at size %d", c.Origin, c.Size)
	}
	if len(e.Checkpoints) > 0 {
		s += ")"
	}
	return s
}

// CheckMissingEntry judges a log's "no such entry" answer for a global
// index against the signed checkpoints of all its trees (from verified
// notes): below the sum of their sizes the answer is a lie
// (*MissingEntryError); at or beyond it the entry may simply not exist yet
// (nil).
func CheckMissingEntry(index int64, signed ...model.Checkpoint) error {
	var covered uint64
	for _, c := range signed {
		if covered+c.Size < covered {
			covered = ^uint64(0)
			break
		}
		covered += c.Size
	}
	if index >= 0 && uint64(index) < covered { //nolint:gosec // G115: checked non-negative first
		return &MissingEntryError{Index: index, Covered: covered, Checkpoints: signed}
	}
	return nil
}
