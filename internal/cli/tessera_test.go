package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/proof"
)

// tesseraLog is a tlog-tiles log written and served by Tessera's own POSIX
// conformance personality (tessera-posix, built by scripts/install-tools.sh).
type tesseraLog struct {
	url      string   // where it serves checkpoint, tile/ and tile/entries/
	vkey     string   // its Ed25519 note verifier key, name+hash+base64
	keyFile  string   // the same key as a PEM public key
	vkeyFile string   // the verifier key in a file
	entries  [][]byte // what was added, by index
}

// startTessera runs tessera-posix on 127.0.0.1 with a fresh Ed25519 note
// key and a temporary storage directory, and adds n entries through its
// POST /add endpoint, all at once (it batches them), then waits until its
// published checkpoint covers them.
func startTessera(t *testing.T, n int) *tesseraLog {
	t.Helper()
	bin := testenv.Tool(t, "tessera-posix")
	dir := t.TempDir()
	const origin = "tessera.provscope.test/conformance"
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	skeyFile := filepath.Join(dir, "log.skey")
	vkeyFile := filepath.Join(dir, "log.vkey")
	if err := os.WriteFile(skeyFile, []byte(skey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vkeyFile, []byte(vkey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x01 {
		t.Fatalf("verifier key %q: not an Ed25519 key (%v)", vkey, err)
	}
	der, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(raw[1:]))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "log.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}

	// A free port: the personality takes an address, not a listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	storage := filepath.Join(dir, "storage")
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--storage_dir", storage, "--listen", addr, "--private_key", skeyFile) //nolint:gosec // G204: the test's own tool
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("tessera-posix output:\n%s", logs.String())
		}
	})
	l := &tesseraLog{url: "http://" + addr, vkey: vkey, keyFile: keyFile, vkeyFile: vkeyFile}

	// Its first checkpoint (size 0) says it is up.
	waitFor(t, "tessera-posix to publish its first checkpoint", func() bool {
		_, ok := l.checkpointSize(t)
		return ok
	})
	l.entries = make([][]byte, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			data := fmt.Appendf(nil, "tessera entry %d", i)
			resp, err := http.Post(l.url+"/add", "application/octet-stream", bytes.NewReader(data)) //nolint:gosec,noctx // the test's own server
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			idx, err := strconv.Atoi(string(b))
			if resp.StatusCode != http.StatusOK || err != nil || idx < 0 || idx >= n {
				errs <- fmt.Errorf("POST /add = %d %q", resp.StatusCode, b)
				return
			}
			l.entries[idx] = data
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i, e := range l.entries {
		if e == nil {
			t.Fatalf("no entry was added at index %d", i)
		}
	}
	waitFor(t, fmt.Sprintf("tessera-posix to publish a checkpoint of size %d", n), func() bool {
		size, _ := l.checkpointSize(t)
		return size == uint64(n)
	})
	return l
}

func (l *tesseraLog) checkpoint(t *testing.T) []byte {
	t.Helper()
	resp, err := http.Get(l.url + "/checkpoint") //nolint:gosec,noctx // the test's own server
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return b
}

func (l *tesseraLog) checkpointSize(t *testing.T) (uint64, bool) {
	t.Helper()
	lines := strings.SplitN(string(l.checkpoint(t)), "\n", 3)
	if len(lines) < 3 {
		return 0, false
	}
	n, err := strconv.ParseUint(lines[1], 10, 64)
	return n, err == nil
}

// waitFor polls cond until it holds; the bound only stops a hung test, no
// assertion depends on timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1200 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// rfc6962Root and rfc6962Path compute, naively from the leaves (RFC 6962
// section 2.1), the tree head and an inclusion proof: the reference the
// logs' answers are checked against.
func rfc6962Root(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return proof.LeafHash(leaves[0])
	}
	k := largestPowerOf2Below(len(leaves))
	return nodeHash(rfc6962Root(leaves[:k]), rfc6962Root(leaves[k:]))
}

func rfc6962Path(m int, leaves [][]byte) [][]byte {
	if len(leaves) <= 1 {
		return nil
	}
	k := largestPowerOf2Below(len(leaves))
	if m < k {
		return append(rfc6962Path(m, leaves[:k]), rfc6962Root(leaves[k:]))
	}
	return append(rfc6962Path(m-k, leaves[k:]), rfc6962Root(leaves[:k]))
}

