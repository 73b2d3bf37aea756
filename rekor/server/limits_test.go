package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadJSONArray(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr error
	}{
		{"empty", ` [ ] `, nil, nil},
		{"scalars", `[1, "a" ,null]`, []string{`1`, `"a" `, `null`}, nil},
		{"nested", `[{"a":[1,2],"b":{"c":"]},\"["}},[[]]]`, []string{`{"a":[1,2],"b":{"c":"]},\"["}}`, `[[]]`}, nil},
		{"escaped backslash", `["\\",1]`, []string{`"\\"`, `1`}, nil},
		{"not an array", `{"a":1}`, nil, errNotArray},
		{"unterminated", `[1,2`, nil, errNotArray},
		{"trailing comma", `[1,]`, nil, errNotArray},
		{"empty item", `[,1]`, nil, errNotArray},
		{"stray brace", `[1}]`, nil, errNotArray},
		{"invalid item", `[{"a":}]`, nil, errNotArray},
		{"garbage after", `[1] x`, nil, errNotArray},
		{"two arrays", `[1][2]`, nil, errNotArray},
		{"too many", `[1,2,3,4]`, nil, errTooManyItems},
		{"too large", `[1,"` + strings.Repeat("x", 63) + `"]`, nil, errItemTooLarge},
		{"mismatched", `[{]}]`, nil, errNotArray},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			_, err := readJSONArray(strings.NewReader(tc.in), 3, 64, func(item []byte) error {
				got = append(got, string(item))
				return nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("readJSONArray(%q) = %v, want %v", tc.in, err, tc.wantErr)
			}
			if err == nil && fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("readJSONArray(%q) items = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader yields prefix, then unit repeated, without holding it all.
func repeatReader(prefix, unit string, count int) io.Reader {
	return io.MultiReader(strings.NewReader(prefix), &repeat{unit: unit, left: count})
}

type repeat struct {
	unit string
	left int
	off  int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.unit[r.off:])
		n += c
		r.off += c
		if r.off == len(r.unit) {
			r.off, r.left = 0, r.left-1
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestBatchRefusedWhileStreaming: an oversized array or item is refused
// after reading only what proves it too big, not the whole body (the old
// code read and decoded every byte first).
func TestBatchRefusedWhileStreaming(t *testing.T) {
	const maxBody = 64 << 10
	l, _ := testLog(t, Config{MaxBodyBytes: maxBody})
	h := l.Handler()
	tests := []struct {
		name     string
		body     io.Reader
		want     int
		maxRead  int64
		bodySize int64
	}{
		// Ten million tiny items: refused at the 101st.
		{"many items", repeatReader("[", "1,", 10_000_000), http.StatusUnprocessableEntity, 64 << 10, 20_000_001},
		// One 6 MB item: refused after 64 KiB of it.
		{"huge item", repeatReader(`[{"kind":"intoto","x":"`, "a", 6_000_000), http.StatusRequestEntityTooLarge, maxBody + 64<<10, 6_000_023},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cr := &countingReader{r: tc.body}
			req := httptest.NewRequest(http.MethodPost, batchPath, cr)
			req.ContentLength = -1 // streamed, as a chunked request
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("POST %s = %d %s, want %d", tc.name, rec.Code, rec.Body, tc.want)
			}
			if cr.n > tc.maxRead {
				t.Errorf("POST %s: the log read %d of %d body bytes before refusing it, want at most %d", tc.name, cr.n, tc.bodySize, tc.maxRead)
			}
		})
	}
	if got := l.bodies.inUse(); got != 0 {
		t.Errorf("bytes in flight after the requests = %d, want 0", got)
	}
}

// TestInFlightBudget: while one request holds most of the body budget,
// another that does not fit is answered 503 with Retry-After before its
// body is read; once the first is answered the budget is back.
func TestInFlightBudget(t *testing.T) {
	l, srv := testLog(t, Config{MaxBodyBytes: 32 << 10, MaxInFlightBytes: 40<<10 + 512})
	g := newGen(t)
	// A slow client: 40 KiB declared, a few bytes sent.
	c, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n[", batchPath, 40<<10)
	for l.bodies.inUse() == 0 {
		time.Sleep(time.Millisecond)
	}
	e := entry(t, g, 0)
	r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", e)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("POST while the budget is held = %d (Retry-After %q) %s, want 503 with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := call(t, http.MethodPost, srv.URL+batchPath, bytes.Repeat([]byte(" "), 100<<10)); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of a batch beyond the budget = %d, want 413", r.status)
	}
	_ = c.Close()
	for l.bodies.inUse() != 0 {
		time.Sleep(time.Millisecond)
	}
	if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", e); r.status != http.StatusCreated {
		t.Errorf("POST after the slow client left = %d %s, want 201", r.status, r.body)
	}
}

