package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestLeafFilter(t *testing.T) {
	f := newLeafFilter(0)
	leaf := func(i int) []byte {
		h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i))) //nolint:gosec // i >= 0
		return h[:]
	}
	const n = 100000
	for i := range n {
		f.add(leaf(i))
	}
	for i := range n {
		if !f.mayContain(leaf(i)) {
			t.Fatalf("mayContain(leaf %d) = false after add", i)
		}
	}
	fp := 0
	for i := n; i < 2*n; i++ {
		if f.mayContain(leaf(i)) {
			fp++
		}
	}
	// Far below capacity the false positive rate is far below 1%.
	if fp > n/1000 {
		t.Errorf("%d false positives in %d, want at most %d", fp, n, n/1000)
	}
	if f.full() {
		t.Errorf("full() = true at %d of %d", f.n, f.capacity)
	}
}

// TestDuplicatesAfterRestart: the leaf filter rebuilt on start, or when
// over capacity, holds the leaves of stored full tiles and of the partial
// right edge, so resubmitted entries are answered 409 with the original ID.
func TestDuplicatesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	g := newGen(t)
	const n = tileWidth + 44
	var batch [][]byte
	for i := range n {
		batch = append(batch, entry(t, g, i))
	}
	l, srv := testLogIn(t, dir)
	ids := map[int]string{}
	for i := 0; i < n; i += maxBatch {
		body := append([]byte{'['}, bytes.Join(batch[i:min(i+maxBatch, n)], []byte{','})...)
		r := postBatch(t, srv.URL, "", append(body, ']'))
		if r.status != http.StatusMultiStatus || bytes.Contains(r.body, []byte(`"status":409`)) {
			t.Fatalf("batch at %d: %d %.300s", i, r.status, r.body)
		}
	}
	for _, i := range []int{3, n - 2} {
		r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", batch[i])
		if r.status != http.StatusConflict {
			t.Fatalf("resubmitting entry %d before restart: %d %s", i, r.status, r.body)
		}
		ids[i] = r.header.Get("Location")
	}
	srv.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l, srv = testLogIn(t, dir)
	defer func() { srv.Close(); _ = l.Close() }()
	// A filter over capacity is rebuilt from the tiles before the next
	// commit. (Set before the first request: the sequencer reads it only
	// after receiving one.)
	l.filter = &leafFilter{bits: make([]uint64, 1), capacity: 1, n: 2}
	for _, i := range []int{3, n - 2} {
		r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", batch[i])
		if r.status != http.StatusConflict || r.header.Get("Location") != ids[i] {
			t.Errorf("resubmitting entry %d after restart: %d at %q, want 409 at %q", i, r.status, r.header.Get("Location"), ids[i])
		}
	}
	if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", entry(t, g, n)); r.status != http.StatusCreated {
		t.Errorf("new entry after restart: %d %s", r.status, r.body)
	}
	if got := l.Size(); got != n+1 {
		t.Errorf("Size() = %d, want %d", got, n+1)
	}
	if l.filter.capacity < filterMinCapacity || l.filter.n != n+1 {
		t.Errorf("leaf filter after the rebuild: capacity %d, %d leaves; want at least %d, %d", l.filter.capacity, l.filter.n, filterMinCapacity, n+1)
	}
}

// testLogIn opens the log in dir and serves it; the caller closes both.
func testLogIn(t *testing.T, dir string) (*Log, *httptest.Server) {
	t.Helper()
	l, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatalf("Open(%s) = %v", dir, err)
	}
	return l, httptest.NewServer(l.Handler())
}