func largestPowerOf2Below(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

func nodeHash(l, r []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

// TestTesseraLogReadByProvscope: provscope reads a tlog-tiles log that
// Tessera itself wrote and serves (its POSIX conformance personality), by
// its URL (tiles+URL) and its Ed25519 key: loginfo verifies the signed
// checkpoint; get and proof verify entries in a full tile and in the
// partial tile at the right edge (Tessera's .p/N tiles and entry bundles);
// verify-entry verifies a C2SP tlog-proof built from the entry and the
// checkpoint and rejects one with a changed entry; a wrong key fails.
func TestTesseraLogReadByProvscope(t *testing.T) {
	isolateEnv(t)
	const n = 300 // one full tile of 256 and a partial one of 44
	tl := startTessera(t, n)
	cp := tl.checkpoint(t)
	root := rfc6962Root(tl.entries)
	if !bytes.Contains(cp, []byte(base64.StdEncoding.EncodeToString(root))) {
		t.Fatalf("Tessera's checkpoint does not carry the root of the entries added:\n%s", cp)
	}
	// The log's key as Tessera's users get it: its note verifier key.
	logArgs := []string{"--log", "tiles+" + tl.url, "--log-key", tl.vkeyFile}
	for _, key := range []string{tl.vkeyFile, tl.keyFile} {
		code, out, errs := runCLI(t, "loginfo", "--log", "tiles+"+tl.url, "--log-key", key)
		if code != exitOK || !strings.Contains(out, fmt.Sprintf("size %d, root %x", n, root)) || !strings.Contains(out, "Verdict: verified") {
			t.Errorf("loginfo on Tessera's log with --log-key %s = %d\n%s%s", filepath.Base(key), code, out, errs)
		}
	}

	for _, idx := range []int{0, 5, 255, 256, n - 1} {
		code, out, errs := runCLI(t, append([]string{"get", "--log-index", strconv.Itoa(idx)}, logArgs...)...)
		leaf := proof.LeafHash(tl.entries[idx])
		if code != exitOK || !strings.Contains(out, fmt.Sprintf("UUID:        %x", leaf)) || !strings.Contains(out, strconv.Quote(string(tl.entries[idx]))) || !strings.Contains(out, "Verdict: verified") {
			t.Errorf("get --log-index %d on Tessera's log = %d, want 0 with UUID %x\n%s%s", idx, code, leaf, out, errs)
		}
		code, out, errs = runCLI(t, append([]string{"proof", "--log-index", strconv.Itoa(idx), "--full"}, logArgs...)...)
		want := rfc6962Path(idx, tl.entries)
		ok := code == exitOK && strings.Contains(out, "Verdict: verified")
		for i, h := range want {
			if !strings.Contains(out, fmt.Sprintf("%x", h)) {
				ok = false
				t.Errorf("proof --log-index %d: reference proof hash %d %x is not in the output", idx, i, h)
			}
		}
		if !ok {
			t.Errorf("proof --log-index %d on Tessera's log = %d\n%s%s", idx, code, out, errs)
		}
	}
	if code, out, errs := runCLI(t, append([]string{"get", "--log-index", strconv.Itoa(n)}, logArgs...)...); code == exitOK {
		t.Errorf("get --log-index %d (past the tree) = 0\n%s%s", n, out, errs)
	}

	// verify-entry: a C2SP tlog-proof whose proof the test computed from
	// the entries, with Tessera's signed checkpoint.
	const idx = 261
	tp := proof.MarshalTlogProof(proof.TlogProof{Extra: tl.entries[idx], Index: idx, Hashes: rfc6962Path(idx, tl.entries), Checkpoint: cp})
	dir := t.TempDir()
	good := filepath.Join(dir, "entry.tlog-proof")
	if err := os.WriteFile(good, tp, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "verify-entry", good, "--log-key", tl.vkeyFile); code != exitOK || !strings.Contains(out, "verified") {
		t.Errorf("verify-entry on Tessera's tlog-proof = %d\n%s%s", code, out, errs)
	}
	changed := bytes.Clone(tl.entries[idx])
	changed[len(changed)-1] ^= 1
	bad := filepath.Join(dir, "changed.tlog-proof")
	if err := os.WriteFile(bad, proof.MarshalTlogProof(proof.TlogProof{Extra: changed, Index: idx, Hashes: rfc6962Path(idx, tl.entries), Checkpoint: cp}), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "verify-entry", bad, "--log-key", tl.vkeyFile); code != exitFailed {
		t.Errorf("verify-entry on a tlog-proof with a changed entry = %d, want %d\n%s%s", code, exitFailed, out, errs)
	}
	cpFile := filepath.Join(dir, "checkpoint")
	if err := os.WriteFile(cpFile, cp, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "verify-entry", cpFile, "--log-key", tl.keyFile); code != exitOK {
		t.Errorf("verify-entry on Tessera's checkpoint = %d\n%s%s", code, out, errs)
	}
	// Tessera's own verifier key, as a log publishes it.
	if code, out, errs := runCLI(t, "verify-checkpoint", cpFile, "--key", tl.vkeyFile); code != exitOK {
		t.Errorf("verify-checkpoint with Tessera's verifier key = %d\n%s%s", code, out, errs)
	}

	// Another Ed25519 key does not verify Tessera's checkpoint.
	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(other)
	if err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "wrong.pem")
	if err := os.WriteFile(wrong, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "loginfo", "--log", "tiles+"+tl.url, "--log-key", wrong); code != exitFailed {
		t.Errorf("loginfo with another key = %d, want %d\n%s%s", code, exitFailed, out, errs)
	}
}

// TestTesseraFsckOnProvscopeServe: Tessera's own fsck re-derives the root of
// provscope serve's /api/v2 checkpoint from every tile and entry bundle
// (a full tile and a partial one) and checks the checkpoint's signature
// with provscope's note verifier key. Behind a front that changes one byte
// of one entry bundle, fsck fails: the check bites.
func TestTesseraFsckOnProvscopeServe(t *testing.T) {
	fsck := testenv.Tool(t, "tessera-fsck")
	isolateEnv(t)
	lg := startEmbeddedLog(t)
	lg.uploadArtifacts(t, testSigner(t, "fsck"), "fsck", 300)

	cp := httpGet(t, lg.url+"/api/v2/checkpoint")
	origin, _, _ := strings.Cut(string(cp), "\n")
	vkey := provscopeVerifierKey(t, cp, lg.log.PublicKeyPEM())
	vkeyFile := filepath.Join(t.TempDir(), "provscope.vkey")
	if err := os.WriteFile(vkeyFile, []byte(vkey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// fsck v1.0.4 exits 0 whatever it finds: it logs "fsck failed: …"
	// (klog, stderr) on a mismatch, so that line is its verdict.
	run := func(storageURL string) (ok bool, out string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, fsck, "--storage_url", storageURL, "--public_key", vkeyFile, "--origin", origin, "--ui=false", "--N", "2") //nolint:gosec // G204: the test's own tool
		b, err := cmd.CombinedOutput()
		out = string(b)
		if len(out) > 2000 {
			out = out[:2000] + "…"
		}
		return err == nil && strings.Contains(out, "checking log of size 300") && !strings.Contains(out, "fsck failed"), out
	}
	if ok, out := run(lg.url + "/api/v2/"); !ok {
		t.Errorf("tessera fsck on provscope serve's /api/v2 failed\n%s", out)
	}

	// The same log behind a front that flips one byte of the entry
	// bundle of the first tile.
	u, err := url.Parse(lg.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/api/v2/tile/entries/000" {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		_ = r.Body.Close()
		if len(b) > 10 {
			b[10] ^= 1
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	if ok, out := run(front.URL + "/api/v2/"); ok || !strings.Contains(out, "fsck failed") {
		t.Errorf("tessera fsck with a changed entry bundle passed, want \"fsck failed\"\n%s", out)
	}
}

func httpGet(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u) //nolint:gosec,noctx // the test's own server
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", u, resp.StatusCode, err)
	}
	return b
}

// provscopeVerifierKey is the note verifier key (name+hash+base64(0x02 ||
// DER SPKI), transparency-dev/formats' ECDSA form) for provscope serve's
// ECDSA checkpoint key, named as its checkpoint's signature line names it.
func provscopeVerifierKey(t *testing.T, cp, keyPEM []byte) string {
	t.Helper()
	_, sigs, ok := bytes.Cut(cp, []byte("\n\n"))
	if !ok {
		t.Fatalf("checkpoint without signatures:\n%s", cp)
	}
	line, _, _ := strings.Cut(strings.TrimPrefix(string(sigs), "— "), "\n")
	name, _, ok := strings.Cut(line, " ")
	if !ok {
		t.Fatalf("checkpoint signature line %q", line)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		t.Fatal("provscope serve's key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pub.(*ecdsa.PublicKey); !ok {
		t.Fatalf("provscope serve's key is %T, want ECDSA", pub)
	}
	sum := sha256.Sum256(block.Bytes)
	return fmt.Sprintf("%s+%08x+%s", name, binary.BigEndian.Uint32(sum[:4]), base64.StdEncoding.EncodeToString(append([]byte{0x02}, block.Bytes...)))
}