// TestIdempotencyKeyStorage: a key beyond maxIdempotencyKey is refused
// with 400; a batch that logs nothing leaves no record; a kept key is
// stored as its 32-byte SHA-256, whatever its length. 200 requests with
// 255-byte keys that log nothing do not grow the database.
func TestIdempotencyKeyStorage(t *testing.T) {
	dir := t.TempDir()
	l, srv := testLog(t, Config{Dir: dir})
	g := newGen(t)
	if r := postBatch(t, srv.URL, strings.Repeat("k", maxIdempotencyKey+1), fmt.Appendf(nil, `[%s]`, entry(t, g, 0))); r.status != http.StatusBadRequest {
		t.Errorf("batch with a %d-byte key = %d %s, want 400", maxIdempotencyKey+1, r.status, r.body)
	}
	if l.Size() != 0 {
		t.Fatalf("Size() = %d after a refused key, want 0", l.Size())
	}
	dbSize := func() int64 {
		var n int64
		for _, f := range []string{dbFileName, dbFileName + "-wal"} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	before := dbSize()
	for i := range 200 {
		key := fmt.Sprintf("%03d", i) + strings.Repeat("k", maxIdempotencyKey-3)
		if r := postBatch(t, srv.URL, key, []byte(`[{"kind":"hashedrekord"}]`)); r.status != http.StatusMultiStatus {
			t.Fatalf("batch %d: %d %s", i, r.status, r.body)
		}
	}
	grew := dbSize() - before
	t.Logf("database growth after 200 requests with %d-byte keys that logged nothing: %d bytes", maxIdempotencyKey, grew)
	count := func() (n int) {
		if err := l.db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM idempotency`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 || grew != 0 {
		t.Errorf("after 200 batches that logged nothing: %d idempotency records, database grew %d bytes; want none", n, grew)
	}
	long := strings.Repeat("q", maxIdempotencyKey)
	logging := fmt.Appendf(nil, `[%s]`, entry(t, g, 1))
	first := postBatch(t, srv.URL, long, logging)
	if first.status != http.StatusMultiStatus {
		t.Fatalf("logging batch: %d %s", first.status, first.body)
	}
	var klen int
	if err := l.db.r.QueryRowContext(context.Background(), `SELECT length(k) FROM idempotency`).Scan(&klen); err != nil {
		t.Fatal(err)
	}
	if klen != 32 {
		t.Errorf("stored key is %d bytes, want its 32-byte SHA-256", klen)
	}
	if r := postBatch(t, srv.URL, long, logging); !bytes.Equal(r.body, first.body) {
		t.Errorf("retry with the long key: %d %s, want the first answer", r.status, r.body)
	}
}

// TestTilePathsCanonical: a tile answers at its canonical URL only.
func TestTilePathsCanonical(t *testing.T) {
	_, srv := testLog(t, Config{})
	g := newGen(t)
	if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", entry(t, g, 0)); r.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", r.status, r.body)
	}
	if r := call(t, http.MethodGet, srv.URL+"/api/v2/tile/0/000.p/1", nil); r.status != http.StatusOK {
		t.Fatalf("GET canonical tile = %d %s", r.status, r.body)
	}
	for _, p := range []string{"0/+00.p/1", "+0/000.p/1", "0/x000/000.p/1", "0/000.p/+1", "00/000.p/1", "0/000.p/01", "entries/+00.p/1"} {
		if r := call(t, http.MethodGet, srv.URL+"/api/v2/tile/"+p, nil); r.status != http.StatusBadRequest && r.status != http.StatusNotFound {
			t.Errorf("GET /api/v2/tile/%s = %d, want 400 or 404", p, r.status)
		}
	}
}
