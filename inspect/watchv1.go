package inspect

import (
	"context"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body"
	"github.com/provscope/provscope/rekor/state"
)

// MaxWatchBatch bounds the entries one WatchV1 step reads; the rest are
// read by the next step.
const MaxWatchBatch = 1000

// WatchV1Step is what one WatchV1 step established.
type WatchV1Step struct {
	// Check is the log-head check of this step (CheckLog).
	Check *LogCheck
	// Checkpoint is the active tree's verified checkpoint.
	Checkpoint model.Checkpoint
	// From and To are the global indices read in this step: [From, To).
	From, To uint64
	// Size is the log's global size (every listed tree's signed size).
	Size uint64
	// First is true for the step that started the watch (nothing read:
	// the watch starts at the log's current head).
	First bool
	// Matches are the verified entries the match function accepted.
	Matches []WatchV1Match
}

// WatchV1Match is one verified entry that matched.
type WatchV1Match struct {
	Index uint64
	Entry model.LogEntry
	Body  *body.Body
}

// WatchLieError reports a Rekor v1 log that failed verification during a
// watch; Err is proof's typed error (*proof.InconsistentError,
// *proof.HeadMismatchError, *proof.OriginError, *proof.MissingEntryError,
// an entry's failed step).
type WatchLieError struct{ Err error }

func (e *WatchLieError) Error() string { return "the log failed verification: " + e.Err.Error() }

func (e *WatchLieError) Unwrap() error { return e.Err }

// watchCursor is the next global index to read, kept in the watch
// directory.
type watchCursor struct {
	Next uint64 `json:"next"`
}

const watchCursorFile = "watch-v1.json"

// WatchV1 is one step of following a Rekor v1 log from the head it first
// saw, with its state in dir (the checkpoints remembered for each tree, and
// the next index to read):
//
//  1. CheckLog verifies every tree's signed head, bound to the log's
//     origin, and judges it against the checkpoint remembered in dir
//     (proof.JudgeConsistency: rollback, fork, dropped tree, inconsistent);
//     a failure ends the step with a *WatchLieError;
//  2. the first step only records the global size (the watch starts now);
//  3. later steps read the entries from the kept index on by global index,
//     at most MaxWatchBatch of them, and verify each (proof.ExplainEntry:
//     leaf hash, log ID, SET over the global index, inclusion proof, signed
//     checkpoint), checking that its proof is for the tree and local index
//     the verified heads place it in and that its checkpoint is consistent
//     with that tree's verified head (proof.JudgeConsistency);
//  4. the entries whose decoded body match accepts are returned.
//
// A log's missing entry below its signed size is a lie too
// (proof.CheckMissingEntry). The error is a *WatchLieError for a
// verification failure, any other error for a failure to check at all.
func WatchV1(ctx context.Context, l *Log, dir string, match func(*body.Body) bool, now time.Time) (*WatchV1Step, error) {
	if l.Rekor == nil {
		return nil, errors.New("WatchV1 follows a Rekor v1 log")
	}
	chk, err := CheckLog(ctx, l, CheckOptions{Store: &state.Store{Dir: filepath.Join(dir, "checkpoints")}, Now: now})
	if err != nil {
		return nil, err
	}
	if chk.Verdict() != model.VerdictVerified {
		p := chk.Problem()
		if p == nil {
			p = errors.New("the log head did not verify")
		}
		return nil, &WatchLieError{Err: p}
	}
	w := &v1watch{ctx: ctx, l: l, proven: map[string]map[string]bool{}}
	step := &WatchV1Step{Check: chk}
	for _, t := range chk.Trees {
		if !t.Listed || t.Checkpoint == nil {
			continue
		}
		// Inactive shards first, then the active tree: global indices
		// run through them in that order (Rekor v1).
		seg := v1segment{treeID: t.TreeID, offset: 0, cp: *t.Checkpoint, note: t.Note}
		if t.Active {
			step.Checkpoint = *t.Checkpoint
			w.active = &seg
			continue
		}
		w.segs = append(w.segs, seg)
	}
	if w.active == nil {
		return nil, &WatchLieError{Err: errors.New("the log lists no active tree")}
	}
	w.segs = append(w.segs, *w.active)
	for i := range w.segs {
		w.segs[i].offset = step.Size
		if step.Size+w.segs[i].cp.Size < step.Size {
			return nil, &WatchLieError{Err: errors.New("the trees' signed sizes overflow")}
		}
		step.Size += w.segs[i].cp.Size
	}
	cur, err := readCursor(dir)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		step.First, step.From, step.To = true, step.Size, step.Size
		return step, writeCursor(dir, step.Size)
	}
	if cur.Next > step.Size {
		return nil, &WatchLieError{Err: fmt.Errorf("the log's signed size %d is below index %d, which this watch already read", step.Size, cur.Next)}
	}
	step.From = cur.Next
	step.To = min(cur.Next+MaxWatchBatch, step.Size)
	if step.Matches, err = w.read(step.From, step.To, match); err != nil {
		return nil, err
	}
	return step, writeCursor(dir, step.To)
}

// v1segment is one tree of the log with its verified head and the global
// index of its first entry.
type v1segment struct {
	treeID string
	offset uint64
	cp     model.Checkpoint
	note   string
}

type v1watch struct {
	ctx    context.Context
	l      *Log
	segs   []v1segment
	active *v1segment
	// proven records, per tree, the entry checkpoints (size, root, origin)
	// already judged consistent with the tree's head in this step.
	proven map[string]map[string]bool
}

