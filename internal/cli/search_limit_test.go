package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// retrieveCounter is a front on 127.0.0.1 before a log that counts the
// entry fetches (POST /api/v1/log/entries/retrieve) and the UUIDs they ask for.
type retrieveCounter struct {
	mu       sync.Mutex
	requests int
	uuids    int
}

func (c *retrieveCounter) counts() (requests, uuids int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests, c.uuids
}

func (c *retrieveCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests, c.uuids = 0, 0
}

func startRetrieveCounter(t *testing.T, target string) (*retrieveCounter, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &retrieveCounter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/log/entries/retrieve" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var q struct {
				EntryUUIDs []string `json:"entryUUIDs"`
			}
			_ = json.Unmarshal(body, &q)
			c.mu.Lock()
			c.requests++
			c.uuids += len(q.EntryUUIDs)
			c.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

// TestSearchLimit: with 120 matching entries, search fetches 50 by default
// (five requests of ten, counted at the front), counts the other 70 as
// "70 more" in the text and as "more": 70 in JSON; --limit 0 fetches every
// match; a negative limit is an input error (exit 2) before any request.
func TestSearchLimit(t *testing.T) {
	isolateEnv(t)
	lg := startEmbeddedLog(t)
	s := testSigner(t, "limit")
	lg.uploadArtifacts(t, s, "limit", 120)
	keyFile := filepath.Join(t.TempDir(), "signer.pem")
	if err := os.WriteFile(keyFile, s.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctr, front := startRetrieveCounter(t, lg.url)
	base := []string{"search", "--public-key", keyFile, "--log", front, "--log-key", lg.keyFile}
	rows := func(out string) int {
		n := 0
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 1 && len(f[len(f)-1]) >= 64 && isHexString(f[len(f)-1]) {
				n++
			}
		}
		return n
	}

	code, out, errs := runCLI(t, base...)
	reqs, uuids := ctr.counts()
	t.Logf("default: %d retrieve requests for %d uuids", reqs, uuids)
	if code != exitOK || !strings.HasPrefix(out, "120 entries") || !strings.Contains(out, "70 more: use --limit") {
		t.Fatalf("search = %d, want 0 with 120 entries and 70 more\n%s%s", code, out, errs)
	}
	if got := rows(out); got != 50 {
		t.Errorf("search listed %d entries, want 50\n%s", got, out)
	}
	if reqs != 5 || uuids != 50 {
		t.Errorf("search made %d retrieve requests for %d uuids, want 5 for 50", reqs, uuids)
	}

	ctr.reset()
	code, out, errs = runCLI(t, append(base, "--output", "json")...)
	var doc struct {
		Count   int               `json:"count"`
		More    int               `json:"more"`
		Entries []json.RawMessage `json:"entries"`
	}
	if code != exitOK {
		t.Fatalf("search --output json = %d\n%s%s", code, out, errs)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("search --output json: %v\n%s", err, out)
	}
	if doc.Count != 120 || doc.More != 70 || len(doc.Entries) != 50 {
		t.Errorf("search --output json: count %d, more %d, %d entries; want 120, 70, 50", doc.Count, doc.More, len(doc.Entries))
	}
	if reqs, uuids := ctr.counts(); reqs != 5 || uuids != 50 {
		t.Errorf("search --output json made %d retrieve requests for %d uuids, want 5 for 50", reqs, uuids)
	}

	ctr.reset()
	code, out, errs = runCLI(t, append(base, "--limit", "0")...)
	reqs, uuids = ctr.counts()
	t.Logf("--limit 0: %d retrieve requests for %d uuids", reqs, uuids)
	if code != exitOK || strings.Contains(out, "more:") || rows(out) != 120 {
		t.Errorf("search --limit 0 = %d with %d rows, want 0 with 120 and no more\n%s%s", code, rows(out), out, errs)
	}
	if reqs != 12 || uuids != 120 {
		t.Errorf("search --limit 0 made %d retrieve requests for %d uuids, want 12 for 120", reqs, uuids)
	}

	ctr.reset()
	code, out, errs = runCLI(t, append(base, "--limit", "7")...)
	if reqs, uuids := ctr.counts(); code != exitOK || rows(out) != 7 || !strings.Contains(out, "113 more") || reqs != 1 || uuids != 7 {
		t.Errorf("search --limit 7 = %d, %d rows, %d requests for %d uuids; want 0, 7 rows, 113 more, 1 request for 7\n%s%s", code, rows(out), reqs, uuids, out, errs)
	}

	ctr.reset()
	code, out, errs = runCLI(t, append(base, "--limit", "-1")...)
	if reqs, _ := ctr.counts(); code != exitUsageErr || !strings.Contains(errs, "--limit -1") || reqs != 0 {
		t.Errorf("search --limit -1 = %d after %d requests, want %d before any\n%s%s", code, reqs, exitUsageErr, out, errs)
	}
}
