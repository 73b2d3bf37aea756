package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// retryTransport retries idempotent-safe failures (429 and 5xx other than
// 501) with exponential backoff, honouring Retry-After, and caps how many
// bytes of any response body can be read.
type retryTransport struct {
	base       http.RoundTripper
	maxRetries int
	minWait    time.Duration
	maxWait    time.Duration
	maxBody    int64
	userAgent  string
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.userAgent != "" && req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.userAgent)
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errors.New("retrying request: body cannot be replayed")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("replaying request body: %w", err)
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if !retryable(resp.StatusCode) || attempt >= t.maxRetries {
			resp.Body = &limitedBody{rc: resp.Body, left: t.maxBody, max: t.maxBody}
			return resp, nil
		}
		wait := t.backoff(attempt, resp.Header.Get("Retry-After"))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		if err := sleep(req.Context(), wait); err != nil {
			return nil, fmt.Errorf("waiting to retry %s %s after status %d: %w", req.Method, req.URL.Path, resp.StatusCode, err)
		}
	}
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented)
}

// backoff returns how long to wait before retry attempt+1: Retry-After when
// the server sent one (capped at maxWait), else minWait doubled per attempt.
func (t *retryTransport) backoff(attempt int, retryAfter string) time.Duration {
	if s, err := strconv.Atoi(retryAfter); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, t.maxWait)
	}
	if when, err := http.ParseTime(retryAfter); err == nil {
		return min(max(time.Until(when), 0), t.maxWait)
	}
	d := t.minWait << min(attempt, 16)
	return min(d, t.maxWait)
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// ResponseTooLargeError reports a response body longer than the client's
// limit.
type ResponseTooLargeError struct{ Limit int64 }

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("response body exceeds %d bytes", e.Limit)
}

// limitedBody fails a read once more than max bytes were delivered, rather
// than silently truncating (a truncated JSON document would be misread).
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &ResponseTooLargeError{Limit: b.max}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - int(-b.left), &ResponseTooLargeError{Limit: b.max}
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
