package demo_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/proof"
)

// logHead reads the demo log's tree size and root (Rekor v1 GET /api/v1/log).
func logHead(t *testing.T, logURL string) (uint64, []byte) {
	t.Helper()
	var h struct {
		TreeSize uint64 `json:"treeSize"`
		RootHash string `json:"rootHash"`
	}
	getJSON(t, logURL+"/api/v1/log", &h)
	root, err := hex.DecodeString(h.RootHash)
	if err != nil {
		t.Fatal(err)
	}
	return h.TreeSize, root
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestAppendGrowsTheLogConsistently: each Append logs one new entry, and
// the log proves the grown tree consistent with the seeded one with a
// proof that has hashes (what the explorer's c then draws).
func TestAppendGrowsTheLogConsistently(t *testing.T) {
	w := startWorld(t, "")
	ctx := context.Background()
	size1, root1 := logHead(t, w.LogURL)
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for n := 1; n <= 3; n++ {
		e, err := w.Append(ctx, n, now)
		if err != nil {
			t.Fatalf("Append(%d): %v", n, err)
		}
		if got, want := uint64(*e.LogIndex), size1+uint64(n)-1; got != want { //nolint:gosec // G115: a log index is not negative
			t.Errorf("Append(%d) logged at index %d, want %d", n, got, want)
		}
	}
	size2, root2 := logHead(t, w.LogURL)
	if size2 != size1+3 {
		t.Fatalf("log size %d after 3 appends to %d, want %d", size2, size1, size1+3)
	}
	var p struct {
		Hashes []string `json:"hashes"`
	}
	getJSON(t, fmt.Sprintf("%s/api/v1/log/proof?firstSize=%d&lastSize=%d", w.LogURL, size1, size2), &p)
	if len(p.Hashes) == 0 {
		t.Fatalf("consistency proof %d → %d has no hashes", size1, size2)
	}
	hashes := make([][]byte, len(p.Hashes))
	for i, h := range p.Hashes {
		if hashes[i], _ = hex.DecodeString(h); len(hashes[i]) != 32 {
			t.Fatalf("proof hash %d = %q", i, h)
		}
	}
	if err := proof.VerifyConsistency(size1, size2, hashes, root1, root2); err != nil {
		t.Errorf("VerifyConsistency(%d → %d): %v", size1, size2, err)
	}
}

// TestGrowAppendsUntilClosed: Grow logs entries on its own, and Close
// stops it (it returns, and the log stops growing).
func TestGrowAppendsUntilClosed(t *testing.T) {
	w, err := demo.Start(context.Background(), demo.Options{})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	size1, _ := logHead(t, w.LogURL)
	errs := make(chan error, 1)
	w.Grow(context.Background(), time.Millisecond, time.Now, errs)
	// No wall-clock bound: the log grows or go test's -timeout reports
	// the hang.
	for {
		if s, _ := logHead(t, w.LogURL); s >= size1+2 {
			break
		}
		select {
		case err := <-errs:
			t.Fatalf("Grow: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
