package client

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/testenv"
)

func newTestClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, HTTPClient: srv.Client(), RetryWait: time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readRW(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RealWorld(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// realEntry returns the production entry (docker-attest, global index
// 59674396) as the API would return it: keyed by its 80-hex entry ID.
func realEntry(t *testing.T) (uuid string, resp []byte) {
	t.Helper()
	raw := readRW(t, "rekor-v1-api/docker-attest_logIndex59674396.json")
	var anon struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(raw, &anon); err != nil {
		t.Fatal(err)
	}
	body, err := base64.StdEncoding.DecodeString(anon.Body)
	if err != nil {
		t.Fatal(err)
	}
	leaf := sha256.Sum256(append([]byte{0}, body...))
	uuid = fmt.Sprintf("%016x", uint64(2605736670972794746)) + hex.EncodeToString(leaf[:])
	return uuid, []byte(`{"` + uuid + `":` + string(raw) + `}`)
}

func TestEntryByIndexRealResponse(t *testing.T) {
	uuid, resp := realEntry(t)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/log/entries" || r.URL.Query().Get("logIndex") != "59674396" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp)
	}))
	e, err := c.EntryByIndex(context.Background(), 59674396)
	if err != nil {
		t.Fatalf("EntryByIndex: %v", err)
	}
	if e.UUID != uuid || e.LogIndex != 59674396 || e.Kind != "hashedrekord" || e.APIVersion != "0.0.1" {
		t.Errorf("entry = {%s %d %s %s}, want {%s 59674396 hashedrekord 0.0.1}", e.UUID, e.LogIndex, e.Kind, e.APIVersion, uuid)
	}
	if got := e.IntegratedTime.Unix(); got != 1703705039 {
		t.Errorf("integrated time = %d, want 1703705039", got)
	}
	if e.Proof == nil || e.Proof.LogIndex != 55510965 || e.Proof.TreeSize != 55510966 || len(e.Proof.RootHash) != 32 {
		t.Fatalf("inclusion proof = %+v, want shard index 55510965 in a tree of 55510966", e.Proof)
	}
	if !strings.HasPrefix(e.Proof.Checkpoint, "rekor.sigstore.dev - 2605736670972794746\n55510966\n") {
		t.Errorf("checkpoint = %q", e.Proof.Checkpoint)
	}
	if len(e.SET) < 64 {
		t.Errorf("SET is %d bytes, want a DER signature", len(e.SET))
	}
	if TreeIDOf(e.UUID) != "2605736670972794746" {
		t.Errorf("TreeIDOf(%s) = %q", e.UUID, TreeIDOf(e.UUID))
	}
}

func TestLogInfoAndProofRealResponses(t *testing.T) {
	info := readRW(t, "rekor-v1-api/consistency/staging_loginfo_new_treeSize1352764.json")
	proof := readRW(t, "rekor-v1-api/consistency/staging_proof_1352760_to_1352764.json")
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/log":
			_, _ = w.Write(info)
		case "/api/v1/log/proof":
			q := r.URL.Query()
			if q.Get("firstSize") != "1352760" || q.Get("lastSize") != "1352764" || q.Get("treeID") != "8202293616175992157" {
				http.Error(w, `{"code":400,"message":"bad query"}`, http.StatusBadRequest)
				return
			}
			_, _ = w.Write(proof)
		default:
			http.NotFound(w, r)
		}
	}))
	li, err := c.LogInfo(context.Background())
	if err != nil {
		t.Fatalf("LogInfo: %v", err)
	}
	if li.TreeSize != 1352764 || li.TreeID != "8202293616175992157" || len(li.RootHash) != 32 {
		t.Errorf("log info = size %d tree %s, want 1352764 8202293616175992157", li.TreeSize, li.TreeID)
	}
	if len(li.InactiveShards) != 3 {
		t.Errorf("inactive shards = %d, want 3", len(li.InactiveShards))
	}
	hashes, err := c.ConsistencyProof(context.Background(), 1352760, 1352764, li.TreeID)
	if err != nil {
		t.Fatalf("ConsistencyProof: %v", err)
	}
	if len(hashes) != 9 {
		t.Errorf("consistency proof has %d hashes, want 9", len(hashes))
	}
	if _, err := c.ConsistencyProof(context.Background(), 5, 4, ""); err == nil {
		t.Error("ConsistencyProof(5, 4) succeeded, want an error")
	}
}

