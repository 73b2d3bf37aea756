package inspect

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/state"
)

// Step names used by CheckLog.
const (
	StepTreeHead    = "signed-tree-head"
	StepRollback    = "no-rollback"
	StepConsistency = "consistency"
	StepRemember    = "remember-checkpoint"
)

// TreeCheck is the outcome of checking one tree (a Rekor v1 shard, or a
// tiles log) against the checkpoint remembered for it.
type TreeCheck struct {
	// TreeID is the Rekor v1 tree ID ("" for a tiles log).
	TreeID string `json:"treeID,omitempty"`
	// Active is false for a frozen (inactive) Rekor v1 shard.
	Active bool `json:"active"`
	// Checkpoint is the new checkpoint (set once its signature verified).
	Checkpoint *model.Checkpoint `json:"checkpoint,omitempty"`
	Note       string            `json:"signedTreeHead"`
	// Previous is the checkpoint remembered from last time, if any.
	Previous *state.Checkpoint `json:"previous,omitempty"`
	Result   model.Result      `json:"result"`
}

// LogCheck is the outcome of CheckLog.
type LogCheck struct {
	Log       string      `json:"log"`
	URL       string      `json:"url"`
	KeySource string      `json:"keySource"`
	KeyID     string      `json:"keyFingerprint"`
	Trees     []TreeCheck `json:"trees"`
}

// Verdict is failed when any tree failed, verified otherwise.
func (c *LogCheck) Verdict() model.Verdict {
	v := model.VerdictVerified
	for i := range c.Trees {
		switch c.Trees[i].Result.Verdict() {
		case model.VerdictFailed:
			return model.VerdictFailed
		case model.VerdictError:
			v = model.VerdictError
		}
	}
	return v
}

// RollbackError reports a log whose tree is smaller than a checkpoint it
// signed earlier: it lost or hid entries.
type RollbackError struct {
	Old, New model.Checkpoint
}

func (e *RollbackError) Error() string {
	return fmt.Sprintf("log rolled back: tree size %d is smaller than the remembered %d", e.New.Size, e.Old.Size)
}

// ForkError reports two signed checkpoints of the same size with different
// roots: the log shows different histories to different viewers.
type ForkError struct {
	Old, New model.Checkpoint
}

func (e *ForkError) Error() string {
	return fmt.Sprintf("log forked: two signed checkpoints of size %d have different roots %x and %x", e.New.Size, e.Old.RootHash, e.New.RootHash)
}

// CheckOptions configures CheckLog.
type CheckOptions struct {
	// Store remembers checkpoints between runs; nil checks signatures only.
	Store *state.Store
	// Now stamps remembered checkpoints.
	Now time.Time
	// DryRun checks without remembering the new checkpoint.
	DryRun bool
}

// CheckLog fetches the log's signed tree head(s), verifies each signature,
// and proves consistency with the checkpoint remembered for that tree:
// smaller than before is a rollback (RollbackError), same size with another
// root is a fork (ForkError), a proof that does not link them is an
// inconsistency (*proof.InconsistentError). A tree whose checks passed is
// remembered for next time; a failing one keeps the old checkpoint as
// evidence. The error return is for failures to carry out the check at all
// (network, bad responses); verification failures are in the result.
func CheckLog(ctx context.Context, l *Log, opts CheckOptions) (*LogCheck, error) {
	fp, _ := KeyFingerprint(l.KeyPEM)
	out := &LogCheck{Log: l.Def.Name, URL: l.Def.URL, KeySource: l.KeySource, KeyID: fp}
	type tree struct {
		treeID string
		active bool
		note   string
		size   int64
		root   []byte
	}
	var trees []tree
	if l.Rekor != nil {
		info, err := l.Rekor.LogInfo(ctx)
		if err != nil {
			return nil, err
		}
		trees = append(trees, tree{info.TreeID, true, info.SignedTreeHead, info.TreeSize, info.RootHash})
		for _, s := range info.InactiveShards {
			trees = append(trees, tree{s.TreeID, false, s.SignedTreeHead, s.TreeSize, s.RootHash})
		}
	} else {
		note, err := l.Tiles.Checkpoint(ctx)
		if err != nil {
			return nil, fmt.Errorf("fetching checkpoint: %w", err)
		}
		trees = append(trees, tree{active: true, note: string(note), size: -1})
	}
	for _, t := range trees {
		tc := TreeCheck{TreeID: t.treeID, Active: t.active, Note: t.note}
		tc.Result.Subject = "tree " + t.treeID
		if t.treeID == "" {
			tc.Result.Subject = l.Def.URL
		}
		if err := l.checkTree(ctx, &tc, t.size, t.root, opts); err != nil {
			return nil, err
		}
		out.Trees = append(out.Trees, tc)
	}
	return out, nil
}

