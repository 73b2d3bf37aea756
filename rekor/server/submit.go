package server

// This file is the write path between the HTTP handlers (api.go) and the
// sequencer (log.go): proposed entries are validated and canonicalised on
// all CPUs, handed to the sequencer together, and answered with their
// entry, SET and inclusion proof (logEntry, which the read handlers use
// too).

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// entryResult is one submitted entry's outcome.
type entryResult struct {
	status int
	id     string
	index  uint64 // the entry's index for 201, the existing one's for 409
	entry  *models.LogEntryAnon
	err    *models.Error
}

// duplicateResult is the 409 answer for an entry equal to entry index,
// whose ID is id.
func duplicateResult(id string, index uint64) entryResult {
	return entryResult{status: http.StatusConflict, id: id, index: index, err: &models.Error{Code: 409, Message: fmt.Sprintf("an equivalent entry already exists in the transparency log with UUID %s", id)}}
}

// submitEntries validates, sequences and answers the proposed entries.
// Validation (signature checks) and answers (SET, proof) run in parallel;
// the sequencer commits them in order. snap is the state the answers'
// proofs are for (nil when no entry reached the sequencer).
func (l *Log) submitEntries(ctx context.Context, pes []models.ProposedEntry) (out []entryResult, snap *snapshot) {
	out = make([]entryResult, len(pes))
	prep := make([]*prepared, len(pes))
	parallel(len(pes), func(i int) {
		p, err := canonicalize(ctx, pes[i], true)
		if err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, errEntryInvalid) {
				code = http.StatusBadRequest
			}
			out[i] = entryResult{status: code, err: &models.Error{Code: int64(code), Message: fmt.Sprintf("error processing entry: %v", err)}}
			return
		}
		if p.stored, err = l.codec.encode(p.body); err != nil {
			out[i] = entryResult{status: http.StatusInternalServerError, err: &models.Error{Code: 500, Message: err.Error()}}
			return
		}
		prep[i] = p
	})
	var ps []*prepared
	var at []int
	for i, p := range prep {
		if p != nil {
			ps = append(ps, p)
			at = append(at, i)
		}
	}
	if len(ps) == 0 {
		return out, nil
	}
	res, err := l.append(ctx, ps)
	if err != nil {
		for _, i := range at {
			out[i] = entryResult{status: http.StatusInternalServerError, err: &models.Error{Code: 500, Message: err.Error()}}
		}
		return out, nil
	}
	snap = l.state.Load()
	parallel(len(at), func(k int) {
		i, r := at[k], res[k]
		id := l.entryID(ps[k].leaf)
		switch {
		case r.err != nil:
			out[i] = entryResult{status: http.StatusInternalServerError, err: &models.Error{Code: 500, Message: "unexpected result from transparency log"}}
		case r.duplicate:
			out[i] = duplicateResult(id, r.index)
		default:
			e, err := l.logEntry(ctx, snap, r.index, r.integratedTime, ps[k].body, r.set, false)
			if err != nil {
				out[i] = entryResult{status: http.StatusInternalServerError, err: &models.Error{Code: 500, Message: err.Error()}}
				return
			}
			out[i] = entryResult{status: http.StatusCreated, id: id, index: r.index, entry: e}
		}
	})
	return out, snap
}

// logEntry builds the full response for entry index of snapshot s (which
// must contain it): body, SET and inclusion proof with signed checkpoint.
// set is the SET stored with the entry. With stored (an entry read back
// from the database rather than just committed) the SET must verify with
// the log key over this body, time and index: the log never signs a SET
// again (a missing or wrong one is damage, a *DamageError).
func (l *Log) logEntry(ctx context.Context, s *snapshot, index uint64, integratedTime int64, body, set []byte, stored bool) (*models.LogEntryAnon, error) {
	idx := int64(index) //nolint:gosec // indices fit int64
	e := &models.LogEntryAnon{
		Body:           base64.StdEncoding.EncodeToString(body),
		IntegratedTime: &integratedTime,
		LogID:          &l.logID,
		LogIndex:       &idx,
	}
	if set == nil {
		return nil, &DamageError{Begin: index, End: index + 1, Reason: "no signed entry timestamp is stored (the log never signs one again)"}
	}
	if stored {
		if err := l.verifySET(e, set); err != nil {
			return nil, err
		}
	}
	hashes, err := l.inclusionProof(ctx, s, index)
	if err != nil {
		return nil, fmt.Errorf("building inclusion proof: %w", err)
	}
	hx := make([]string, len(hashes))
	for i, h := range hashes {
		hx[i] = hex.EncodeToString(h)
	}
	size := int64(s.size) //nolint:gosec // sizes fit int64
	root := hex.EncodeToString(s.root)
	cp := string(s.checkpoint)
	e.Verification = &models.LogEntryAnonVerification{
		SignedEntryTimestamp: set,
		InclusionProof: &models.InclusionProof{
			LogIndex: &idx, TreeSize: &size, RootHash: &root, Hashes: hx, Checkpoint: &cp,
		},
	}
	return e, nil
}
