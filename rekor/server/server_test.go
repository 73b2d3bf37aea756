package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cjson "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/transparency-dev/merkle/proof"

	"github.com/provscope/provscope/internal/loadgen"
)

// testLog opens a log in a temporary directory and serves it.
func testLog(t *testing.T, cfg Config) (*Log, *httptest.Server) {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	l, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := l.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return l, srv
}

func newGen(t *testing.T) *loadgen.Generator {
	t.Helper()
	g, err := loadgen.NewGenerator(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func entry(t *testing.T, g *loadgen.Generator, i int) []byte {
	t.Helper()
	e, err := g.Entry(i)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, method, url string, body []byte) response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// oneEntry decodes a {"<id>": LogEntryAnon} response.
func oneEntry(t *testing.T, b []byte) (string, models.LogEntryAnon) {
	t.Helper()
	var m models.LogEntry
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding entry %s: %v", b, err)
	}
	if len(m) != 1 {
		t.Fatalf("entry response has %d keys, want 1", len(m))
	}
	for id, e := range m {
		return id, e
	}
	panic("unreachable")
}

// checkEntry verifies everything a client checks on an entry: SET, leaf
// hash = ID, inclusion proof against the root, signed checkpoint.
func checkEntry(t *testing.T, l *Log, id string, e models.LogEntryAnon) {
	t.Helper()
	body, err := base64.StdEncoding.DecodeString(e.Body.(string))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	leaf := hasher.HashLeaf(body)
	if want := fmt.Sprintf("%016x%x", l.TreeID(), leaf); id != want {
		t.Errorf("entry id = %s, want %s", id, want)
	}
	if *e.LogID != l.LogID() {
		t.Errorf("logID = %s, want %s", *e.LogID, l.LogID())
	}
	// SET
	payload, err := (&models.LogEntryAnon{Body: e.Body, IntegratedTime: e.IntegratedTime, LogID: e.LogID, LogIndex: e.LogIndex}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	canon, err := cjson.Transform(payload)
	if err != nil {
		t.Fatal(err)
	}
	v, err := signature.LoadECDSAVerifier(l.PublicKey().(*ecdsa.PublicKey), 5 /* crypto.SHA256 */)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifySignature(bytes.NewReader(e.Verification.SignedEntryTimestamp), bytes.NewReader(canon)); err != nil {
		t.Errorf("SET does not verify: %v", err)
	}
	// inclusion proof and checkpoint
	ip := e.Verification.InclusionProof
	if ip == nil {
		t.Fatal("no inclusion proof")
	}
	root, _ := hex.DecodeString(*ip.RootHash)
	hashes := make([][]byte, len(ip.Hashes))
	for i, h := range ip.Hashes {
		hashes[i], _ = hex.DecodeString(h)
	}
	if err := proof.VerifyInclusion(hasher, uint64(*ip.LogIndex), uint64(*ip.TreeSize), leaf, hashes, root); err != nil {
		t.Errorf("inclusion proof of %d in %d: %v", *ip.LogIndex, *ip.TreeSize, err)
	}
	var sc util.SignedCheckpoint
	if err := sc.UnmarshalText([]byte(*ip.Checkpoint)); err != nil {
		t.Fatalf("checkpoint does not parse: %v", err)
	}
	if !sc.Verify(v) {
		t.Error("checkpoint signature does not verify")
	}
	if sc.Size != uint64(*ip.TreeSize) || !bytes.Equal(sc.Hash, root) || sc.Origin != l.Origin() {
		t.Errorf("checkpoint (%q, %d, %x), want (%q, %d, %x)", sc.Origin, sc.Size, sc.Hash, l.Origin(), *ip.TreeSize, root)
	}
}

func TestCreateGetSearch(t *testing.T) {
	l, srv := testLog(t, Config{})
	g := newGen(t)
	var ids []string
	es, err := g.Entries(0, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := call(t, "POST", srv.URL+"/api/v1/log/entries", es[i])
		if r.status != http.StatusCreated {
			t.Fatalf("POST entry %d: status %d, want 201: %s", i, r.status, r.body)
		}
		id, e := oneEntry(t, r.body)
		if r.header.Get("Location") != "/api/v1/log/entries/"+id || r.header.Get("ETag") != id {
			t.Errorf("Location %q ETag %q, want the entry id %s", r.header.Get("Location"), r.header.Get("ETag"), id)
		}
		if *e.LogIndex != int64(i) {
			t.Errorf("logIndex = %d, want %d", *e.LogIndex, i)
		}
		checkEntry(t, l, id, e)
		ids = append(ids, id)
	}
	// duplicate
	r := call(t, "POST", srv.URL+"/api/v1/log/entries", es[2])
	if r.status != http.StatusConflict || r.header.Get("Location") != "/api/v1/log/entries/"+ids[2] {
		t.Errorf("duplicate POST: status %d Location %q, want 409 %s", r.status, r.header.Get("Location"), ids[2])
	}
	if l.Size() != 5 {
		t.Errorf("Size() = %d after a duplicate, want 5", l.Size())
	}
	for i, id := range ids {
		for _, path := range []string{"/api/v1/log/entries?logIndex=" + fmt.Sprint(i), "/api/v1/log/entries/" + id, "/api/v1/log/entries/" + id[16:]} {
			r := call(t, "GET", srv.URL+path, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
			}
			gid, e := oneEntry(t, r.body)
			if gid != id {
				t.Errorf("GET %s: id %s, want %s", path, gid, id)
			}
			checkEntry(t, l, gid, e)
		}
	}
	// retrieve by uuid, index and proposed entry
	q := fmt.Sprintf(`{"entryUUIDs":[%q],"logIndexes":[3],"entries":[%s]}`, ids[0], es[4])
	r = call(t, "POST", srv.URL+"/api/v1/log/entries/retrieve", []byte(q))
	var got []models.LogEntry
	if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 {
		t.Fatalf("retrieve: status %d %v: %s", r.status, err, r.body)
	}
	var gotIDs []string
	for _, m := range got {
		for id, e := range m {
			checkEntry(t, l, id, e)
			gotIDs = append(gotIDs, id)
		}
	}
	if want := []string{ids[0], ids[4], ids[3]}; fmt.Sprint(gotIDs) != fmt.Sprint(want) {
		t.Errorf("retrieve ids = %v, want %v", gotIDs, want)
	}
	// index search
	r = call(t, "POST", srv.URL+"/api/v1/index/retrieve", fmt.Appendf(nil, `{"hash":"sha256:%s"}`, g.Digest(1)))
	if string(bytes.TrimSpace(r.body)) != fmt.Sprintf("[%q]", ids[1]) {
		t.Errorf("search by hash = %d %s, want [%s]", r.status, r.body, ids[1])
	}
	r = call(t, "POST", srv.URL+"/api/v1/index/retrieve", fmt.Appendf(nil, `{"publicKey":{"format":"x509","content":%q}}`, base64.StdEncoding.EncodeToString(g.PublicKeyPEM())))
	var keyIDs []string
	if err := json.Unmarshal(r.body, &keyIDs); err != nil || len(keyIDs) != 5 {
		t.Errorf("search by key = %d %s, want 5 ids", r.status, r.body)
	}
	r = call(t, "POST", srv.URL+"/api/v1/index/retrieve", fmt.Appendf(nil, `{"operator":"and","hash":"%s","publicKey":{"format":"x509","content":%q}}`, g.Digest(3), base64.StdEncoding.EncodeToString(g.PublicKeyPEM())))
	if string(bytes.TrimSpace(r.body)) != fmt.Sprintf("[%q]", ids[3]) {
		t.Errorf("search hash and key = %d %s, want [%s]", r.status, r.body, ids[3])
	}
	// log info and public key
	r = call(t, "GET", srv.URL+"/api/v1/log", nil)
	var info models.LogInfo
	if err := json.Unmarshal(r.body, &info); err != nil || *info.TreeSize != 5 || *info.TreeID != fmt.Sprint(l.TreeID()) {
		t.Errorf("GET /api/v1/log = %s (%v)", r.body, err)
	}
	r = call(t, "GET", srv.URL+"/api/v1/log/publicKey", nil)
	if r.header.Get("Content-Type") != "application/x-pem-file" || !bytes.Equal(r.body, l.PublicKeyPEM()) {
		t.Errorf("GET publicKey = %q %s", r.header.Get("Content-Type"), r.body)
	}
}

// naiveRoot computes the RFC 6962 root of leaves directly from the spec.
func naiveRoot(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return hasher.EmptyRoot()
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return hasher.HashChildren(naiveRoot(leaves[:k]), naiveRoot(leaves[k:]))
}

func TestProofsAcrossTiles(t *testing.T) {
	if testing.Short() {
		t.Skip("appends 600 entries")
	}
	l, srv := testLog(t, Config{})
	g := newGen(t)
	var leaves [][]byte
	var roots [][]byte
	ctx := context.Background()
	entries, err := g.Entries(0, 600)
	if err != nil {
		t.Fatal(err)
	}
	c := loadgen.NewClient(srv.URL, 4)
	for i := 0; i < len(entries); i += 100 {
		if n, err := c.PostBatch(ctx, entries[i:i+100]); err != nil || n != 100 {
			t.Fatalf("PostBatch = %d, %v; want 100", n, err)
		}
	}
	for i := range 600 {
		_, e, err := l.entryByIndex(ctx, l.state.Load(), uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := base64.StdEncoding.DecodeString(e.Body.(string))
		leaves = append(leaves, hasher.HashLeaf(body))
	}
	for n := 0; n <= 600; n++ {
		roots = append(roots, naiveRoot(leaves[:n]))
	}
	s := l.state.Load()
	if !bytes.Equal(s.root, roots[600]) {
		t.Fatalf("root = %x, want %x", s.root, roots[600])
	}
	for _, n := range []uint64{1, 2, 255, 256, 257, 511, 512, 513, 599, 600} {
		got, err := l.rootAt(ctx, s, n)
		if err != nil || !bytes.Equal(got, roots[n]) {
			t.Errorf("rootAt(%d) = %x, %v; want %x", n, got, err, roots[n])
		}
		for _, m := range []uint64{1, 3, 256, 257, 300, 512, 600} {
			if n > m {
				continue
			}
			p, err := l.consistencyProof(ctx, s, n, m)
			if err != nil {
				t.Fatalf("consistencyProof(%d, %d) = %v", n, m, err)
			}
			if err := proof.VerifyConsistency(hasher, n, m, p, roots[n], roots[m]); err != nil {
				t.Errorf("consistency %d→%d: %v", n, m, err)
			}
		}
	}
	for _, i := range []uint64{0, 1, 255, 256, 300, 511, 512, 599} {
		p, err := l.inclusionProof(ctx, s, i)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(hasher, i, 600, leaves[i], p, roots[600]); err != nil {
			t.Errorf("inclusion of %d: %v", i, err)
		}
	}
	// HTTP consistency proof
	r := call(t, "GET", srv.URL+"/api/v1/log/proof?firstSize=257&lastSize=513", nil)
	var cp models.ConsistencyProof
	if err := json.Unmarshal(r.body, &cp); err != nil || r.status != 200 {
		t.Fatalf("GET proof: %d %s", r.status, r.body)
	}
	hs := make([][]byte, len(cp.Hashes))
	for i, h := range cp.Hashes {
		hs[i], _ = hex.DecodeString(h)
	}
	if err := proof.VerifyConsistency(hasher, 257, 513, hs, roots[257], roots[513]); err != nil || *cp.RootHash != hex.EncodeToString(roots[513]) {
		t.Errorf("HTTP consistency proof: %v (root %s)", err, *cp.RootHash)
	}
}

func TestBadInput(t *testing.T) {
	l, srv := testLog(t, Config{MaxBodyBytes: 64 << 10})
	g := newGen(t)
	good := string(entry(t, g, 0))
	if r := call(t, "POST", srv.URL+"/api/v1/log/entries", []byte(good)); r.status != 201 {
		t.Fatalf("POST good entry: %d %s", r.status, r.body)
	}
	other := newGen(t)
	badSig := strings.Replace(string(entry(t, other, 1)), "", "", 1)
	// swap in g's key: signature by other's key no longer verifies
	var m map[string]any
	_ = json.Unmarshal([]byte(badSig), &m)
	m["spec"].(map[string]any)["signature"].(map[string]any)["publicKey"].(map[string]any)["content"] = base64.StdEncoding.EncodeToString(g.PublicKeyPEM())
	badSigB, _ := json.Marshal(m)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"malformed json", "POST", "/api/v1/log/entries", `{"kind":`, 400},
		{"empty body", "POST", "/api/v1/log/entries", ``, 422},
		{"unknown kind", "POST", "/api/v1/log/entries", `{"kind":"nope","apiVersion":"0.0.1","spec":{}}`, 422},
		{"unsupported kind", "POST", "/api/v1/log/entries", `{"kind":"rekord","apiVersion":"0.0.1","spec":{}}`, 400},
		{"unknown version", "POST", "/api/v1/log/entries", strings.Replace(good, `"apiVersion":"0.0.1"`, `"apiVersion":"9.9.9"`, 1), 400},
		{"bad base64", "POST", "/api/v1/log/entries", strings.Replace(good, `"signature":{"content":"`, `"signature":{"content":"!!!`, 1), 400},
		{"bad signature", "POST", "/api/v1/log/entries", string(badSigB), 400},
		{"oversized", "POST", "/api/v1/log/entries", `{"kind":"hashedrekord","x":"` + strings.Repeat("a", 70<<10) + `"}`, 413},
		{"negative index", "GET", "/api/v1/log/entries?logIndex=-1", "", 422},
		{"index beyond tree", "GET", "/api/v1/log/entries?logIndex=1", "", 404},
		{"malformed uuid", "GET", "/api/v1/log/entries/xyz", "", 422},
		{"unknown uuid", "GET", "/api/v1/log/entries/" + strings.Repeat("ab", 32), "", 404},
		{"first > last", "GET", "/api/v1/log/proof?firstSize=2&lastSize=1", "", 400},
		{"last beyond tree", "GET", "/api/v1/log/proof?firstSize=1&lastSize=2", "", 400},
		{"too many retrieve", "POST", "/api/v1/log/entries/retrieve", `{"logIndexes":[0,0,0,0,0,0,0,0,0,0,0]}`, 422},
		{"bad retrieve uuid", "POST", "/api/v1/log/entries/retrieve", `{"entryUUIDs":["zz"]}`, 422},
		{"bad search hash", "POST", "/api/v1/index/retrieve", `{"hash":"sha256:zz"}`, 422},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.method == "POST" {
				body = []byte(tc.body)
			}
			r := call(t, tc.method, srv.URL+tc.path, body)
			if r.status != tc.want {
				t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, r.status, r.body, tc.want)
			}
			if r.status != 404 {
				var e models.Error
				if err := json.Unmarshal(r.body, &e); err != nil || e.Message == "" {
					t.Errorf("error body %q is not {code, message}: %v", r.body, err)
				}
			}
		})
	}
	if l.Size() != 1 {
		t.Errorf("Size() = %d after bad input, want 1", l.Size())
	}
}