func (l *Log) checkTree(ctx context.Context, tc *TreeCheck, claimedSize int64, claimedRoot []byte, opts CheckOptions) error {
	r := &tc.Result
	cp, err := l.VerifyNote(tc.Note)
	if err != nil {
		r.Fail(StepTreeHead, "Signed tree head", err)
		r.Skip(StepConsistency, "Consistency", "the tree head did not verify")
		return nil
	}
	if claimedSize >= 0 && (uint64(claimedSize) != cp.Size || !bytes.Equal(claimedRoot, cp.RootHash)) {
		r.Fail(StepTreeHead, "Signed tree head", fmt.Errorf("log info claims size %d root %x, signed note says size %d root %x", claimedSize, claimedRoot, cp.Size, cp.RootHash))
		return nil
	}
	tc.Checkpoint = cp
	r.Pass(StepTreeHead, "Signed tree head", fmt.Sprintf("signature by the log key verifies: size %d", cp.Size),
		model.Evidence{Label: "origin", Value: cp.Origin},
		model.Evidence{Label: "size", Value: strconv.FormatUint(cp.Size, 10)},
		model.Evidence{Label: "root", Value: hex.EncodeToString(cp.RootHash)})
	if opts.Store == nil {
		r.Skip(StepConsistency, "Consistency", "no state directory: nothing remembered to compare with")
		return nil
	}
	prev, err := opts.Store.Load(l.Def.URL, tc.TreeID)
	if err != nil {
		return err
	}
	tc.Previous = prev
	if prev == nil {
		r.Skip(StepConsistency, "Consistency", "first time this tree is seen: nothing remembered to compare with")
	} else {
		old, err := prevCheckpoint(prev)
		if err != nil {
			r.Fail(StepConsistency, "Consistency", fmt.Errorf("reading the remembered checkpoint: %w", err))
			return nil
		}
		if ok := l.checkConsistency(ctx, r, tc.TreeID, old, *cp); !ok {
			return nil
		}
	}
	if opts.DryRun {
		return nil
	}
	if prev != nil && prev.Size == cp.Size {
		return nil
	}
	fp, _ := KeyFingerprint(l.KeyPEM)
	if err := opts.Store.Save(state.Checkpoint{
		LogURL: l.Def.URL, TreeID: tc.TreeID, Origin: cp.Origin, Size: cp.Size,
		RootHash: hex.EncodeToString(cp.RootHash), Note: tc.Note, KeyFingerprint: fp, SeenAt: opts.Now.UTC(),
	}); err != nil {
		return err
	}
	r.Pass(StepRemember, "Remembered", fmt.Sprintf("checkpoint of size %d saved for the next consistency check", cp.Size))
	return nil
}

func prevCheckpoint(p *state.Checkpoint) (model.Checkpoint, error) {
	root, err := hex.DecodeString(p.RootHash)
	if err != nil || len(root) != 32 {
		return model.Checkpoint{}, fmt.Errorf("root hash %q is not 32 bytes of hex", p.RootHash)
	}
	return model.Checkpoint{Origin: p.Origin, Size: p.Size, RootHash: root}, nil
}

