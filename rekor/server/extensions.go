package server

import (
	"bytes"
	"crypto/sha256"
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
// entry. With an Idempotency-Key header a retry gets the first answer.
func (l *Log) createBatch(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		bodyError(w, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	var slot *idemSlot
	if key != "" {
		var first bool
		slot, first = l.idem.claim(key, raw)
		if !first {
			<-slot.ready
			if slot.bodyHash != sha256.Sum256(raw) {
				writeError(w, http.StatusUnprocessableEntity, "Idempotency-Key reused with a different request body")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(slot.status)
			_, _ = w.Write(slot.body)
			return
		}
	}
	status, body := l.batch(r, raw)
	if slot != nil {
		l.idem.finish(key, slot, status, body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (l *Log) batch(r *http.Request, raw []byte) (int, []byte) {
	errBody := func(code int, msg string) (int, []byte) {
		b, _ := json.Marshal(&models.Error{Code: int64(code), Message: msg})
		return code, b
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return errBody(http.StatusBadRequest, fmt.Sprintf("parsing request body: want a JSON array of proposed entries: %v", err))
	}
	if len(items) == 0 || len(items) > maxBatch {
		return errBody(http.StatusUnprocessableEntity, fmt.Sprintf("batch has %d entries, want 1 to %d", len(items), maxBatch))
	}
	out := make([]BatchItem, len(items))
	var pes []models.ProposedEntry
	var at []int
	for i, it := range items {
		pe, err := readProposed(bytes.NewReader(it))
		if err != nil {
			rec := newRecorder()
			bodyError(rec, err)
			var e models.Error
			_ = json.Unmarshal(rec.buf.Bytes(), &e)
			out[i] = BatchItem{Status: rec.status, Error: &e}
			continue
		}
		pes = append(pes, pe)
		at = append(at, i)
	}
	res := l.submitEntries(r.Context(), pes)
	for k, i := range at {
		it := BatchItem{Status: res[k].status, EntryID: res[k].id, Error: res[k].err}
		if res[k].entry != nil {
			it.Entry = models.LogEntry{res[k].id: *res[k].entry}
		}
		out[i] = it
	}
	b, err := json.Marshal(out)
	if err != nil {
		return errBody(http.StatusInternalServerError, "encoding response")
	}
	return http.StatusMultiStatus, append(b, '\n')
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

// idemCache remembers the answers to batch requests by Idempotency-Key, in
// memory, for the most recent max keys.
type idemCache struct {
	mu    sync.Mutex
	max   int
	slots map[string]*idemSlot
	order []string
}

type idemSlot struct {
	ready    chan struct{}
	bodyHash [32]byte
	status   int
	body     []byte
}

func newIdemCache(max int) *idemCache {
	return &idemCache{max: max, slots: map[string]*idemSlot{}}
}

// claim returns the slot for key; first is true when the caller must
// compute the answer and call finish.
func (c *idemCache) claim(key string, body []byte) (*idemSlot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.slots[key]; ok {
		return s, false
	}
	s := &idemSlot{ready: make(chan struct{}), bodyHash: sha256.Sum256(body)}
	c.slots[key] = s
	c.order = append(c.order, key)
	if len(c.order) > c.max {
		delete(c.slots, c.order[0])
		c.order = c.order[1:]
	}
	return s, true
}

func (c *idemCache) finish(key string, s *idemSlot, status int, body []byte) {
	s.status, s.body = status, body
	close(s.ready)
	if status >= 500 { // let a retry try again
		c.mu.Lock()
		if c.slots[key] == s {
			delete(c.slots, key)
		}
		c.mu.Unlock()
	}
}

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