func TestRestartAndTamper(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	g := newGen(t)
	entries, err := g.Entries(0, 300)
	if err != nil {
		t.Fatal(err)
	}
	c := loadgen.NewClient(srv.URL, 2)
	for i := 0; i < 300; i += 100 {
		if _, err := c.PostBatch(ctx, entries[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	srv.Close()
	treeID, pem, cp := l.TreeID(), l.PublicKeyPEM(), l.Checkpoint()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	if l2.TreeID() != treeID || !bytes.Equal(l2.PublicKeyPEM(), pem) || !bytes.Equal(l2.Checkpoint(), cp) || l2.Size() != 300 {
		t.Errorf("after restart: tree %d size %d, want tree %d size 300 with the same key and checkpoint", l2.TreeID(), l2.Size(), treeID)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
	// Tamper with entry 42's body.
	w, _, err := openDB(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `UPDATE entries SET body = CAST(? AS BLOB) WHERE idx = 42`, `{"tampered":true}`); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	_, err = Open(ctx, Config{Dir: dir})
	var de *DamageError
	if !errors.As(err, &de) || de.Begin != 42 || de.End != 43 {
		t.Fatalf("Open() after tampering entry 42 = %v, want DamageError [42, 43)", err)
	}
}

func TestBatchAndIdempotency(t *testing.T) {
	l, srv := testLog(t, Config{})
	g := newGen(t)
	e0 := entry(t, g, 0)
	body := fmt.Appendf(nil, `[%s,%s,%s,{"kind":"hashedrekord"}]`, e0, entry(t, g, 1), e0)
	post := func(key string, b []byte) response { return postBatch(t, srv.URL, key, b) }
	r := post("k1", body)
	var items []BatchItem
	if err := json.Unmarshal(r.body, &items); err != nil || r.status != http.StatusMultiStatus {
		t.Fatalf("batch: %d %s", r.status, r.body)
	}
	want := []int{201, 201, 409, 422}
	for i, it := range items {
		if it.Status != want[i] {
			t.Errorf("item %d status %d, want %d (%+v)", i, it.Status, want[i], it.Error)
		}
	}
	if items[2].EntryID != items[0].EntryID {
		t.Errorf("duplicate item id %s, want %s", items[2].EntryID, items[0].EntryID)
	}
	for id, e := range items[1].Entry {
		checkEntry(t, l, id, e)
	}
	r2 := post("k1", body)
	if r2.status != r.status || !bytes.Equal(r2.body, r.body) {
		t.Errorf("retry with the same Idempotency-Key: %d, body differs: %v", r2.status, !bytes.Equal(r2.body, r.body))
	}
	if r3 := post("k1", []byte(`[]`)); r3.status != 422 {
		t.Errorf("reused key with another body: %d, want 422", r3.status)
	}
	if r4 := post("", []byte("["+strings.Repeat(string(entry(t, g, 5))+",", 100)+string(entry(t, g, 6))+"]")); r4.status != 422 {
		t.Errorf("101-entry batch: %d, want 422", r4.status)
	}
	if l.Size() != 2 {
		t.Errorf("Size() = %d, want 2", l.Size())
	}
}

func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, srv := testLog(t, Config{RateLimit: 1, RateBurst: 2, Now: clock})
	var codes []int
	var retry string
	for range 3 {
		r := call(t, "GET", srv.URL+"/healthz", nil)
		codes = append(codes, r.status)
		retry = r.header.Get("Retry-After")
	}
	if fmt.Sprint(codes) != "[200 200 429]" || retry != "1" {
		t.Errorf("statuses = %v, Retry-After %q; want [200 200 429], 1", codes, retry)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if r := call(t, "GET", srv.URL+"/healthz", nil); r.status != 200 {
		t.Errorf("after a second: %d, want 200", r.status)
	}
}

func TestTiles(t *testing.T) {
	l, srv := testLog(t, Config{})
	g := newGen(t)
	entries, err := g.Entries(0, 300)
	if err != nil {
		t.Fatal(err)
	}
	c := loadgen.NewClient(srv.URL, 2)
	for i := 0; i < 300; i += 100 {
		if _, err := c.PostBatch(context.Background(), entries[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	r := call(t, "GET", srv.URL+"/api/v2/checkpoint", nil)
	if !bytes.Equal(r.body, l.Checkpoint()) {
		t.Errorf("checkpoint = %q, want %q", r.body, l.Checkpoint())
	}
	full := call(t, "GET", srv.URL+"/api/v2/tile/0/000", nil)
	part := call(t, "GET", srv.URL+"/api/v2/tile/0/001.p/44", nil)
	if full.status != 200 || len(full.body) != 256*32 || part.status != 200 || len(part.body) != 44*32 {
		t.Fatalf("tiles: full %d (%d bytes), partial %d (%d bytes)", full.status, len(full.body), part.status, len(part.body))
	}
	if r := call(t, "GET", srv.URL+"/api/v2/tile/0/001", nil); r.status != 404 {
		t.Errorf("incomplete full tile: %d, want 404", r.status)
	}
	if r := call(t, "GET", srv.URL+"/api/v2/tile/1/000.p/1", nil); r.status != 200 || !bytes.Equal(r.body, subtreeRoot(full.body)) {
		t.Errorf("level-1 tile: %d %x, want root of tile 0/000", r.status, r.body)
	}
	bundle := call(t, "GET", srv.URL+"/api/v2/tile/entries/001.p/44", nil)
	var leaves []byte
	for b := bundle.body; len(b) > 0; {
		n := int(b[0])<<8 | int(b[1])
		leaves = append(leaves, hasher.HashLeaf(b[2:2+n])...)
		b = b[2+n:]
	}
	if !bytes.Equal(leaves, part.body) {
		t.Error("entry bundle 001.p/44 does not hash to tile 0/001.p/44")
	}
	sum := sha256.Sum256(nil)
	_ = sum
}

// subtreeRoot hashes a power-of-two run of node hashes up to their root.
func subtreeRoot(b []byte) []byte {
	level := make([][]byte, len(b)/hashSize)
	for i := range level {
		level[i] = b[i*hashSize : (i+1)*hashSize]
	}
	for len(level) > 1 {
		next := level[:len(level)/2]
		for i := range next {
			next[i] = hasher.HashChildren(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0]
}

func TestSETPayloadMatchesRekor(t *testing.T) {
	logID := strings.Repeat("0a", 32)
	for i, body := range []string{"", "eyJhIjoxfQ==", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb, 0xff, 0x3e}, 200)), "with \"quote\" and <tag> \u2028"} {
		for _, n := range []int64{0, 1, 1 << 40, 9007199254740993} {
			it, idx := n*3+int64(i), n
			e := &models.LogEntryAnon{Body: body, IntegratedTime: &it, LogID: &logID, LogIndex: &idx}
			got, err := setPayload(e)
			if err != nil {
				t.Fatal(err)
			}
			want, err := rekorSETPayload(e)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("setPayload(%q, %d) = %s, want %s", body, n, got, want)
			}
		}
	}
}

func TestBodyCodecRoundTrip(t *testing.T) {
	var c bodyCodec
	g := newGen(t)
	bodies := [][]byte{[]byte(`{}`), []byte(`{"a":1}`), entry(t, g, 1), bytes.Repeat([]byte("x"), 100000)}
	for _, b := range bodies {
		enc, err := c.encode(b)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := c.decode(enc)
		if err != nil || !bytes.Equal(dec, b) {
			t.Errorf("decode(encode(%.40q)) = %.40q, %v", b, dec, err)
		}
	}
	enc, _ := c.encode(entry(t, g, 2))
	if len(enc) > 350 {
		t.Errorf("hashedrekord body stored in %d bytes, want < 350", len(enc))
	}
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if l2, err := Open(context.Background(), Config{Dir: dir}); err == nil {
		_ = l2.Close()
		t.Error("second Open of an open log succeeded, want an error")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l3, err := Open(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatalf("Open after Close = %v", err)
	}
	_ = l3.Close()
}

// TestDamageLocatedBySignedCheckpoints rewrites entries together with the
// stored tiles (so only the kept signed checkpoints can tell) and checks the
// damage is located between two signed roots.
func TestDamageLocatedBySignedCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("appends 2100 entries")
	}
	ctx := context.Background()
	g := newGen(t)
	entries, err := g.Entries(0, 2100)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(t *testing.T) string {
		dir := t.TempDir()
		l, err := Open(ctx, Config{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(l.Handler())
		c := loadgen.NewClient(srv.URL, 2)
		for i := 0; i < len(entries); i += 100 {
			if _, err := c.PostBatch(ctx, entries[i:i+100]); err != nil {
				t.Fatal(err)
			}
		}
		srv.Close()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	// rewrite replaces entry idx's body and, if its tile is stored, the
	// leaf hash in it.
	rewrite := func(t *testing.T, dir string, idx int) {
		w, _, err := openDB(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		body := []byte(`{"rewritten":true}`)
		if _, err := w.ExecContext(ctx, `UPDATE entries SET body = ? WHERE idx = ?`, body, idx); err != nil {
			t.Fatal(err)
		}
		var tile []byte
		if err := w.QueryRowContext(ctx, `SELECT hashes FROM tiles WHERE level = 0 AND n = ?`, idx/256).Scan(&tile); err == nil {
			copy(tile[(idx%256)*32:], hasher.HashLeaf(body))
			if _, err := w.ExecContext(ctx, `UPDATE tiles SET hashes = ? WHERE level = 0 AND n = ?`, tile, idx/256); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		idx        int
		begin, end uint64
	}{
		{1050, 0, 1100},    // before the first kept checkpoint (size 1100)
		{2060, 1100, 2100}, // after it
	} {
		t.Run(fmt.Sprint(tc.idx), func(t *testing.T) {
			dir := fill(t)
			rewrite(t, dir, tc.idx)
			_, err := Open(ctx, Config{Dir: dir})
			var de *DamageError
			if !errors.As(err, &de) || de.Begin != tc.begin || de.End != tc.end {
				t.Errorf("Open() after rewriting entry %d and its tile = %v, want DamageError [%d, %d)", tc.idx, err, tc.begin, tc.end)
			}
		})
	}
}
