package cli

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/server"
	"github.com/provscope/provscope/rekor/state"
	"github.com/provscope/provscope/ui/backend"
)

// lyingLog is a small HTTP front on loopback in front of the embedded log:
// honest by default, it answers GET /api/v1/log with a head of its choosing
// signed with the log's own key (a log operator gone bad), and may deny
// entries. Everything else is passed through.
type lyingLog struct {
	t        *testing.T
	upstream string
	proxy    *httputil.ReverseProxy
	signer   signature.Signer
	hostname string

	mu   sync.Mutex
	mode string
	// deny answers 404 for GET /api/v1/log/entries?logIndex=deny when >= 0.
	deny int64
}

// logHead is Rekor v1's GET /api/v1/log answer.
type logHead struct {
	RootHash       string    `json:"rootHash"`
	SignedTreeHead string    `json:"signedTreeHead"`
	TreeID         string    `json:"treeID"`
	TreeSize       int64     `json:"treeSize"`
	InactiveShards []logHead `json:"inactiveShards,omitempty"`
}

// newLyingLog fronts the embedded log at upstream whose data directory is
// dir (the key is read from its database, as an operator could).
func newLyingLog(t *testing.T, upstream, dir string) (*lyingLog, string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "log.db")+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var der []byte
	if err := db.QueryRow(`SELECT v FROM meta WHERE k = 'log_key_pkcs8'`).Scan(&der); err != nil {
		t.Fatalf("reading the log key: %v", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.LoadECDSASigner(k.(*ecdsa.PrivateKey), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	l := &lyingLog{t: t, upstream: upstream, proxy: httputil.NewSingleHostReverseProxy(u), signer: s, hostname: server.DefaultHostname, mode: "honest", deny: -1}
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	return l, srv.URL
}

func (l *lyingLog) set(mode string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mode = mode
}

func (l *lyingLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	mode, deny := l.mode, l.deny
	l.mu.Unlock()
	if r.URL.Path == "/api/v1/log/entries" && deny >= 0 && r.URL.Query().Get("logIndex") == strconv.FormatInt(deny, 10) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"code":404,"message":"entry not found"}`)
		return
	}
	if r.URL.Path != "/api/v1/log" || mode == "honest" {
		l.proxy.ServeHTTP(w, r)
		return
	}
	h := l.honestHead()
	treeID, _ := strconv.ParseInt(h.TreeID, 10, 64)
	root, _ := hex.DecodeString(h.RootHash)
	sign := func(host string, tree int64, size int64, root []byte) logHead {
		note, err := util.CreateAndSignCheckpoint(r.Context(), host, tree, uint64(size), root, l.signer)
		if err != nil {
			l.t.Error(err)
		}
		return logHead{RootHash: hex.EncodeToString(root), SignedTreeHead: string(note), TreeID: strconv.FormatInt(tree, 10), TreeSize: size}
	}
	other := sha256.Sum256([]byte(mode))
	switch mode {
	case "rollback": // a smaller tree, signed
		h = sign(l.hostname, treeID, h.TreeSize-1, other[:])
	case "fork": // the same size, another root, signed
		h = sign(l.hostname, treeID, h.TreeSize, other[:])
	case "dropped": // a fresh tree under the same key; the old one unlisted
		h = sign(l.hostname, treeID+1, 3, other[:])
	case "mismatch": // the honest note, but the JSON claims more
		h.TreeSize += 5
	case "origin": // the honest tree re-signed under another origin
		h = sign("evil.example", treeID, h.TreeSize, root)
	default:
		l.t.Errorf("unknown mode %q", mode)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h)
}

func (l *lyingLog) honestHead() logHead {
	resp, err := http.Get(l.upstream + "/api/v1/log") //nolint:noctx // test
	if err != nil {
		l.t.Error(err)
		return logHead{}
	}
	defer resp.Body.Close()
	var h logHead
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		l.t.Error(err)
	}
	return h
}

// TestLogHeadVerdictSameEverywhere drives `provscope loginfo`, `provscope
// verify` and the explorer's backend through the same misbehaving log
// states, each served by a lying front signing with the log's own key:
// every one must fail, with the same words (the log-head watcher's
// verdict, decided by proof/), and pass again once the log is honest.
func TestLogHeadVerdictSameEverywhere(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	lie, front := newLyingLog(t, w.LogURL, filepath.Join(w.Dir, "log"))
	var img, key string
	for _, c := range w.Cases {
		if c.Name == "signed-legacy" {
			img, key = c.Image, demoKeyPath(w, c.Key)
		}
	}
	if img == "" {
		t.Fatal("the demo world has no signed-legacy case")
	}
	logArgs := []string{"--log", front, "--log-key", w.LogPublicKeyPath}
	store := &state.Store{Dir: filepath.Join(dir, "state", "provscope", "checkpoints")}
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Config{Log: logs.Log{Name: "front", URL: front, Kind: logs.KindRekorV1}, KeyPEM: w.LogPublicKeyPEM, Store: store})
	if err != nil {
		t.Fatal(err)
	}

	// The honest log is remembered (tree and origin) by a first loginfo.
	if code, out, errs := runCLI(t, append([]string{"loginfo"}, logArgs...)...); code != exitOK || !strings.Contains(out, "first seen now") {
		t.Fatalf("honest loginfo = %d\n%s%s", code, out, errs)
	}

	states := []struct {
		mode     string
		wantKind any
		wantText string
	}{
		{"rollback", proof.Rollback, "log rolled back: tree size"},
		{"fork", proof.Fork, "log forked: two signed checkpoints of size"},
		{"dropped", proof.TreeDropped, "log dropped tree"},
		{"mismatch", new(*proof.HeadMismatchError), "log head mismatch: the log reports size"},
		{"origin", new(*proof.OriginError), `checkpoint origin "evil.example - `},
	}
	for _, s := range states {
		t.Run(s.mode, func(t *testing.T) {
			lie.set(s.mode)
			defer lie.set("honest")

			// The explorer's backend: the watcher's typed verdict.
			hc, err := b.CheckHead(ctx)
			if err != nil {
				t.Fatalf("explorer CheckHead: %v", err)
			}
			if hc.Problem == nil {
				t.Fatalf("explorer: no problem found, want %q", s.wantText)
			}
			switch want := s.wantKind.(type) {
			case proof.InconsistencyKind:
				var ie *proof.InconsistentError
				if !errors.As(hc.Problem, &ie) || ie.Kind != want {
					t.Errorf("explorer problem = %v (%T), want a %v *proof.InconsistentError", hc.Problem, hc.Problem, want)
				}
			case **proof.HeadMismatchError:
				if !errors.As(hc.Problem, want) {
					t.Errorf("explorer problem = %v (%T), want a *proof.HeadMismatchError", hc.Problem, hc.Problem)
				}
			case **proof.OriginError:
				if !errors.As(hc.Problem, want) {
					t.Errorf("explorer problem = %v (%T), want a *proof.OriginError", hc.Problem, hc.Problem)
				}
			}
			words := hc.Problem.Error()
			if !strings.Contains(words, s.wantText) {
				t.Errorf("explorer problem = %q, want %q", words, s.wantText)
			}

			// loginfo and verify fail with exactly the explorer's words.
			code, out, errs := runCLI(t, append([]string{"loginfo"}, logArgs...)...)
			if code != exitFailed || !strings.Contains(out+errs, words) {
				t.Errorf("loginfo = exit %d, want %d with %q\n%s%s", code, exitFailed, words, out, errs)
			}
			code, out, errs = runCLI(t, append([]string{"verify", img, "--key", key, "--trusted-root", w.TrustedRootPath}, logArgs...)...)
			if code != exitFailed || !strings.Contains(out+errs, words) {
				t.Errorf("verify = exit %d, want %d with %q\n%s%s", code, exitFailed, words, out, errs)
			}
		})
	}

	// Honest again: all three pass, and nothing the lies said was remembered.
	if hc, err := b.CheckHead(ctx); err != nil || hc.Problem != nil {
		t.Errorf("explorer on the honest log = %v, %v", hc.Problem, err)
	}
	if code, out, errs := runCLI(t, append([]string{"loginfo"}, logArgs...)...); code != exitOK {
		t.Errorf("honest loginfo = %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"verify", img, "--key", key, "--trusted-root", w.TrustedRootPath}, logArgs...)...); code != exitOK {
		t.Errorf("honest verify = %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(store.Dir); err != nil {
		t.Errorf("state directory: %v", err)
	}
}

// TestGetDeniedEntry: a log answering 404 for an index its own signed
// checkpoint covers misbehaves (exit 1, naming the signed size); beyond
// the signed size, "no such entry" is a usage error (exit 2).
func TestGetDeniedEntry(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	lie, front := newLyingLog(t, w.LogURL, filepath.Join(w.Dir, "log"))
	h := lie.honestHead()
	lie.mu.Lock()
	lie.deny = 1
	lie.mu.Unlock()
	logArgs := []string{"--log", front, "--log-key", w.LogPublicKeyPath}
	code, out, errs := runCLI(t, append([]string{"get", "--log-index", "1"}, logArgs...)...)
	want := "log misbehaves: it has no entry at index 1, yet its signed checkpoints cover " + strconv.FormatInt(h.TreeSize, 10) + " entries"
	if code != exitFailed || !strings.Contains(out+errs, want) {
		t.Errorf("get --log-index 1 (denied) = exit %d, want %d with %q\n%s%s", code, exitFailed, want, out, errs)
	}
	beyond := strconv.FormatInt(h.TreeSize+10, 10)
	if code, out, errs := runCLI(t, append([]string{"get", "--log-index", beyond}, logArgs...)...); code != exitUsageErr || !strings.Contains(errs, "no such entry") {
		t.Errorf("get --log-index %s (beyond the log) = exit %d, want %d\n%s%s", beyond, code, exitUsageErr, out, errs)
	}
}

// TestExplorerSearchDeniedEntry: the explorer's `/` with a log index that
// the log denies, although its own signed checkpoint covers it, reports the
// log misbehaving (as `get --log-index` does), never "no such entry".
func TestExplorerSearchDeniedEntry(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	lie, front := newLyingLog(t, w.LogURL, filepath.Join(w.Dir, "log"))
	h := lie.honestHead()
	lie.mu.Lock()
	lie.deny = 1
	lie.mu.Unlock()
	ctx := t.Context()
	store := &state.Store{Dir: t.TempDir()}
	b, err := backend.Open(ctx, backend.Config{Log: logs.Log{Name: "front", URL: front, Kind: logs.KindRekorV1}, KeyPEM: w.LogPublicKeyPEM, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Search(ctx, "1")
	var missing *proof.MissingEntryError
	if !errors.As(err, &missing) || missing.Covered != uint64(h.TreeSize) { //nolint:gosec // a test log's size
		t.Errorf("Search(1) on a log denying a covered entry = %v, want *proof.MissingEntryError covering %d", err, h.TreeSize)
	}
	beyond := strconv.FormatInt(h.TreeSize+10, 10)
	if _, err := b.Search(ctx, beyond); err == nil || errors.As(err, &missing) {
		t.Errorf("Search(%s) beyond the log = %v, want a plain not-found", beyond, err)
	}
}
