package server

import (
	"bytes"
	"context"
	"encoding/json"
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

// createBatch handles POST /api/v1/log/entries/batch: a JSON array of up to
// 100 proposed entries, answered with 207 Multi-Status and one BatchItem per
// entry. With an Idempotency-Key header a retry gets the first answer, also
// after a restart (see idempotency.go).
func (l *Log) createBatch(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		bodyError(w, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		ans, _ := l.batch(r.Context(), raw)
		writeAnswer(w, ans)
		return
	}
	ans, ok := l.idempotent(r.Context(), key, raw, l.batch)
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

// batch answers one batch request body. Its record (nil for a whole-request
// error) is what idempotency.go keeps to rebuild the same answer.
func (l *Log) batch(ctx context.Context, raw []byte) (answer, *batchRecord) {
	errAnswer := func(code int, msg string) (answer, *batchRecord) {
		b, _ := json.Marshal(&models.Error{Code: int64(code), Message: msg})
		return answer{code, b}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return errAnswer(http.StatusBadRequest, fmt.Sprintf("parsing request body: want a JSON array of proposed entries: %v", err))
	}
	if len(items) == 0 || len(items) > maxBatch {
		return errAnswer(http.StatusUnprocessableEntity, fmt.Sprintf("batch has %d entries, want 1 to %d", len(items), maxBatch))
	}
	res := make([]entryResult, len(items))
	var pes []models.ProposedEntry
	var at []int
	for i, it := range items {
		pe, err := readProposed(bytes.NewReader(it))
		if err != nil {
			rec := newRecorder()
			bodyError(rec, err)
			var e models.Error
			_ = json.Unmarshal(rec.buf.Bytes(), &e)
			res[i] = entryResult{status: rec.status, err: &e}
			continue
		}
		pes = append(pes, pe)
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
