package tiles

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
)

// tiledLog builds the C2SP resources of a log holding entries, the way a
// tiles server lays them out, as a path → bytes map.
func tiledLog(entries [][]byte) map[string][]byte {
	size := uint64(len(entries))
	res := map[string][]byte{}
	// levels[l] holds the perfect node hashes at tree level l.
	levels := [][][]byte{make([][]byte, size)}
	for i, e := range entries {
		levels[0][i] = rfc6962.DefaultHasher.HashLeaf(e)
	}
	for l := 0; len(levels[l]) > 1; l++ {
		var next [][]byte
		for i := 0; i+1 < len(levels[l]); i += 2 {
			next = append(next, rfc6962.DefaultHasher.HashChildren(levels[l][i], levels[l][i+1]))
		}
		levels = append(levels, next)
	}
	for tl := 0; tl*TileHeight < len(levels); tl++ {
		hs := levels[tl*TileHeight]
		for t := 0; t*TileWidth < len(hs); t++ {
			end := min((t+1)*TileWidth, len(hs))
			res[TilePath(uint64(tl), uint64(t), uint64(end-t*TileWidth))] = bytes.Join(hs[t*TileWidth:end], nil)
		}
	}
	for b := 0; b*TileWidth < len(entries); b++ {
		end := min((b+1)*TileWidth, len(entries))
		var buf []byte
		for _, e := range entries[b*TileWidth : end] {
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(e)))
			buf = append(buf, e...)
		}
		res[EntriesPath(uint64(b), uint64(end-b*TileWidth))] = buf
	}
	return res
}

func mapFetcher(m map[string][]byte) Fetcher {
	return func(_ context.Context, path string) ([]byte, error) {
		if b, ok := m[path]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("fetching %s: %w", path, ErrNotFound)
	}
}

func TestPaths(t *testing.T) {
	tests := []struct {
		level, index, width uint64
		want                string
	}{
		{0, 0, 256, "tile/0/000"},
		{0, 1234067, 256, "tile/0/x001/x234/067"},
		{1, 5, 8, "tile/1/005.p/8"},
		{0, 1000, 256, "tile/0/x001/000"},
	}
	for _, tt := range tests {
		if got := TilePath(tt.level, tt.index, tt.width); got != tt.want {
			t.Errorf("TilePath(%d, %d, %d) = %q, want %q", tt.level, tt.index, tt.width, got, tt.want)
		}
	}
	if got := EntriesPath(1234, 3); got != "tile/entries/x001/234.p/3" {
		t.Errorf("EntriesPath(1234, 3) = %q", got)
	}
}

// TestProofsMatchReference computes inclusion and consistency proofs from
// tiles and compares them with transparency-dev/merkle's reference tree,
// across tile boundaries and levels (the C2SP 70,000-entry example among them).
func TestProofsMatchReference(t *testing.T) {
	const n = 70000
	entries := make([][]byte, n)
	for i := range entries {
		entries[i] = []byte(fmt.Sprintf("entry %d", i))
	}
	ref := testonly.New(rfc6962.DefaultHasher)
	ref.AppendData(entries...)
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	for _, size := range []uint64{1, 2, 3, 255, 256, 257, 511, 65536, 65537, 70000} {
		c := New(mapFetcher(tiledLog(entries[:size])))
		indices := []uint64{0, size - 1, size / 2}
		for range 5 {
			indices = append(indices, rng.Uint64N(size))
		}
		for _, idx := range indices {
			got, err := c.InclusionProof(ctx, idx, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", idx, size, err)
			}
			want, _ := ref.InclusionProof(idx, size)
			if !equal(got, want) {
				t.Fatalf("InclusionProof(%d, %d) differs from the reference", idx, size)
			}
			e, err := c.Entry(ctx, idx, size)
			if err != nil || !bytes.Equal(e, entries[idx]) {
				t.Fatalf("Entry(%d, %d) = %q, %v; want %q", idx, size, e, err, entries[idx])
			}
		}
		for _, s1 := range []uint64{1, size / 3, size - 1, size} {
			if s1 == 0 {
				continue
			}
			got, err := c.ConsistencyProof(ctx, s1, size)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", s1, size, err)
			}
			want, _ := ref.ConsistencyProof(s1, size)
			if !equal(got, want) {
				t.Fatalf("ConsistencyProof(%d, %d) differs from the reference", s1, size)
			}
		}
	}
}

