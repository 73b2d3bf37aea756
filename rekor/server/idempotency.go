package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// Idempotency-Key answers of POST /api/v1/log/entries/batch are stored in
// the idempotency table, so that a retry gets the first answer byte for
// byte, also after a restart, for the last idemKeep keys. A key is at most
// maxIdempotencyKey bytes and stored as its SHA-256 (32 bytes in column k,
// whatever its length), and only for a request that logged at least one
// entry: a retry of one that logged nothing (all invalid or duplicates, or
// a refused body) is simply answered again, the same way. A 207 answer is
// not stored whole (up to 100 entries with proofs, about 250 KB) but as a
// batchRecord of about 1 KB: each item's status and entry index or error,
// and the tree state its proofs were for. Entries, SETs and tiles are
// immutable, so rebuilding the answer from the record gives the same bytes.
//
// The record is written after the entries' transaction has committed and
// before the answer is sent. If the process dies between the two, the
// client never got an answer, and its retry is answered as a new request:
// 409 for the entries already stored, as Rekor answers a repeated entry.

// idemKeep is how many Idempotency-Keys the log remembers.
const idemKeep = 10000

// batchRecord is what the idempotency table keeps of a 207 answer.
type batchRecord struct {
	Items      []recordItem `json:"items"`
	Size       uint64       `json:"size,omitempty"`
	Root       []byte       `json:"root,omitempty"`
	Checkpoint []byte       `json:"checkpoint,omitempty"`
}

// recordItem is one batch item: its status and the entry index (201, 409)
// or the error (any other status).
type recordItem struct {
	Status int           `json:"s"`
	Index  *uint64       `json:"i,omitempty"`
	Err    *models.Error `json:"e,omitempty"`
}

func newBatchRecord(res []entryResult, snap *snapshot) *batchRecord {
	rec := &batchRecord{Items: make([]recordItem, len(res))}
	if snap != nil {
		rec.Size, rec.Root, rec.Checkpoint = snap.size, snap.root, snap.checkpoint
	}
	for i, r := range res {
		it := recordItem{Status: r.status}
		if r.status == http.StatusCreated || r.status == http.StatusConflict {
			idx := r.index
			it.Index = &idx
		} else {
			it.Err = r.err
		}
		rec.Items[i] = it
	}
	return rec
}

// replay rebuilds the answer rec was made from.
func (l *Log) replay(ctx context.Context, rec *batchRecord) (answer, error) {
	cur := l.state.Load()
	if rec.Size > cur.size {
		return answer{}, fmt.Errorf("replaying batch answer: tree size %d beyond the log's %d", rec.Size, cur.size)
	}
	// The state the first answer's proofs were for. Tiles only grow, so
	// the current edge tiles hold every node a proof at rec.Size needs.
	then := &snapshot{size: rec.Size, root: rec.Root, checkpoint: rec.Checkpoint, edge: cur.edge, edgeTrees: cur.edgeTrees}
	res := make([]entryResult, len(rec.Items))
	for i, it := range rec.Items {
		switch {
		case it.Status == http.StatusCreated && it.Index != nil:
			id, e, err := l.entryByIndex(ctx, then, *it.Index)
			if err != nil {
				return answer{}, fmt.Errorf("replaying batch item %d: %w", i, err)
			}
			res[i] = entryResult{status: it.Status, id: id, index: *it.Index, entry: e}
		case it.Status == http.StatusConflict && it.Index != nil:
			leaf, err := l.leafAt(ctx, cur, *it.Index)
			if err != nil {
				return answer{}, fmt.Errorf("replaying batch item %d: %w", i, err)
			}
			res[i] = duplicateResult(l.entryID(leaf), *it.Index)
		default:
			res[i] = entryResult{status: it.Status, err: it.Err}
		}
	}
	return encodeBatch(res), nil
}

