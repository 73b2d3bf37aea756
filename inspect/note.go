package inspect

import (
	"fmt"
	"strings"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// NoteKeys builds the note verifier keys for the log key and a signed note:
// one per signer name on the note's signature lines. For ECDSA (Rekor v1)
// the key hash does not commit to the name, so the name the log signs with
// (its host name) is taken from the note; for Ed25519 the hash commits to
// the name, so only the right name can match.
func (l *Log) NoteKeys(note string) ([]proof.NoteKey, error) {
	pub, err := proof.ParsePublicKeyPEM(l.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("parsing log key: %w", err)
	}
	names := map[string]bool{}
	if l.Def.Origin != "" {
		names[l.Def.Origin] = true
	}
	for _, line := range strings.Split(note, "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		if !ok {
			continue
		}
		if name, _, ok := strings.Cut(rest, " "); ok && name != "" {
			names[name] = true
		}
	}
	var keys []proof.NoteKey
	for name := range names {
		k, err := proof.NewLogKey(name, pub)
		if err != nil {
			continue // a name the key cannot carry (spaces, '+'): no match
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no signature line in the note names a signer")
	}
	return keys, nil
}

// VerifyNote verifies a signed checkpoint note with the log's key
// (proof.VerifyCheckpoint) and returns its body. The origin is bound when
// the log's is known: a tiles log's configured origin must match; a Rekor
// v1 log's origin "<host> - <treeID>" must name the configured or built-in
// host (originHost). CheckLog also binds an unknown log's origin to the
// first one seen (trust on first use).
func (l *Log) VerifyNote(note string) (*model.Checkpoint, error) {
	keys, err := l.NoteKeys(note)
	if err != nil {
		return nil, fmt.Errorf("verifying checkpoint: %w", err)
	}
	var opts proof.CheckpointOptions
	if l.Rekor == nil {
		opts.Origin = l.Def.Origin
	}
	vc, err := proof.VerifyCheckpoint([]byte(note), keys, opts)
	if err != nil {
		return nil, fmt.Errorf("verifying checkpoint: %w", err)
	}
	if want := l.originHost(); l.Rekor != nil && want != "" {
		if host, _, ok := proof.RekorV1Origin(vc.Origin); !ok || host != want {
			return nil, fmt.Errorf("verifying checkpoint: %w", &proof.OriginError{Got: vc.Origin, Want: want + " - <treeID>"})
		}
	}
	cp := vc.Checkpoint
	return &cp, nil
}

// originHost is the origin a Rekor v1 log's checkpoints must name, when it
// is known: the configured one (Def.Origin, a host or a whole "<host> -
// <treeID>" line, of which the host counts), else a built-in log's host.
// "" for a tiles log or an unknown one.
func (l *Log) originHost() string {
	if l.Rekor == nil {
		return ""
	}
	if l.Def.Origin != "" {
		if host, _, ok := proof.RekorV1Origin(l.Def.Origin); ok {
			return host
		}
		return l.Def.Origin
	}
	return knownOrigin(l.Def)
}

// SignedHead verifies a Rekor v1 log head (GET /api/v1/log): its signed
// note with the log's key (VerifyNote), whose origin must name the tree ID
// the head lists, and the size and root the head claims, which must be the
// signed ones (a *proof.HeadMismatchError otherwise). It returns the signed
// checkpoint: callers show and judge only its size and root.
func (l *Log) SignedHead(h model.LogInfo) (*model.Checkpoint, error) {
	cp, err := l.VerifyNote(h.SignedTreeHead)
	if err != nil {
		return nil, err
	}
	if _, tree, ok := proof.RekorV1Origin(cp.Origin); h.TreeID != "" && (!ok || tree != h.TreeID) {
		return nil, &proof.OriginError{Got: cp.Origin, Want: "<host> - " + h.TreeID}
	}
	if err := proof.CheckClaimedHead(h.TreeID, *cp, h.TreeSize, h.RootHash); err != nil {
		return nil, err
	}
	return cp, nil
}

// StepCheckpointOrigin is the step VerifyEntry adds when an entry's
// checkpoint names another origin than the log's.
const StepCheckpointOrigin = "checkpoint-origin"

// checkEntryOrigin fails r when a Rekor v1 entry's verified checkpoint
// names another host than the log's known or configured one (originHost):
// the log's key signed a checkpoint for some other log. (proof.ExplainEntry
// already binds the checkpoint's tree ID to the entry's.)
func (l *Log) checkEntryOrigin(r *model.Result, cp model.Checkpoint) {
	want := l.originHost()
	if l.Rekor == nil || want == "" {
		return
	}
	if host, _, ok := proof.RekorV1Origin(cp.Origin); !ok || host != want {
		r.Fail(StepCheckpointOrigin, "Checkpoint origin", &proof.OriginError{Got: cp.Origin, Want: want + " - <treeID>"})
	}
}
