// Package mirrortest starts `provscope serve`'s embedded log on loopback
// behind a proxy that can lie, for the tests of provscope mirror, audit and
// search --mirror.
package mirrortest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/models"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/server"
)

// Mutator rewrites a successful answer to path (relative to /api/v2/, such
// as "tile/0/000" or "checkpoint"; other paths in full, such as
// "/api/v1/log/entries/retrieve"); it returns b unchanged to pass it on.
type Mutator func(path string, b []byte) []byte

// World is an embedded log served through a proxy.
type World struct {
	Log    *server.Log
	Dir    string
	URL    string // the proxy's base URL; the tiles API is URL + "/api/v2"
	Signer *cosignfmt.Signer
	Fulcio *inspecttest.Fulcio

	rc     *client.Client
	mu     sync.Mutex
	mutate Mutator
	other  *server.Log // when set, the proxy serves this log instead
	fork   *server.Log
	srv    *httptest.Server
}

// Start opens an embedded log in a temporary directory and serves it
// through a proxy on 127.0.0.1.
func Start(t testing.TB) *World {
	t.Helper()
	w := &World{Dir: t.TempDir()}
	w.open(t)
	w.srv = httptest.NewServer(http.HandlerFunc(w.serve))
	w.URL = w.srv.URL
	t.Cleanup(func() {
		w.srv.Close()
		_ = w.Log.Close()
		if w.fork != nil {
			_ = w.fork.Close()
		}
	})
	k, err := cosignfmt.KeyFromSeed("mirrortest " + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	if w.Signer, err = cosignfmt.NewSigner(k); err != nil {
		t.Fatal(err)
	}
	if w.Fulcio, err = inspecttest.NewFulcio(time.Now()); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *World) open(t testing.TB) {
	t.Helper()
	l, err := server.Open(context.Background(), server.Config{Dir: w.Dir, Hostname: "mirror.test"})
	if err != nil {
		t.Fatal(err)
	}
	w.Log = l
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(srv.Close)
	if w.rc, err = client.New(client.Config{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
}

func (w *World) serve(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	mutate, l := w.mutate, w.Log
	if w.other != nil {
		l = w.other
	}
	w.mu.Unlock()
	rec := httptest.NewRecorder()
	l.Handler().ServeHTTP(rec, r)
	b := rec.Body.Bytes()
	if rec.Code == http.StatusOK && mutate != nil {
		p, ok := strings.CutPrefix(r.URL.Path, "/api/v2/")
		if !ok {
			p = r.URL.Path
		}
		b = mutate(p, bytes.Clone(b))
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			rw.Header()[k] = v
		}
	}
	rw.WriteHeader(rec.Code)
	_, _ = rw.Write(b)
}

// SetMutator makes the proxy rewrite answers (nil: pass them on).
func (w *World) SetMutator(m Mutator) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mutate = m
}

// KeyPEM returns the log's public key.
func (w *World) KeyPEM() []byte { return w.Log.PublicKeyPEM() }

// NoteKeys returns the log's checkpoint note key.
func (w *World) NoteKeys(t testing.TB) []proof.NoteKey {
	t.Helper()
	k, err := proof.LogKeyFromPEM(w.KeyPEM(), w.Log.Origin())
	if err != nil {
		t.Fatal(err)
	}
	return []proof.NoteKey{k}
}

// KeyFile writes the log's public key to a file and returns its path.
func (w *World) KeyFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "log.pub")
	if err := os.WriteFile(p, w.KeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// SignerKeyFile writes the key signer's public key to a file.
func (w *World) SignerKeyFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "signer.pub")
	if err := os.WriteFile(p, w.Signer.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// AddHashed logs n hashedrekord entries signed with the world's key over
// "artifact <prefix> <i>" and returns their artifact digests (hex).
func (w *World) AddHashed(t testing.TB, prefix string, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		p := []byte(fmt.Sprintf("artifact %s %d", prefix, i))
		sig, err := w.Signer.SignMessage(bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.rc.Upload(context.Background(), cosignfmt.HashedRekordEntry(p, sig, w.Signer.PublicKeyPEM())); err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		sum := sha256.Sum256(p)
		out = append(out, hex.EncodeToString(sum[:]))
	}
	return out
}

// AddKeyless logs a hashedrekord entry signed with a certificate for
// identity and issuer and returns its artifact digest (hex).
func (w *World) AddKeyless(t testing.TB, identity, issuer string) string {
	t.Helper()
	certPEM, key, err := w.Fulcio.Issue(identity, issuer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	p := []byte("keyless artifact for " + identity)
	sig, err := s.SignMessage(bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.rc.Upload(context.Background(), cosignfmt.HashedRekordEntry(p, sig, certPEM)); err != nil {
		t.Fatalf("upload keyless %q: %v", identity, err)
	}
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}

// AddDSSE logs a dsse entry over an in-toto statement about subjectDigest
// and returns the payload's SHA-256 (hex).
func (w *World) AddDSSE(t testing.TB, subjectDigest string) string {
	t.Helper()
	stmt, env := w.signStatement(t, subjectDigest, "https://slsa.dev/provenance/v1")
	if _, _, err := w.rc.Upload(context.Background(), cosignfmt.DSSEEntry(env, w.Signer.PublicKeyPEM())); err != nil {
		t.Fatalf("upload dsse: %v", err)
	}
	sum := sha256.Sum256(stmt)
	return hex.EncodeToString(sum[:])
}

// AddIntoto logs an intoto 0.0.2 entry (as cosign attest uploads it) over
// an in-toto statement about subjectDigest and returns the payload's
// SHA-256 (hex).
func (w *World) AddIntoto(t testing.TB, subjectDigest string) string {
	t.Helper()
	stmt, env := w.signStatement(t, subjectDigest, "https://spdx.dev/Document")
	var e struct {
		Signatures []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(env, &e); err != nil || len(e.Signatures) == 0 {
		t.Fatalf("reading the envelope: %v", err)
	}
	pub := strfmt.Base64(w.Signer.PublicKeyPEM())
	sig := strfmt.Base64(e.Signatures[0].Sig) // cosign sends the base64 text
	envSum := sha256.Sum256(env)              // cosign records the envelope's digest itself
	pe := &models.Intoto{
		APIVersion: ptr("0.0.2"),
		Spec: models.IntotoV002Schema{Content: &models.IntotoV002SchemaContent{
			Hash: &models.IntotoV002SchemaContentHash{Algorithm: ptr(models.IntotoV002SchemaContentHashAlgorithmSha256), Value: ptr(hex.EncodeToString(envSum[:]))},
			Envelope: &models.IntotoV002SchemaContentEnvelope{
				Payload: strfmt.Base64(base64.StdEncoding.EncodeToString(stmt)), PayloadType: ptr(inTotoPayloadType), // as cosign: the base64 text
				Signatures: []*models.IntotoV002SchemaContentEnvelopeSignaturesItems0{{Keyid: e.Signatures[0].KeyID, Sig: &sig, PublicKey: &pub}},
			},
		}},
	}
	if _, _, err := w.rc.Upload(context.Background(), pe); err != nil {
		t.Fatalf("upload intoto: %v", err)
	}
	sum := sha256.Sum256(stmt)
	return hex.EncodeToString(sum[:])
}

func ptr[T any](v T) *T { return &v }

const inTotoPayloadType = "application/vnd.in-toto+json"

// signStatement builds an in-toto statement of predicateType about
// subjectDigest and signs it as a DSSE envelope with the world's key; it
// returns the statement and the envelope.
func (w *World) signStatement(t testing.TB, subjectDigest, predicateType string) (stmt, env []byte) {
	t.Helper()
	stmt, err := cosignfmt.Statement("registry.test/app", "sha256:"+subjectDigest, predicateType, map[string]any{"n": subjectDigest[:8]})
	if err != nil {
		t.Fatal(err)
	}
	env, err = w.Signer.SignDSSE(inTotoPayloadType, stmt)
	if err != nil {
		t.Fatal(err)
	}
	return stmt, env
}

// Fork copies the log as it is now and grows the copy with n entries of its
// own: the same key then signs two histories. The proxy keeps serving the
// original until UseFork.
func (w *World) Fork(t testing.TB, n int) {
	t.Helper()
	if err := w.Log.Close(); err != nil {
		t.Fatal(err)
	}
	forkDir := t.TempDir()
	ents, err := os.ReadDir(w.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		copyFile(t, filepath.Join(w.Dir, e.Name()), filepath.Join(forkDir, e.Name()))
	}
	w.open(t)
	fork, err := server.Open(context.Background(), server.Config{Dir: forkDir, Hostname: "mirror.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fork.Handler())
	t.Cleanup(srv.Close)
	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := []byte(fmt.Sprintf("fork artifact %d", i))
		sig, _ := w.Signer.SignMessage(bytes.NewReader(p))
		if _, _, err := rc.Upload(context.Background(), cosignfmt.HashedRekordEntry(p, sig, w.Signer.PublicKeyPEM())); err != nil {
			t.Fatal(err)
		}
	}
	w.fork = fork
}

// UseFork makes the proxy serve the fork Fork made.
func (w *World) UseFork() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.other = w.fork
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from) //nolint:gosec // test helper copying the test's own log directory
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to) //nolint:gosec // test helper copying the test's own log directory
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// Checkpoint returns the log's current checkpoint note (as served, through
// the proxy and its mutator).
func (w *World) Checkpoint(t testing.TB) []byte {
	t.Helper()
	resp, err := http.Get(w.URL + "/api/v2/checkpoint") //nolint:noctx // test helper on loopback
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// MarshalJSON keeps the world out of test logs.
func (w *World) MarshalJSON() ([]byte, error) { return json.Marshal(w.URL) }
