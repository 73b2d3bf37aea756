package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const testID = "108e9186e8c5677a4fb7b5c0b8b4a6d4b6a0b7e7b3a58e2b1b6c0b5e0a8f4e1f2c3d4e5f60718293"

// TestPostAllOverPosters: every entry arrives once as its own request
// body with the right headers, over no more connections than workers.
func TestPostAllOverPosters(t *testing.T) {
	var got, conns atomic.Int64
	seen := make(chan string, 100)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, fmt.Sprintf("%s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type")), http.StatusBadRequest)
			return
		}
		seen <- string(b)
		got.Add(1)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"%s":{"body":"x"}}`, testID)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	entries := make([][]byte, 100)
	for i := range entries {
		entries[i] = fmt.Appendf(nil, `{"n":%d}`, i)
	}
	tp, err := NewClient(srv.URL, 4).PostAll(context.Background(), entries, 4)
	if err != nil {
		t.Fatalf("PostAll() = %v", err)
	}
	close(seen)
	bodies := map[string]bool{}
	for b := range seen {
		bodies[b] = true
	}
	if tp.Entries != 100 || got.Load() != 100 || len(bodies) != 100 {
		t.Errorf("PostAll() posted %d, server got %d requests with %d distinct bodies; want 100 each", tp.Entries, got.Load(), len(bodies))
	}
	if n := conns.Load(); n > 4 {
		t.Errorf("PostAll() opened %d connections, want at most 4 (one per worker)", n)
	}
}

func TestPostAllStopsOnBadStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"code":400,"message":"signature does not verify"}`, http.StatusBadRequest)
	}))
	defer srv.Close()
	_, err := NewClient(srv.URL, 2).PostAll(context.Background(), [][]byte{[]byte(`{}`), []byte(`{}`)}, 2)
	if err == nil || !strings.Contains(err.Error(), "status 400, want 201") || !strings.Contains(err.Error(), "signature does not verify") {
		t.Errorf("PostAll() = %v, want the status and the server's message", err)
	}
}

func TestPostAllRefusesHTTPS(t *testing.T) {
	_, err := NewClient("https://127.0.0.1:1", 1).PostAll(context.Background(), [][]byte{[]byte(`{}`)}, 1)
	if err == nil || !strings.Contains(err.Error(), `scheme "https", want http`) {
		t.Errorf("PostAll() = %v, want the scheme refused", err)
	}
}

func TestEntryID(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: `{"` + testID + `":{}}`, want: testID},
		{in: `{"` + testID[16:] + `":{}}`, want: testID[16:]},
		{in: `{"abc":{}}`, err: "has 3 characters"},
		{in: `[]`, err: "no entry ID"},
		{in: `{"` + testID, err: "no entry ID"},
	} {
		got, err := entryID([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("entryID(%.20q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("entryID(%.20q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCreatedIn(t *testing.T) {
	for _, tc := range []struct {
		in    string
		items int
		want  int
		err   string
	}{
		{in: `[{"status":201,"entry":{}},{"status":409,"error":"exists"},{"status":201,"entry":{}}]`, items: 3, want: 2},
		// Spaced JSON (another server's encoder) is decoded in full.
		{in: `[ { "status": 201 }, { "status": 400 } ]`, items: 2, want: 1},
		{in: `[{"status":201}]`, items: 2, err: "got 1 items, want 2"},
		{in: `{"status":201`, items: 2, err: "decoding batch response"},
	} {
		got, err := createdIn([]byte(tc.in), tc.items)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("createdIn(%q, %d) = %d, %v; want error %q", tc.in, tc.items, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("createdIn(%q, %d) = %d, %v; want %d", tc.in, tc.items, got, err, tc.want)
		}
	}
}