// checkConsistency records the rollback and consistency steps; it reports
// whether both passed.
func (l *Log) checkConsistency(ctx context.Context, r *model.Result, treeID string, old, cur model.Checkpoint) bool {
	if cur.Size < old.Size {
		r.Fail(StepRollback, "No rollback", &RollbackError{Old: old, New: cur})
		return false
	}
	r.Pass(StepRollback, "No rollback", fmt.Sprintf("size %d ≥ remembered %d", cur.Size, old.Size))
	if cur.Size == old.Size {
		if !bytes.Equal(cur.RootHash, old.RootHash) {
			r.Fail(StepConsistency, "Consistency", &ForkError{Old: old, New: cur})
			return false
		}
		r.Pass(StepConsistency, "Consistency", fmt.Sprintf("unchanged since last time (size %d, same root)", cur.Size))
		return true
	}
	if old.Size == 0 {
		r.Pass(StepConsistency, "Consistency", "the remembered tree was empty")
		return true
	}
	hashes, err := l.consistencyProof(ctx, treeID, old.Size, cur.Size)
	if err != nil {
		// A log that cannot prove consistency from a size it signed is as
		// suspicious as a bad proof; record it as a failure.
		r.Fail(StepConsistency, "Consistency", fmt.Errorf("fetching consistency proof %d → %d: %w", old.Size, cur.Size, err))
		return false
	}
	if err := proof.VerifyConsistency(old.Size, cur.Size, hashes, old.RootHash, cur.RootHash); err != nil {
		trace, _ := proof.TraceConsistency(old.Size, cur.Size, hashes, old.RootHash, cur.RootHash)
		r.Add(model.Step{
			Name: StepConsistency, Title: "Consistency", Status: model.StatusFail,
			Detail: (&InconsistentError{Old: old, New: cur, Proof: hashes, Trace: trace, Err: err}).Error(),
			Err:    &InconsistentError{Old: old, New: cur, Proof: hashes, Trace: trace, Err: err},
			Evidence: []model.Evidence{
				{Label: "remembered", Value: fmt.Sprintf("size %d root %x", old.Size, old.RootHash)},
				{Label: "current", Value: fmt.Sprintf("size %d root %x", cur.Size, cur.RootHash)},
			},
		})
		return false
	}
	r.Pass(StepConsistency, "Consistency", fmt.Sprintf("proof with %d hashes links size %d to %d", len(hashes), old.Size, cur.Size),
		model.Evidence{Label: "remembered root", Value: hex.EncodeToString(old.RootHash)},
		model.Evidence{Label: "current root", Value: hex.EncodeToString(cur.RootHash)})
	return true
}

// consistencyProof fetches the proof that the tree of size from is a prefix
// of the tree of size to: from the Rekor v1 API (treeID selects the shard,
// "" the active one) or computed from a tiles log's tiles. The hashes are
// untrusted until proof.VerifyConsistency links two verified checkpoints.
func (l *Log) consistencyProof(ctx context.Context, treeID string, from, to uint64) ([][]byte, error) {
	if l.Rekor != nil {
		return rekorConsistencyProof(ctx, l.Rekor, from, to, treeID)
	}
	return l.Tiles.ConsistencyProof(ctx, from, to)
}

// InconsistentError reports a consistency proof that does not link the
// remembered checkpoint to the current one: the log rewrote history or
// served a bad proof. It carries both checkpoints, the proof and its trace
// as evidence; Err is proof/'s reason (a *proof.RootMismatchError, …).
type InconsistentError struct {
	Old, New model.Checkpoint
	Proof    [][]byte
	Trace    *proof.ConsistencyTrace
	Err      error
}

func (e *InconsistentError) Error() string {
	return fmt.Sprintf("log history changed: no valid consistency proof from remembered size %d to %d: %v", e.Old.Size, e.New.Size, e.Err)
}

func (e *InconsistentError) Unwrap() error { return e.Err }
