package inspect

import (
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// logNote is how the log's checkpoints are verified (proof.LogNote): its
// key, configured origin and, for a Rekor v1 log, the host its origins
// must name (originHost).
func (l *Log) logNote() proof.LogNote {
	return proof.LogNote{KeyPEM: l.KeyPEM, Origin: l.Def.Origin, RekorV1: l.Rekor != nil, Host: l.originHost()}
}

// NoteKeys builds the note verifier keys for the log key and a signed note
// (proof.LogNote.Keys): one per signer name on the note's signature lines.
func (l *Log) NoteKeys(note string) ([]proof.NoteKey, error) {
	return l.logNote().Keys(note)
}

// VerifyNote verifies a signed checkpoint note with the log's key and
// returns its body (proof.LogNote.Verify). The origin is bound when the
// log's is known: a tiles log's configured origin must match; a Rekor v1
// log's origin "<host> - <treeID>" must name the configured or built-in
// host (originHost). CheckLog also binds an unknown log's origin to the
// first one seen (trust on first use).
func (l *Log) VerifyNote(note string) (*model.Checkpoint, error) {
	return l.logNote().Verify(note)
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

// SignedHead verifies a Rekor v1 log head (GET /api/v1/log) with
// proof.LogNote.VerifyHead: its signed note with the log's key, whose origin
// must name the tree ID the head lists, and the size and root the head
// claims, which must be the signed ones (a *proof.HeadMismatchError
// otherwise). It returns the signed checkpoint: callers show and judge only
// its size and root.
func (l *Log) SignedHead(h model.LogInfo) (*model.Checkpoint, error) {
	return l.logNote().VerifyHead(h)
}

// StepCheckpointOrigin is the step VerifyEntry adds when an entry's
// checkpoint names another origin than the log's.
const StepCheckpointOrigin = proof.StepCheckpointOrigin

// checkEntryOrigin fails r when a Rekor v1 entry's verified checkpoint
// names another host than the log's known or configured one (originHost):
// proof.LogNote.CheckEntryOrigin decides.
func (l *Log) checkEntryOrigin(r *model.Result, cp model.Checkpoint) {
	l.logNote().CheckEntryOrigin(r, cp)
}
