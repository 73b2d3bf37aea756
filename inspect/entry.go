package inspect

import (
	"fmt"
	"time"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
)

// EntryCheck is a log entry and the outcome of verifying it with the log's
// key.
type EntryCheck struct {
	Entry model.LogEntry `json:"entry"`
	// LeafHash is the RFC 6962 leaf hash of the body.
	LeafHash []byte `json:"leafHash"`
	// Trace explains the inclusion proof hash by hash (nil without a proof).
	Trace *proof.InclusionTrace `json:"-"`
	// Checkpoint is the checkpoint the proof leads to, when it was opened.
	Checkpoint *model.Checkpoint `json:"checkpoint,omitempty"`
	Result     *model.Result     `json:"result"`
}

// VerifyEntry verifies a log entry as the log returned it, offline, with
// proof.ExplainEntry: leaf hash against the entry ID, log ID, SET (global
// index), inclusion proof (shard index), checkpoint signature and its
// agreement with the proof. now bounds the integrated time (zero: no bound).
//
// Entries of a tiles log (no SET) are checked from the leaf hash through the
// inclusion proof to the signed checkpoint.
func (l *Log) VerifyEntry(e model.LogEntry, now time.Time) *EntryCheck {
	if l.Tiles != nil {
		return l.verifyTiledEntry(e)
	}
	c := &EntryCheck{Entry: e}
	pub, err := proof.ParsePublicKeyPEM(l.KeyPEM)
	if err != nil {
		c.Result = &model.Result{Subject: fmt.Sprintf("entry %d", e.LogIndex)}
		c.Result.Fail(proof.StepSET, "Log key", fmt.Errorf("parsing log key: %w", err))
		return c
	}
	rep := proof.ExplainEntry(e, proof.LogKeys{Public: pub, Name: l.originHost()}, proof.EntryOptions{Now: now})
	c.Result, c.LeafHash, c.Trace = rep.Result, rep.LeafHash, rep.Inclusion
	if rep.Checkpoint != nil {
		cp := rep.Checkpoint.Checkpoint
		c.Checkpoint = &cp
		l.checkEntryOrigin(c.Result, cp)
	}
	return c
}
