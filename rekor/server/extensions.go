package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/sigstore/rekor/pkg/generated/models"
)

// BatchItem is one result of POST /api/v1/log/entries/batch, in request
// order: Status is the HTTP status a single POST of that entry would have
// got (201, 409, 400, 422...). Entry is set for 201, EntryID for 201 and
// 409, Error otherwise.
type BatchItem struct {
	Status  int             `json:"status"`
	EntryID string          `json:"entryID,omitempty"`
	Entry   models.LogEntry `json:"entry,omitempty"`
	Error   *models.Error   `json:"error,omitempty"`
}

// maxIdempotencyKey is the longest Idempotency-Key accepted, in bytes
// (400 beyond it). Keys are stored as their SHA-256, so a long key costs no
// storage, but nothing needs more: a UUID takes 36 bytes.
const maxIdempotencyKey = 255

// createBatch handles POST /api/v1/log/entries/batch: a JSON array of up to
// 100 proposed entries, answered with 207 Multi-Status and one BatchItem per
// entry. With an Idempotency-Key header a retry gets the first answer, also
// after a restart (see idempotency.go).
func (l *Log) createBatch(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Idempotency-Key of %d bytes, want at most %d", len(key), maxIdempotencyKey))
		return
	}
	h := sha256.New()
	items, bad := l.readBatch(io.TeeReader(r.Body, h))
	if bad != nil {
		writeAnswer(w, *bad)
		return
	}
	compute := func(ctx context.Context) (answer, *batchRecord) { return l.batch(ctx, items) }
	if key == "" {
		ans, _ := compute(r.Context())
		writeAnswer(w, ans)
		return
	}
	var body [sha256.Size]byte
	h.Sum(body[:0])
	ans, ok := l.idempotent(r.Context(), sha256.Sum256([]byte(key)), body, compute)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key reused with a different request body")
		return
	}
	writeAnswer(w, ans)
}

// answer is a whole HTTP answer: status and JSON body.
type answer struct {
	status int
	body   []byte
}

func writeAnswer(w http.ResponseWriter, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// errorAnswer is the answer {"code":code,"message":msg}.
func errorAnswer(code int, msg string) answer {
	b, _ := json.Marshal(&models.Error{Code: int64(code), Message: msg})
	return answer{code, b}
}

// batchItem is one parsed item of a batch: a proposed entry, or the error
// answering it.
type batchItem struct {
	pe  models.ProposedEntry
	err *entryResult
}

// readBatch reads a batch body as a stream (see readJSONArray), parsing
// each item as it comes, and returns the items or the answer refusing the
// whole request.
func (l *Log) readBatch(r io.Reader) ([]batchItem, *answer) {
	var items []batchItem
	n, err := readJSONArray(r, maxBatch, l.cfg.MaxBodyBytes, func(raw []byte) error {
		pe, err := readProposed(bytes.NewReader(raw))
		if err != nil {
			rec := newRecorder()
			bodyError(rec, err)
			var e models.Error
			_ = json.Unmarshal(rec.buf.Bytes(), &e)
			items = append(items, batchItem{err: &entryResult{status: rec.status, err: &e}})
			return nil
		}
		items = append(items, batchItem{pe: pe})
		return nil
	})
	var mbe *http.MaxBytesError
	var a answer
	switch {
	case errors.Is(err, errTooManyItems):
		a = errorAnswer(http.StatusUnprocessableEntity, fmt.Sprintf("batch has more than %d entries, want 1 to %d", maxBatch, maxBatch))
	case errors.Is(err, errItemTooLarge):
		a = errorAnswer(http.StatusRequestEntityTooLarge, fmt.Sprintf("batch item %d is larger than %d bytes", n, l.cfg.MaxBodyBytes))
	case errors.As(err, &mbe):
		a = errorAnswer(http.StatusRequestEntityTooLarge, "Request Entity Too Large")
	case err != nil:
		a = errorAnswer(http.StatusBadRequest, fmt.Sprintf("parsing request body: %v", err))
	case n == 0:
		a = errorAnswer(http.StatusUnprocessableEntity, fmt.Sprintf("batch has 0 entries, want 1 to %d", maxBatch))
	default:
		return items, nil
	}
	return nil, &a
}

// batch answers one parsed batch. Its record is what idempotency.go keeps
// to rebuild the same answer.
func (l *Log) batch(ctx context.Context, items []batchItem) (answer, *batchRecord) {
	res := make([]entryResult, len(items))
	var pes []models.ProposedEntry
	var at []int
	for i, it := range items {
		if it.err != nil {
			res[i] = *it.err
			continue
		}
		pes = append(pes, it.pe)
		at = append(at, i)
	}
	sub, snap := l.submitEntries(ctx, pes)
	for k, i := range at {
		res[i] = sub[k]
	}
	rec := newBatchRecord(res, snap)
	return encodeBatch(res), rec
}

// encodeBatch encodes a batch's results as its 207 answer.
func encodeBatch(res []entryResult) answer {
	b, err := appendBatchJSON(make([]byte, 0, 3072*len(res)), res)
	if err != nil {
		return answer{http.StatusInternalServerError, []byte(`{"code":500,"message":"encoding response"}`)}
	}
	return answer{http.StatusMultiStatus, append(b, '\n')}
}

// recorder captures one error response for a batch item.
type recorder struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func newRecorder() *recorder                    { return &recorder{h: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }

// limiter is a per-client token bucket; a nil limiter allows everything.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	if rate <= 0 {
		return nil
	}
	b := float64(burst)
	if b <= 0 {
		b = math.Max(1, 2*rate)
	}
	return &limiter{rate: rate, burst: b, buckets: map[string]*bucket{}, now: now}
}

// allow takes a token for client; when none is left it returns the seconds
// to wait for the next one.
func (l *limiter) allow(client string) (int, bool) {
	if l == nil {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) > 100000 { // drop idle buckets
			for k, v := range l.buckets {
				if now.Sub(v.last).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return int(math.Ceil((1 - b.tokens) / l.rate)), false
}

// clientKey identifies the client for rate limiting: its IP address.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
