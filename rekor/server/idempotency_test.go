package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// postBatch posts body to the batch endpoint, with Idempotency-Key key
// unless it is "".
func postBatch(t *testing.T, base, key string, body []byte) response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/api/v1/log/entries/batch", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// TestIdempotencyAfterRestart: a retry with the same Idempotency-Key after
// the log restarted gets the first answer byte for byte (entries with
// their proofs at the first answer's tree size, duplicates, invalid
// items, whole-request errors), later writes notwithstanding; the key
// with another body is refused; only the last idemKeep keys are kept.
func TestIdempotencyAfterRestart(t *testing.T) {
	dir := t.TempDir()
	g := newGen(t)
	e0 := entry(t, g, 0)
	body := fmt.Appendf(nil, `[%s,%s,%s,{"kind":"hashedrekord"}]`, e0, entry(t, g, 1), e0)
	l, srv := testLogIn(t, dir)
	first := postBatch(t, srv.URL, "k1", body)
	if first.status != http.StatusMultiStatus || !bytes.Contains(first.body, []byte(`"status":201`)) {
		t.Fatalf("first batch: %d %s", first.status, first.body)
	}
	bad := postBatch(t, srv.URL, "k2", []byte(`[]`))
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty batch: %d %s", bad.status, bad.body)
	}
	// Later writes move the tree on; the replay keeps the first proofs.
	if r := postBatch(t, srv.URL, "", fmt.Appendf(nil, `[%s]`, entry(t, g, 2))); r.status != http.StatusMultiStatus {
		t.Fatalf("later batch: %d %s", r.status, r.body)
	}
	srv.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l, srv = testLogIn(t, dir)
	defer func() { srv.Close(); _ = l.Close() }()
	if r := postBatch(t, srv.URL, "k1", body); r.status != first.status || !bytes.Equal(r.body, first.body) {
		t.Errorf("retry after restart: %d\n%s\nwant %d\n%s", r.status, r.body, first.status, first.body)
	}
	if r := postBatch(t, srv.URL, "k2", []byte(`[]`)); r.status != bad.status || !bytes.Equal(r.body, bad.body) {
		t.Errorf("retry of the refused batch after restart: %d %s, want %d %s", r.status, r.body, bad.status, bad.body)
	}
	if r := postBatch(t, srv.URL, "k1", []byte(`[{}]`)); r.status != http.StatusUnprocessableEntity {
		t.Errorf("key reused with another body after restart: %d %s, want 422", r.status, r.body)
	}
	if got := l.Size(); got != 3 {
		t.Errorf("Size() = %d, want 3: a retry stored entries again", got)
	}
	var refused int
	if err := l.db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM idempotency`).Scan(&refused); err != nil {
		t.Fatal(err)
	}
	if refused != 1 {
		t.Errorf("idempotency records = %d, want 1: only k1 logged entries", refused)
	}

	// Only the last idemKeep keys are kept: k1 is forgotten, its retry
	// is a new request and finds its entries already stored.
	l.idemKeep = 2
	for i, k := range []string{"k3", "k4"} {
		if r := postBatch(t, srv.URL, k, fmt.Appendf(nil, `[%s]`, entry(t, g, 3+i))); r.status != http.StatusMultiStatus {
			t.Fatalf("batch %s: %d %s", k, r.status, r.body)
		}
	}
	var kept int
	if err := l.db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM idempotency`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 2 {
		t.Errorf("idempotency keys kept = %d, want 2", kept)
	}
	r := postBatch(t, srv.URL, "k1", body)
	if r.status != http.StatusMultiStatus || bytes.Equal(r.body, first.body) || bytes.Contains(r.body, []byte(`"status":201`)) {
		t.Errorf("retry of a forgotten key: %d %s, want a new answer with no 201", r.status, r.body)
	}
}