// idempotent answers a request carrying an Idempotency-Key whose SHA-256
// is key, for a body whose SHA-256 is body: the first request with that key
// is answered by compute and its answer stored if it logged an entry
// (nothing is kept for a request that logged nothing: its retry is
// answered anew, the same way); later ones get the same answer. ok is false
// when key was first used with another request body.
func (l *Log) idempotent(ctx context.Context, key, body [32]byte, compute func(context.Context) (answer, *batchRecord)) (ans answer, ok bool) {
	mine := body
	slot, first := l.idem.claim(key)
	if !first { // the same key in flight: wait for its answer
		<-slot.ready
		return slot.answer, slot.bodyHash == mine
	}
	sum := mine // of the request the answer is for
	// Written after the entries commit: a client leaving must not stop it.
	ctx = context.WithoutCancel(ctx)
	storedSum, stored, found, err := l.loadAnswer(ctx, key)
	switch {
	case err != nil:
		l.log.Error("reading idempotency key", "err", err)
		ans = answer{http.StatusInternalServerError, []byte(`{"code":500,"message":"reading idempotency key"}`)}
	case found:
		sum, ans = storedSum, stored
	default:
		var rec *batchRecord
		ans, rec = compute(ctx)
		if ans.status < 500 && rec.logged() {
			if err := l.storeAnswer(ctx, key, sum, ans, rec); err != nil {
				// The entries are committed: answer them all the same.
				l.log.Error("storing idempotency key", "err", err)
			}
		}
	}
	l.idem.finish(key, slot, sum, ans)
	return ans, sum == mine
}

// logged reports whether the batch rec records stored at least one new
// entry.
func (rec *batchRecord) logged() bool {
	if rec == nil {
		return false
	}
	for _, it := range rec.Items {
		if it.Status == http.StatusCreated {
			return true
		}
	}
	return false
}

// loadAnswer reads the stored answer for key.
func (l *Log) loadAnswer(ctx context.Context, key [32]byte) (sum [32]byte, ans answer, found bool, err error) {
	hash, status, blob, found, err := l.db.answer(ctx, key)
	if err != nil || !found {
		return sum, ans, false, err
	}
	if len(hash) != len(sum) {
		return sum, ans, false, fmt.Errorf("reading idempotency key: body hash of %d bytes, want %d", len(hash), len(sum))
	}
	copy(sum[:], hash)
	if status != http.StatusMultiStatus {
		return sum, answer{status, blob}, true, nil
	}
	var rec batchRecord
	if err := json.Unmarshal(blob, &rec); err != nil {
		return sum, ans, false, fmt.Errorf("decoding stored batch answer: %w", err)
	}
	if ans, err = l.replay(ctx, &rec); err != nil {
		return sum, ans, false, err
	}
	return sum, ans, true, nil
}

// storeAnswer keeps the answer for key (its record for a 207) and forgets
// all but the last idemKeep keys.
func (l *Log) storeAnswer(ctx context.Context, key [32]byte, sum [32]byte, ans answer, rec *batchRecord) (err error) {
	blob := ans.body
	if ans.status == http.StatusMultiStatus {
		if blob, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("encoding batch record: %w", err)
		}
	}
	return l.db.putAnswer(ctx, key, sum, ans.status, blob, l.idemKeep)
}

// idemFlight holds the batch requests in flight by Idempotency-Key, so a
// retry arriving before the first answer waits for it instead of
// submitting again. Finished answers are read from the database.
type idemFlight struct {
	mu    sync.Mutex
	slots map[[32]byte]*idemSlot
}

type idemSlot struct {
	ready    chan struct{}
	bodyHash [32]byte // of the request the answer is for; set before ready closes
	answer   answer
}

func newIdemFlight() *idemFlight {
	return &idemFlight{slots: map[[32]byte]*idemSlot{}}
}

// claim returns the slot for key; first is true when the caller must
// answer and call finish.
func (c *idemFlight) claim(key [32]byte) (*idemSlot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.slots[key]; ok {
		return s, false
	}
	s := &idemSlot{ready: make(chan struct{})}
	c.slots[key] = s
	return s, true
}

// finish publishes the answer to the waiters and ends the flight.
func (c *idemFlight) finish(key [32]byte, s *idemSlot, bodyHash [32]byte, ans answer) {
	s.bodyHash, s.answer = bodyHash, ans
	close(s.ready)
	c.mu.Lock()
	if c.slots[key] == s {
		delete(c.slots, key)
	}
	c.mu.Unlock()
}
