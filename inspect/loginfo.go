package inspect

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
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
	// Active is false for a frozen (inactive) Rekor v1 shard, and for a
	// remembered tree the log no longer lists.
	Active bool `json:"active"`
	// Listed is false for a remembered tree the log no longer lists.
	Listed bool `json:"listed"`
	// Checkpoint is the new checkpoint (set once its signature verified).
	Checkpoint *model.Checkpoint `json:"checkpoint,omitempty"`
	Note       string            `json:"signedTreeHead"`
	// Previous is the checkpoint remembered from last time, if any.
	Previous *state.Checkpoint `json:"previous,omitempty"`
	// Proof is the consistency proof from Previous to Checkpoint, when one
	// was needed.
	Proof  [][]byte     `json:"consistencyProof,omitempty"`
	Result model.Result `json:"result"`
}

// LogCheck is the outcome of CheckLog.
type LogCheck struct {
	Log       string `json:"log"`
	URL       string `json:"url"`
	KeySource string `json:"keySource"`
	KeyID     string `json:"keyFingerprint"`
	// Origin is the origin the log's checkpoints are bound to (for a
	// Rekor v1 log, the host part of "<host> - <treeID>") and OriginFrom
	// says why: "configured", "known log", "first seen …".
	Origin     string      `json:"origin,omitempty"`
	OriginFrom string      `json:"originFrom,omitempty"`
	Trees      []TreeCheck `json:"trees"`
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

// Problem returns the first failed step's typed error (a
// *proof.InconsistentError, *proof.HeadMismatchError, *proof.OriginError,
// …) and its tree, or nil when no tree failed. Every caller of CheckLog
// words a failure with it, so loginfo, verify and the explorer say the same.
func (c *LogCheck) Problem() error {
	for i := range c.Trees {
		if f := c.Trees[i].Result.FirstFailure(); f != nil {
			if f.Err != nil {
				return f.Err
			}
			return errors.New(f.Detail)
		}
	}
	return nil
}

// Active returns the check of the log's active tree, or nil.
func (c *LogCheck) Active() *TreeCheck {
	for i := range c.Trees {
		if c.Trees[i].Active {
			return &c.Trees[i]
		}
	}
	return nil
}

// CheckOptions configures CheckLog.
type CheckOptions struct {
	// Store remembers checkpoints and the log's origin between runs; nil
	// checks signatures only.
	Store *state.Store
	// Now stamps remembered checkpoints.
	Now time.Time
	// DryRun checks without remembering anything.
	DryRun bool
}

// claimedTree is one tree as the log reports it: its signed note and the
// size and root it claims outside the signature (-1: none claimed).
type claimedTree struct {
	treeID string
	active bool
	note   string
	size   int64
	root   []byte
}

// CheckLog is provscope's one log-head watcher (`provscope loginfo`, the
// head check of `provscope verify` and of the explorer). For each tree the
// log lists (a Rekor v1 log's active tree and inactive shards, or a tiles
// log's one tree) it
//
//  1. verifies the signed note with the log key, bound to the log's origin
//     (configured, known, else the first origin seen for this URL and key:
//     trust on first use) and, for Rekor v1, to the tree ID listed with it;
//  2. checks that the size and root the log reported outside the note are
//     the signed ones (proof.CheckClaimedHead);
//  3. fetches the consistency proof from the remembered checkpoint when one
//     is needed, and lets proof.JudgeConsistency decide (rollback, fork,
//     inconsistent, origin changed);
//  4. remembers the new checkpoint when everything passed.
//
// Every tree remembered for the log must still be listed: one that is not
// fails as proof.TreeDropped with the remembered checkpoint as evidence.
// The error return is for failures to carry out the check at all (network,
// unreadable state); verification failures are in the result.
func CheckLog(ctx context.Context, l *Log, opts CheckOptions) (*LogCheck, error) {
	fp, _ := KeyFingerprint(l.KeyPEM)
	out := &LogCheck{Log: l.Def.Name, URL: l.Def.URL, KeySource: l.KeySource, KeyID: fp}
	var trees []claimedTree
	if l.Rekor != nil {
		info, err := l.Rekor.LogInfo(ctx)
		if err != nil {
			return nil, err
		}
		trees = append(trees, claimedTree{info.TreeID, true, info.SignedTreeHead, info.TreeSize, info.RootHash})
		for _, s := range info.InactiveShards {
			trees = append(trees, claimedTree{s.TreeID, false, s.SignedTreeHead, s.TreeSize, s.RootHash})
		}
	} else {
		note, err := l.Tiles.Checkpoint(ctx)
		if err != nil {
			return nil, fmt.Errorf("fetching checkpoint: %w", err)
		}
		trees = append(trees, claimedTree{active: true, note: string(note), size: -1})
	}
	bind, err := l.originBinding(opts.Store, fp)
	if err != nil {
		return nil, err
	}
	listed := map[string]bool{}
	var saves []*state.Checkpoint // one per tree, nil when nothing to save
	for _, t := range trees {
		listed[t.treeID] = true
		tc := TreeCheck{TreeID: t.treeID, Active: t.active, Listed: true, Note: t.note}
		tc.Result.Subject = "tree " + t.treeID
		if t.treeID == "" {
			tc.Result.Subject = l.Def.URL
		}
		save, err := l.checkTree(ctx, &tc, t, &bind, opts)
		if err != nil {
			return nil, err
		}
		out.Trees = append(out.Trees, tc)
		saves = append(saves, save)
	}
	out.Origin, out.OriginFrom = bind.origin, bind.from
	if bind.learned != "" {
		out.OriginFrom = "first seen now, not yet remembered"
	}
	if opts.Store != nil {
		remembered, err := opts.Store.List(l.StateKey())
		if err != nil {
			return nil, err
		}
		for i := range remembered {
			if p := remembered[i]; !listed[p.TreeID] {
				out.Trees = append(out.Trees, droppedTree(&p))
			}
		}
	}
	// Remember only a log that passed every check: a log misbehaving in
	// one tree teaches nothing about its others.
	if opts.DryRun || opts.Store == nil || out.Verdict() != model.VerdictVerified {
		return out, nil
	}
	for i, save := range saves {
		if save == nil {
			continue
		}
		if err := opts.Store.Save(*save); err != nil {
			return nil, err
		}
		out.Trees[i].Result.Pass(StepRemember, "Remembered", fmt.Sprintf("checkpoint of size %d saved for the next consistency check", save.Size))
	}
	if bind.learned != "" {
		if err := opts.Store.SaveOrigin(state.Origin{LogURL: l.StateKey(), KeyFingerprint: fp, Origin: bind.learned, SeenAt: opts.Now.UTC()}); err != nil {
			return nil, err
		}
		out.OriginFrom = "first seen now (trust on first use)"
	}
	return out, nil
}

// droppedTree is the check of a remembered tree the log no longer lists.
func droppedTree(p *state.Checkpoint) TreeCheck {
	tc := TreeCheck{TreeID: p.TreeID, Previous: p, Note: ""}
	tc.Result.Subject = "tree " + p.TreeID
	old, err := rememberedCheckpoint(p)
	if err != nil {
		tc.Result.Fail(StepConsistency, "Consistency", err)
		return tc
	}
	_, err = proof.JudgeConsistency(proof.ConsistencyEvidence{TreeID: p.TreeID, Old: old, OldNote: p.Note})
	tc.Result.Fail(StepTreeHead, "Signed tree head", err, rememberedEvidence(old)...)
	return tc
}

// origin binding -------------------------------------------------------

// binding is the origin a log's checkpoints must carry.
type binding struct {
	// origin is the bound origin (for Rekor v1 the host part), "" when
	// none is bound yet; from says why it is bound.
	origin, from string
	// learned is the origin seen first in this run, to remember when the
	// check passes.
	learned string
}

// knownOrigin is the Rekor v1 origin host of the built-in log at def's
// URL, "" when there is none.
func knownOrigin(def logs.Log) string {
	for _, b := range logs.Builtin() {
		if b.Kind == logs.KindRekorV1 && b.URL == def.URL && b.PublicKey != "" {
			if u, err := url.Parse(b.URL); err == nil {
				return u.Host
			}
		}
	}
	return ""
}

// originBinding finds the origin l is bound to: configured (Def.Origin; for
// a Rekor v1 log the host part), a built-in log's, else the one remembered
// for the URL and key fp.
func (l *Log) originBinding(store *state.Store, fp string) (binding, error) {
	switch {
	case l.Rekor == nil && l.Def.Origin != "":
		return binding{origin: l.Def.Origin, from: "configured"}, nil
	case l.Def.Origin != "":
		return binding{origin: l.originHost(), from: "configured"}, nil
	case l.originHost() != "":
		return binding{origin: l.originHost(), from: "known log"}, nil
	}
	if store == nil {
		return binding{}, nil
	}
	o, err := store.LoadOrigin(l.StateKey(), fp)
	if err != nil || o == nil {
		return binding{}, err
	}
	return binding{origin: o.Origin, from: "first seen " + o.SeenAt.Format(time.RFC3339) + " (trust on first use)"}, nil
}

// checkOrigin checks a verified checkpoint's origin against the binding and
// the tree ID the log listed it under; an unbound log learns it.
func (l *Log) checkOrigin(cp *model.Checkpoint, treeID string, b *binding) error {
	got := cp.Origin
	if l.Rekor == nil {
		if b.origin == "" {
			b.origin, b.learned = got, got
		}
		if got != b.origin {
			return &proof.OriginError{Got: got, Want: b.origin}
		}
		return nil
	}
	host, tree, ok := proof.RekorV1Origin(got)
	want := func(h string) string {
		if h == "" {
			h = "<host>"
		}
		return h + " - " + treeID
	}
	if !ok || (treeID != "" && tree != treeID) {
		return &proof.OriginError{Got: got, Want: want(b.origin)}
	}
	if b.origin == "" {
		b.origin, b.learned = host, host
	}
	if host != b.origin {
		return &proof.OriginError{Got: got, Want: want(b.origin)}
	}
	return nil
}

// one tree ---------------------------------------------------------------

// checkTree checks one tree and returns the checkpoint to remember for it
// if the whole log passes (nil: nothing new). The error is for a state
// that cannot be read.
func (l *Log) checkTree(ctx context.Context, tc *TreeCheck, t claimedTree, bind *binding, opts CheckOptions) (*state.Checkpoint, error) {
	r := &tc.Result
	const headTitle = "Signed tree head"
	cp, err := l.VerifyNote(tc.Note)
	if err == nil {
		err = l.checkOrigin(cp, t.treeID, bind)
	}
	if err != nil {
		r.Fail(StepTreeHead, headTitle, err)
		r.Skip(StepConsistency, "Consistency", "the tree head did not verify")
		return nil, nil
	}
	if t.size >= 0 {
		if err := proof.CheckClaimedHead(t.treeID, *cp, t.size, t.root); err != nil {
			r.Fail(StepTreeHead, headTitle, err, checkpointEvidence(*cp)...)
			r.Skip(StepConsistency, "Consistency", "the log's answer disagrees with its signed note")
			return nil, nil
		}
	}
	tc.Checkpoint = cp
	r.Pass(StepTreeHead, headTitle, fmt.Sprintf("signature by the log key verifies: size %d", cp.Size), checkpointEvidence(*cp)...)
	if opts.Store == nil {
		r.Skip(StepConsistency, "Consistency", "nothing to compare with: checkpoints of this log are not being remembered")
		return nil, nil
	}
	prev, err := opts.Store.Load(l.StateKey(), tc.TreeID)
	if err != nil {
		return nil, err
	}
	tc.Previous = prev
	if prev == nil {
		r.Skip(StepConsistency, "Consistency", "first time this tree is seen: nothing remembered to compare with")
	} else {
		old, err := rememberedCheckpoint(prev)
		if err != nil {
			r.Fail(StepConsistency, "Consistency", err)
			return nil, nil
		}
		if ok := l.judge(ctx, tc, old, prev.Note, *cp); !ok {
			return nil, nil
		}
	}
	if opts.DryRun || (prev != nil && prev.Size == cp.Size) {
		return nil, nil
	}
	fp, _ := KeyFingerprint(l.KeyPEM)
	return &state.Checkpoint{
		LogURL: l.StateKey(), TreeID: tc.TreeID, Origin: cp.Origin, Size: cp.Size,
		RootHash: hex.EncodeToString(cp.RootHash), Note: tc.Note, KeyFingerprint: fp, SeenAt: opts.Now.UTC(),
	}, nil
}

// judge fetches the consistency proof when proof/ needs one, lets
// proof.JudgeConsistency decide and records the rollback and consistency
// steps; it reports whether both passed.
func (l *Log) judge(ctx context.Context, tc *TreeCheck, old model.Checkpoint, oldNote string, cur model.Checkpoint) bool {
	r := &tc.Result
	ev := proof.ConsistencyEvidence{TreeID: tc.TreeID, Old: old, OldNote: oldNote, New: &cur, NewNote: tc.Note}
	if proof.ConsistencyProofNeeded(old, cur) {
		hashes, err := l.consistencyProof(ctx, tc.TreeID, old.Size, cur.Size)
		if err != nil {
			// A log that cannot prove consistency from a size it signed
			// is as suspicious as a bad proof.
			r.Pass(StepRollback, "No rollback", fmt.Sprintf("size %d ≥ remembered %d", cur.Size, old.Size))
			r.Fail(StepConsistency, "Consistency", fmt.Errorf("fetching consistency proof %d → %d: %w", old.Size, cur.Size, err))
			return false
		}
		ev.Proof, tc.Proof = hashes, hashes
	}
	_, err := proof.JudgeConsistency(ev)
	var ie *proof.InconsistentError
	if errors.As(err, &ie) && ie.Kind == proof.Rollback {
		r.Fail(StepRollback, "No rollback", err, append(rememberedEvidence(old), checkpointEvidence(cur)...)...)
		return false
	}
	r.Pass(StepRollback, "No rollback", fmt.Sprintf("size %d ≥ remembered %d", cur.Size, old.Size))
	switch {
	case err != nil:
		r.Fail(StepConsistency, "Consistency", err, append(rememberedEvidence(old), checkpointEvidence(cur)...)...)
		return false
	case cur.Size == old.Size:
		r.Pass(StepConsistency, "Consistency", fmt.Sprintf("unchanged since last time (size %d, same root)", cur.Size))
	case old.Size == 0:
		r.Pass(StepConsistency, "Consistency", "the remembered tree was empty")
	default:
		r.Pass(StepConsistency, "Consistency", fmt.Sprintf("proof with %d hashes links size %d to %d", len(ev.Proof), old.Size, cur.Size),
			model.Evidence{Label: "remembered root", Value: hex.EncodeToString(old.RootHash)},
			model.Evidence{Label: "current root", Value: hex.EncodeToString(cur.RootHash)})
	}
	return true
}

func checkpointEvidence(cp model.Checkpoint) []model.Evidence {
	return []model.Evidence{
		{Label: "origin", Value: cp.Origin},
		{Label: "size", Value: strconv.FormatUint(cp.Size, 10)},
		{Label: "root", Value: hex.EncodeToString(cp.RootHash)},
	}
}

func rememberedEvidence(cp model.Checkpoint) []model.Evidence {
	return []model.Evidence{
		{Label: "remembered origin", Value: cp.Origin},
		{Label: "remembered", Value: fmt.Sprintf("size %d root %x", cp.Size, cp.RootHash)},
	}
}

// rememberedCheckpoint reads a remembered checkpoint back.
func rememberedCheckpoint(p *state.Checkpoint) (model.Checkpoint, error) {
	root, err := hex.DecodeString(p.RootHash)
	if err != nil || len(root) != 32 {
		return model.Checkpoint{}, fmt.Errorf("reading the remembered checkpoint: root hash %q is not 32 bytes of hex", p.RootHash)
	}
	return model.Checkpoint{Origin: p.Origin, Size: p.Size, RootHash: root}, nil
}

// consistencyProof fetches the proof that the tree of size from is a prefix
// of the tree of size to: from the Rekor v1 API (treeID selects the shard,
// "" the active one) or computed from a tiles log's tiles. The hashes are
// untrusted until proof.JudgeConsistency links two verified checkpoints.
func (l *Log) consistencyProof(ctx context.Context, treeID string, from, to uint64) ([][]byte, error) {
	if l.Rekor != nil {
		return rekorConsistencyProof(ctx, l.Rekor, from, to, treeID)
	}
	return l.Tiles.ConsistencyProof(ctx, from, to)
}
