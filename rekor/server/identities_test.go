package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/inspect/inspecttest"
)

// certEntry returns a hashedrekord proposed entry signed with a key that
// f certified for identity (an email, or a URI), as keyless signing does.
func certEntry(t testing.TB, f *inspecttest.Fulcio, identity string) []byte {
	t.Helper()
	certPEM, key, err := f.Issue(identity, "https://issuer.example", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte(identity + time.Now().String()))
	sig, err := ecdsa.SignASN1(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "hashedrekord",
		"spec": map[string]any{
			"data":      map[string]any{"hash": map[string]any{"algorithm": "sha256", "value": hex.EncodeToString(d[:])}},
			"signature": map[string]any{"content": base64.StdEncoding.EncodeToString(sig), "publicKey": map[string]any{"content": base64.StdEncoding.EncodeToString(certPEM)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func getIdentityPage(t *testing.T, base, rawQuery string) (int, IdentityPage) {
	t.Helper()
	r := call(t, http.MethodGet, base+"/api/v1/index/identities?"+rawQuery, nil)
	var p IdentityPage
	if r.status == http.StatusOK {
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatalf("decoding %s: %v", r.body, err)
		}
		if p.Identities == nil {
			t.Errorf("identities %q: null list, want []", rawQuery)
		}
	}
	return r.status, p
}

func TestIdentitiesPrefix(t *testing.T) {
	_, srv := testLog(t, Config{})
	g := newGen(t)
	f, err := inspecttest.NewFulcio(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const workflow = "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"
	for _, e := range [][]byte{
		certEntry(t, f, "Alice@Example.com"),
		certEntry(t, f, "alice.b@example.com"),
		certEntry(t, f, workflow),
		entry(t, g, 0), // a key, no certificate: no identity
	} {
		if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", e); r.status != http.StatusCreated {
			t.Fatalf("creating entry: %d %s", r.status, r.body)
		}
	}
	tests := []struct {
		query     string
		want      []string
		truncated bool
	}{
		{"prefix=alice", []string{"alice.b@example.com", "alice@example.com"}, false},
		{"prefix=ALICE", []string{"alice.b@example.com", "alice@example.com"}, false},
		{"prefix=alice%40", []string{"alice@example.com"}, false},
		{"prefix=alice&limit=1", []string{"alice.b@example.com"}, true},
		{"prefix=https%3A%2F%2Fgithub.com%2Forg%2F", []string{workflow}, false},
		{"prefix=h", []string{workflow}, false},
		{"prefix=zzz", []string{}, false},
		{"prefix=sha256%3A", []string{}, false},
	}
	for _, tt := range tests {
		status, p := getIdentityPage(t, srv.URL, tt.query)
		if status != http.StatusOK || !slices.Equal(p.Identities, tt.want) || p.Truncated != tt.truncated {
			t.Errorf("identities?%s = %d %q truncated %v, want 200 %q truncated %v", tt.query, status, p.Identities, p.Truncated, tt.want, tt.truncated)
		}
		if p.Indexed != 4 || p.TreeSize != 4 {
			t.Errorf("identities?%s indexed %d of %d, want 4 of 4", tt.query, p.Indexed, p.TreeSize)
		}
	}
	// Key fingerprints and artifact hashes are index keys too, but not
	// identities: no hex prefix finds one.
	for _, c := range "0123456789abcdef" {
		_, p := getIdentityPage(t, srv.URL, "prefix="+string(c))
		for _, id := range p.Identities {
			if hashLikeKey.MatchString(id) {
				t.Errorf("identities?prefix=%c lists %q, a hash or key fingerprint", c, id)
			}
		}
	}

	// Each identity listed finds its entries through Rekor's exact index.
	for _, id := range []string{"alice@example.com", workflow} {
		body, _ := json.Marshal(map[string]string{"subject": id})
		r := call(t, http.MethodPost, srv.URL+"/api/v1/index/retrieve", body)
		var uuids []string
		if err := json.Unmarshal(r.body, &uuids); err != nil || len(uuids) != 1 {
			t.Errorf("index/retrieve subject %q = %s, want one entry", id, r.body)
		}
	}

	// Entries committed later are indexed by the next request.
	if r := call(t, http.MethodPost, srv.URL+"/api/v1/log/entries", certEntry(t, f, "alice.c@example.com")); r.status != http.StatusCreated {
		t.Fatalf("creating entry: %d %s", r.status, r.body)
	}
	if _, p := getIdentityPage(t, srv.URL, "prefix=alice."); !slices.Equal(p.Identities, []string{"alice.b@example.com", "alice.c@example.com"}) || p.Indexed != 5 {
		t.Errorf("after a new entry: identities?prefix=alice. = %q indexed %d, want alice.b, alice.c indexed 5", p.Identities, p.Indexed)
	}
}

func TestIdentitiesBadRequest(t *testing.T) {
	_, srv := testLog(t, Config{})
	for _, q := range []string{
		"", "prefix=", "prefix=" + strings.Repeat("a", MaxIdentityPrefix+1),
		"prefix=a&limit=0", "prefix=a&limit=-1", "prefix=a&limit=x",
		fmt.Sprintf("prefix=a&limit=%d", MaxIdentityLimit+1),
	} {
		if status, _ := getIdentityPage(t, srv.URL, q); status != http.StatusBadRequest {
			t.Errorf("identities?%s = %d, want 400", q, status)
		}
	}
	if status, p := getIdentityPage(t, srv.URL, "prefix="+strings.Repeat("a", MaxIdentityPrefix)); status != http.StatusOK || len(p.Identities) != 0 {
		t.Errorf("identities on an empty log = %d %q, want 200 and none", status, p.Identities)
	}
}

func TestPrefixSuccessor(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"a", "b", true},
		{"alice@", "aliceA", true},
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
	}
	for _, tt := range tests {
		got, ok := prefixSuccessor(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("prefixSuccessor(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBodyIdentitiesIgnoresJunk(t *testing.T) {
	for _, body := range []string{"", "{", `{"a":"` + certPEMBase64 + `"}`, `{"a":["` + certPEMBase64 + `!!"]}`} {
		if got := bodyIdentities([]byte(body)); len(got) != 0 {
			t.Errorf("bodyIdentities(%q) = %q, want none", body, got)
		}
	}
}

// BenchmarkIdentities measures the identity extension on a log of 2,000
// keyless entries (2,000 distinct identities): the first request indexes
// them all ("index-µs/entry"), later ones range-scan ("ms/query").
func BenchmarkIdentities(b *testing.B) {
	const n = 2000
	l, err := Open(context.Background(), Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	defer func() { srv.Close(); _ = l.Close() }()
	post := func(path string, body []byte) {
		resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(body)) //nolint:noctx // a benchmark against its own loopback server
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusMultiStatus {
			b.Fatalf("POST %s: status %d", path, resp.StatusCode)
		}
	}
	get := func(prefix string) IdentityPage {
		resp, err := http.Get(srv.URL + "/api/v1/index/identities?limit=1000&prefix=" + prefix) //nolint:noctx // as above
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var p IdentityPage
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			b.Fatal(err)
		}
		return p
	}
	f, err := inspecttest.NewFulcio(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += 100 {
		batch := make([]json.RawMessage, 0, 100)
		for i := start; i < start+100; i++ {
			batch = append(batch, certEntry(b, f, fmt.Sprintf("user%04d@example.com", i)))
		}
		body, _ := json.Marshal(batch)
		post("/api/v1/log/entries/batch", body)
	}
	start := time.Now()
	if p := get("user"); p.Indexed != n {
		b.Fatalf("indexed %d of %d", p.Indexed, n)
	}
	index := time.Since(start)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p := get(fmt.Sprintf("user%02d", i%20)); len(p.Identities) != 100 {
			b.Fatalf("got %d identities, want 100", len(p.Identities))
		}
	}
	b.ReportMetric(float64(index.Microseconds())/n, "index-µs/entry")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
}
