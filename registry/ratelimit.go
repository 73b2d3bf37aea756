package registry

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/provscope/provscope/internal/safetext"
)

// Defaults for RateLimit fields left zero.
const (
	DefaultRateLimitRetries   = 3
	DefaultMaxRetryAfter      = 30 * time.Second
	DefaultMaxTotalRetryAfter = 60 * time.Second
)

// RateLimit says how a Client answers 429 Too Many Requests. A 429 is
// retried after the wait its Retry-After header asks for (seconds or an HTTP
// date; without one, Config.Retry's initial duration, doubling), at most MaxRetries times per request, only when that wait is at
// most MaxWait and the request's waits add up to at most MaxTotalWait;
// otherwise the 429 is returned to the caller as a *StatusError with
// StatusCode 429. Waits end early when the request's context ends.
type RateLimit struct {
	// MaxRetries bounds the retries of one request; negative disables them.
	MaxRetries int
	// MaxWait bounds one wait; a longer Retry-After is not waited for.
	MaxWait time.Duration
	// MaxTotalWait bounds the sum of one request's waits.
	MaxTotalWait time.Duration
	// Sleep waits for d or until ctx ends; nil means a timer. Tests pass a
	// fake that records the waits and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

func (r RateLimit) withDefaults() RateLimit {
	if r.MaxRetries == 0 {
		r.MaxRetries = DefaultRateLimitRetries
	}
	if r.MaxWait <= 0 {
		r.MaxWait = DefaultMaxRetryAfter
	}
	if r.MaxTotalWait <= 0 {
		r.MaxTotalWait = DefaultMaxTotalRetryAfter
	}
	if r.Sleep == nil {
		r.Sleep = sleepCtx
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Quota is a registry's pull quota as its last answer stated it in
// Docker Hub's headers: "ratelimit-limit: 100;w=21600",
// "ratelimit-remaining: 76;w=21600", "docker-ratelimit-source: <ip or id>".
type Quota struct {
	// Host is the registry that sent the headers.
	Host string `json:"host"`
	// Limit and Remaining are pulls per Window; -1 when the header was absent.
	Limit     int           `json:"limit"`
	Remaining int           `json:"remaining"`
	Window    time.Duration `json:"window"`
	// Source is the docker-ratelimit-source header (who is being counted).
	Source string `json:"source,omitempty"`
}

// Quota returns the pull quota stated by the last registry answer that
// carried rate-limit headers, and false when none has.
func (c *Client) Quota() (Quota, bool) {
	return c.rate.quota()
}

// parseRateLimitHeader parses "N" or "N;w=SECONDS" (Docker Hub). ok is false
// for anything else.
func parseRateLimitHeader(v string) (n int, window time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 64 {
		return 0, 0, false
	}
	num, params, _ := strings.Cut(v, ";")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 {
		return 0, 0, false
	}
	for p := range strings.SplitSeq(params, ";") {
		k, val, found := strings.Cut(strings.TrimSpace(p), "=")
		if found && k == "w" {
			s, err := strconv.Atoi(val)
			if err != nil || s < 0 || s > 366*24*3600 {
				return 0, 0, false
			}
			window = time.Duration(s) * time.Second
		}
	}
	return n, window, true
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 || s > 1<<31 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// rateTransport retries 429 answers as RateLimit says and records the
// quota headers of every answer.
type rateTransport struct {
	next http.RoundTripper
	cfg  RateLimit
	// fallback is the first wait for a 429 without Retry-After.
	fallback time.Duration

	mu   sync.Mutex
	last Quota
	seen bool
}

func (t *rateTransport) quota() (Quota, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, t.seen
}

func (t *rateTransport) record(host string, h http.Header) {
	limit, lw, okL := parseRateLimitHeader(h.Get("Ratelimit-Limit"))
	rem, rw, okR := parseRateLimitHeader(h.Get("Ratelimit-Remaining"))
	if !okL && !okR {
		return
	}
	// The source is foreign text: sanitised and cut where it enters.
	q := Quota{Host: host, Limit: -1, Remaining: -1, Window: max(lw, rw), Source: safetext.Truncate(h.Get("Docker-Ratelimit-Source"), 64)}
	if okL {
		q.Limit = limit
	}
	if okR {
		q.Remaining = rem
	}
	t.mu.Lock()
	t.last, t.seen = q, true
	t.mu.Unlock()
}

func (t *rateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(req.Context())
			if req.Body != nil && req.Body != http.NoBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		t.record(req.URL.Host, resp.Header)
		if resp.StatusCode != http.StatusTooManyRequests || attempt >= t.cfg.MaxRetries {
			return resp, nil
		}
		if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
			return resp, nil // cannot replay the body
		}
		wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.cfg.Now())
		if !ok {
			wait = t.fallback << attempt
		}
		if wait > t.cfg.MaxWait || waited+wait > t.cfg.MaxTotalWait {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := t.cfg.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}