func equal(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestHTTPAndBadInput(t *testing.T) {
	entries := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	res := tiledLog(entries)
	res["checkpoint"] = []byte("example.com/log\n3\nAAAA\n\n— example.com/log sig\n")
	srv := httptest.NewServer(http.StripPrefix("/api/v2/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := res[r.URL.Path]; ok {
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	})))
	defer srv.Close()
	c, err := NewHTTP(HTTPConfig{Prefix: srv.URL + "/api/v2"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cp, err := c.Checkpoint(ctx)
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	origin, size, err := ParseCheckpointSize(cp)
	if err != nil || origin != "example.com/log" || size != 3 {
		t.Errorf("ParseCheckpointSize = %q, %d, %v", origin, size, err)
	}
	if e, err := c.Entry(ctx, 2, size); err != nil || string(e) != "c" {
		t.Errorf("Entry(2) = %q, %v", e, err)
	}
	if _, err := c.Entry(ctx, 3, size); err == nil {
		t.Error("Entry(3) of 3 succeeded, want an error")
	}
	if _, err := c.Tile(ctx, 0, 7, 256); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tile(missing) = %v, want ErrNotFound", err)
	}
	for _, bad := range [][]byte{{0}, {0, 5, 'a'}} {
		if _, err := ParseBundle(bad); err == nil {
			t.Errorf("ParseBundle(%v) succeeded, want an error", bad)
		}
	}
	for _, bad := range []string{"a\nb\n", "o\n-1\nx\n", "o\n"} {
		if _, _, err := ParseCheckpointSize([]byte(bad)); err == nil {
			t.Errorf("ParseCheckpointSize(%q) succeeded, want an error", bad)
		}
	}
	if _, err := NewHTTP(HTTPConfig{Prefix: "file:///x"}); err == nil || !strings.Contains(err.Error(), "want http") {
		t.Errorf("NewHTTP(file://) = %v, want an error", err)
	}
}

// BenchmarkInclusionProofFromTiles computes inclusion proofs from in-memory
// tiles of a 70,000-entry log (tile fetch cost excluded: the map fetcher is
// free). Run: go test -run ^$ -bench InclusionProofFromTiles ./rekor/tiles
func BenchmarkInclusionProofFromTiles(b *testing.B) {
	entries := make([][]byte, 70000)
	for i := range entries {
		entries[i] = []byte(fmt.Sprintf("entry %d", i))
	}
	c := New(mapFetcher(tiledLog(entries)))
	ctx := context.Background()
	i := uint64(0)
	for b.Loop() {
		if _, err := c.InclusionProof(ctx, i%70000, 70000); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// TestHTTPRetriesAndLimits: 429 and 5xx answers are retried with backoff up
// to MaxRetries, then reported with their status; a 4xx other than 404 is
// not retried; a response larger than any tile or bundle can be is refused.
func TestHTTPRetriesAndLimits(t *testing.T) {
	var calls, failFirst int
	status := http.StatusServiceUnavailable
	huge := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch {
		case calls <= failFirst:
			w.WriteHeader(status)
		case huge:
			_, _ = w.Write(bytes.Repeat([]byte{'x'}, maxResource+10))
		default:
			_, _ = w.Write([]byte("example.com/log\n1\nAAAA\n\n— example.com/log sig\n"))
		}
	}))
	defer srv.Close()
	c, err := NewHTTP(HTTPConfig{Prefix: srv.URL, MaxRetries: 2, RetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name      string
		status    int
		failFirst int
		huge      bool
		wantCalls int
		wantErr   string
	}{
		{"503 then ok", http.StatusServiceUnavailable, 2, false, 3, ""},
		{"429 then ok", http.StatusTooManyRequests, 1, false, 2, ""},
		{"503 beyond the retries", http.StatusServiceUnavailable, 5, false, 3, "status 503"},
		{"400 is not retried", http.StatusBadRequest, 5, false, 1, "status 400"},
		{"oversized", 0, 0, true, 1, "exceeds"},
	}
	for _, tt := range tests {
		calls, failFirst, status, huge = 0, tt.failFirst, tt.status, tt.huge
		_, err := c.Checkpoint(ctx)
		if calls != tt.wantCalls {
			t.Errorf("%s: %d requests, want %d", tt.name, calls, tt.wantCalls)
		}
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestHTTPRetryAfterAndUserAgent: the log's Retry-After is honoured over
// the client's own backoff (a 5 s wait does not fit a 300 ms request
// budget, so the fetch ends with the deadline instead of a quick retry),
// and the User-Agent is sent.
func TestHTTPRetryAfterAndUserAgent(t *testing.T) {
	var agents []string
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents = append(agents, r.Header.Get("User-Agent"))
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c, err := NewHTTP(HTTPConfig{Prefix: srv.URL, RetryWait: time.Millisecond, Timeout: 300 * time.Millisecond, UserAgent: "provscope/test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Checkpoint(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Checkpoint after Retry-After: 5 = %v, want the deadline", err)
	}
	if calls != 1 || agents[0] != "provscope/test" {
		t.Errorf("%d requests with agents %q, want 1 with provscope/test", calls, agents)
	}
}