// read fetches and verifies the entries [from, to).
func (w *v1watch) read(from, to uint64, match func(*body.Body) bool) ([]WatchV1Match, error) {
	if from >= to {
		return nil, nil
	}
	pub, err := proof.ParsePublicKeyPEM(w.l.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("reading the log key: %w", err)
	}
	idx := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		idx = append(idx, int64(i)) //nolint:gosec // G115: below the signed size
	}
	got, err := w.l.Rekor.Retrieve(w.ctx, nil, idx)
	if err != nil {
		return nil, fmt.Errorf("fetching entries %d..%d: %w", from, to-1, err)
	}
	byIdx := make(map[int64][]*model.LogEntry, len(got))
	for i := range got {
		byIdx[got[i].LogIndex] = append(byIdx[got[i].LogIndex], &got[i])
	}
	heads := make([]model.Checkpoint, len(w.segs))
	for i := range w.segs {
		heads[i] = w.segs[i].cp
	}
	var out []WatchV1Match
	for i := from; i < to; i++ {
		es := byIdx[int64(i)] //nolint:gosec // as above
		if len(es) == 0 {
			err := proof.CheckMissingEntry(int64(i), heads...) //nolint:gosec // as above
			if err == nil {
				err = fmt.Errorf("the log did not return entry %d", i)
			}
			return nil, &WatchLieError{Err: err}
		}
		// Every answer for the index must verify: a log that returns a
		// second, different entry for an index is not believed for either.
		for _, e := range es {
			if err := w.verify(*e, i, pub); err != nil {
				return nil, err
			}
		}
		e := es[0]
		b, err := body.Decode(e.Body)
		if err != nil || !match(b) {
			continue
		}
		out = append(out, WatchV1Match{Index: i, Entry: *e, Body: b})
	}
	return out, nil
}

// verify checks one entry the log returned for global index i.
func (w *v1watch) verify(e model.LogEntry, i uint64, pub crypto.PublicKey) error {
	lie := func(format string, args ...any) error {
		return &WatchLieError{Err: fmt.Errorf("entry %d: "+format, append([]any{i}, args...)...)}
	}
	if e.LogIndex < 0 || uint64(e.LogIndex) != i {
		return lie("the log returned an entry with index %d", e.LogIndex)
	}
	rep := proof.ExplainEntry(e, proof.LogKeys{Public: pub}, proof.EntryOptions{})
	if rep.Result.Verdict() != model.VerdictVerified {
		if f := rep.Result.FirstFailure(); f != nil && f.Err != nil {
			return lie("%w", f.Err)
		}
		return lie("did not verify")
	}
	var seg *v1segment
	for j := range w.segs {
		if s := &w.segs[j]; i >= s.offset && i < s.offset+s.cp.Size {
			seg = s
		}
	}
	if seg == nil || rep.Checkpoint == nil || e.Proof == nil {
		return lie("no verified tree covers it")
	}
	if _, tree, ok := proof.RekorV1Origin(rep.Checkpoint.Origin); !ok || tree != seg.treeID {
		return lie("its checkpoint names tree %q, the signed heads place it in tree %s", rep.Checkpoint.Origin, seg.treeID)
	}
	if e.Proof.LogIndex < 0 || uint64(e.Proof.LogIndex) != i-seg.offset {
		return lie("its inclusion proof is for index %d of tree %s, want %d", e.Proof.LogIndex, seg.treeID, i-seg.offset)
	}
	return w.consistent(seg, rep.Checkpoint)
}

// consistent judges the checkpoint an entry's proof came with against the
// verified head of its tree.
func (w *v1watch) consistent(seg *v1segment, cp *proof.VerifiedCheckpoint) error {
	seen := w.proven[seg.treeID]
	if seen == nil {
		seen = map[string]bool{}
		w.proven[seg.treeID] = seen
	}
	key := strconv.FormatUint(cp.Size, 10) + " " + hex.EncodeToString(cp.RootHash) + " " + cp.Origin
	if seen[key] {
		return nil
	}
	old, cur, oldNote, curNote := seg.cp, cp.Checkpoint, seg.note, cp.Raw
	if cur.Size < old.Size {
		// A proof for an older tree: the older one must be a prefix of
		// the head.
		old, cur, oldNote, curNote = cur, old, curNote, oldNote
	}
	ev := proof.ConsistencyEvidence{TreeID: seg.treeID, Old: old, OldNote: oldNote, New: &cur, NewNote: curNote}
	if proof.ConsistencyProofNeeded(old, cur) {
		hashes, err := rekorConsistencyProof(w.ctx, w.l.Rekor, old.Size, cur.Size, seg.treeID)
		if err != nil {
			return fmt.Errorf("fetching consistency proof %d → %d of tree %s: %w", old.Size, cur.Size, seg.treeID, err)
		}
		ev.Proof = hashes
	}
	if _, err := proof.JudgeConsistency(ev); err != nil {
		return &WatchLieError{Err: err}
	}
	seen[key] = true
	return nil
}

func readCursor(dir string) (*watchCursor, error) {
	b, err := os.ReadFile(filepath.Join(dir, watchCursorFile)) //nolint:gosec // G304: the watch's own state file, in the directory it was given
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the watch state: %w", err)
	}
	var c watchCursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("reading the watch state %s: %w", watchCursorFile, err)
	}
	return &c, nil
}

func writeCursor(dir string, next uint64) error {
	b := []byte(`{"next":` + strconv.FormatUint(next, 10) + "}\n")
	tmp := filepath.Join(dir, watchCursorFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("saving the watch state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, watchCursorFile)); err != nil {
		return fmt.Errorf("saving the watch state: %w", err)
	}
	return nil
}