func TestRetriesOn429And5xx(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.Header().Set("Content-Type", "application/x-pem-file")
			_, _ = io.WriteString(w, "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n")
		}
	}))
	if _, err := c.PublicKey(context.Background(), ""); err != nil {
		t.Fatalf("PublicKey after 429 and 502: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	_, err := c.LogInfo(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable {
		t.Fatalf("LogInfo = %v, want an HTTPError with status 503", err)
	}
	if n := calls.Load(); n != DefaultMaxRetries+1 {
		t.Errorf("requests = %d, want %d", n, DefaultMaxRetries+1)
	}
}

func TestNotFoundAndMalformed(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	_, err := c.EntryByUUID(context.Background(), strings.Repeat("ab", 32))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("EntryByUUID on 404 = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "xyz", strings.Repeat("a", 63), strings.Repeat("g", 64)} {
		if _, err := c.EntryByUUID(context.Background(), bad); err == nil {
			t.Errorf("EntryByUUID(%q) succeeded, want an error", bad)
		}
	}
	if _, err := c.EntryByIndex(context.Background(), -1); err == nil {
		t.Error("EntryByIndex(-1) succeeded, want an error")
	}
}

func TestResponseSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"treeSize":1,"rootHash":"`+strings.Repeat("a", 4096)+`"}`)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, MaxResponseBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.LogInfo(context.Background())
	var tooLarge *ResponseTooLargeError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("LogInfo on a 4 KiB answer with a 1 KiB limit = %v, want ResponseTooLargeError", err)
	}
}

func TestRetrievePagesInBatchesOfTen(t *testing.T) {
	uuid, resp := realEntry(t)
	var sizes []int
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			EntryUUIDs []string `json:"entryUUIDs"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil || r.URL.Path != "/api/v1/log/entries/retrieve" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		if len(q.EntryUUIDs) > 10 {
			http.Error(w, `{"code":422,"message":"too many"}`, http.StatusUnprocessableEntity)
			return
		}
		sizes = append(sizes, len(q.EntryUUIDs))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[" + string(resp) + "]"))
	}))
	ids := make([]string, 23)
	for i := range ids {
		ids[i] = uuid
	}
	es, err := c.Retrieve(context.Background(), ids, nil)
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if fmt.Sprint(sizes) != "[10 10 3]" || len(es) != 3 {
		t.Errorf("batches = %v and %d entries, want [10 10 3] and 3", sizes, len(es))
	}
}

func TestSearch(t *testing.T) {
	a, b := strings.Repeat("a", 80), strings.Repeat("b", 64)
	var got map[string]any
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = nil
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `["`+b+`","`+a+`","`+b+`"]`)
	}))
	ids, err := c.Search(context.Background(), SearchQuery{Hash: strings.Repeat("0", 64), Email: "a@example.com", Operator: OperatorAnd})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{a, b}) {
		t.Errorf("Search = %v, want sorted and deduplicated [%s %s]", ids, a, b)
	}
	if got["hash"] != "sha256:"+strings.Repeat("0", 64) || got["operator"] != "and" || got["email"] != "a@example.com" {
		t.Errorf("request = %v", got)
	}
	for _, q := range []SearchQuery{{}, {Hash: "sha256:zz"}, {Email: "a@b", Operator: "xor"}} {
		if _, err := c.Search(context.Background(), q); err == nil {
			t.Errorf("Search(%+v) succeeded, want an error", q)
		}
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := New(Config{URL: u}); err == nil {
			t.Errorf("New(%q) succeeded, want an error", u)
		}
	}
}
