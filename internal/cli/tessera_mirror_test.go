package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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

	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/proof/body/decoded"
	"github.com/provscope/provscope/proof/body/hashedrekord"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/tiles"
)

// add appends data to Tessera's log through POST /add, all at once, records
// each entry at the index Tessera gives it, and waits until the published
// checkpoint covers them.
func (l *tesseraLog) add(t *testing.T, data [][]byte) {
	t.Helper()
	first := len(l.entries)
	n := first + len(data)
	l.entries = append(l.entries, make([][]byte, len(data))...)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(data))
	for _, d := range data {
		wg.Go(func() {
			resp, err := http.Post(l.url+"/add", "application/octet-stream", bytes.NewReader(d)) //nolint:gosec,noctx // the test's own server
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			idx, err := strconv.Atoi(string(b))
			if resp.StatusCode != http.StatusOK || err != nil || idx < first || idx >= n {
				errs <- fmt.Errorf("POST /add = %d %q", resp.StatusCode, b)
				return
			}
			mu.Lock()
			l.entries[idx] = d
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := first; i < n; i++ {
		if l.entries[i] == nil {
			t.Fatalf("no entry was added at index %d", i)
		}
	}
	waitFor(t, fmt.Sprintf("tessera-posix to publish a checkpoint of size %d", n), func() bool {
		size, _ := l.checkpointSize(t)
		return size == uint64(n)
	})
}

// tesseraFront serves Tessera's log as it is, or fails one kind of
// request, or changes one byte of one tile.
type tesseraFront struct {
	url string
	mu  sync.Mutex
	// fail answers 500 to paths starting with it; flip changes byte
	// flipAt of the answer to exactly this path.
	fail, flip string
	flipAt     int
}

func startTesseraFront(t *testing.T, tl *tesseraLog) *tesseraFront {
	t.Helper()
	u, err := url.Parse(tl.url)
	if err != nil {
		t.Fatal(err)
	}
	f := &tesseraFront{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(r *http.Response) error {
		f.mu.Lock()
		flip, at := f.flip, f.flipAt
		f.mu.Unlock()
		if flip == "" || r.Request.URL.Path != flip || r.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		_ = r.Body.Close()
		if at < len(b) {
			b[at] ^= 0x01
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fail := f.fail
		f.mu.Unlock()
		if fail != "" && strings.HasPrefix(r.URL.Path, fail) {
			http.Error(w, "front: failing on purpose", http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *tesseraFront) set(fail, flip string, flipAt int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.flip, f.flipAt = fail, flip, flipAt
}

// TestTesseraLogMirroredAndAudited: provscope mirror follows a log that
// Tessera wrote (tessera-posix), whose entries are arbitrary bytes, not
// Rekor bodies: every tile and checkpoint verified, every entry kept
// byte for byte, the undecodable entries counted as not indexed (not
// treated as lies), and a Rekor body logged among them found by search
// --mirror. A run interrupted after its first chunk resumes where it
// stopped; a run cut short by the network leaves the mirror as it was and
// the next run continues. The mirror lives in the default directory the
// explorer looks in. audit checks the same log; behind a front that
// changes one byte of one tile Tessera serves, audit and mirror exit 1
// naming the first bad range.
func TestTesseraLogMirroredAndAudited(t *testing.T) {
	home := isolateEnv(t)
	t.Setenv("XDG_DATA_HOME", "")
	tl := startTessera(t, 300) // a full tile of 256 and a partial one of 44
	front := startTesseraFront(t, tl)
	logArgs := []string{"--log", "tiles+" + front.url, "--note-key", tl.vkeyFile}
	dir, err := mirror.DefaultDir(os.Getenv, front.url)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, filepath.Join(home, ".local", "share", "provscope", "mirrors")+string(filepath.Separator)) {
		t.Fatalf("mirror.DefaultDir = %s, want it under %s/.local/share/provscope/mirrors", dir, home)
	}

	// Interrupted after its first chunk (one bundle of 256 entries).
	vkey, err := os.ReadFile(tl.vkeyFile)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := proof.ParseNoteKey(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	fetch, err := mirror.HTTPFetcher(front.url, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = mirror.Sync(ctx, mirror.Config{
		Dir: dir, Fetch: fetch, Keys: []proof.NoteKey{nk}, Index: true, ChunkBundles: 1,
		Progress: func(mirror.Progress) { cancel() },
	})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("mirror interrupted after its first chunk = %v, want context.Canceled", err)
	}
	if info, err := mirror.ReadInfo(context.Background(), dir); err != nil || info.Size != 256 || len(info.Complete) != 0 {
		t.Fatalf("mirror after the interruption = %+v, %v; want 256 entries, no complete checkpoint", info, err)
	}

	// Resumed by the CLI, without --data: the default directory.
	code, out, errs := runCLI(t, append([]string{"mirror"}, logArgs...)...)
	root := rfc6962Root(tl.entries)
	if code != exitOK || !strings.Contains(out, "44 new entries verified (256..300)") ||
		!strings.Contains(out, "not indexed: 44 of them") || !strings.Contains(out, fmt.Sprintf("@ 300, root %x", root)) ||
		!strings.Contains(out, "data: "+dir) {
		t.Fatalf("mirror resumed = %d, want 0 with 256..300, 44 not indexed, root %x, data %s\n%s%s", code, root, dir, out, errs)
	}

	// The log grows: 299 more arbitrary entries and one Rekor body.
	signer := testSigner(t, "tessera mirror")
	artifact := []byte("an artifact logged in Tessera")
	sum := sha256.Sum256(artifact)
	sig, err := signer.SignMessage(bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	rekorBody, err := hashedrekord.Build(decoded.Digest{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}, sig, signer.PublicKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	more := [][]byte{rekorBody}
	for i := range 299 {
		more = append(more, fmt.Appendf(nil, "tessera entry %d, second batch", i))
	}
	tl.add(t, more)
	rekorIdx := -1
	for i, e := range tl.entries {
		if bytes.Equal(e, rekorBody) {
			rekorIdx = i
		}
	}

	// Cut short by the network: the bundle of entries 512.. fails.
	front.set("/tile/entries/002", "", 0)
	if code, out, errs := runCLI(t, append([]string{"mirror"}, logArgs...)...); code != exitFailed || !strings.Contains(errs, "bundle 2") {
		t.Errorf("mirror with bundle 2 failing = %d, want %d naming bundle 2\n%s%s", code, exitFailed, out, errs)
	}
	if info, err := mirror.ReadInfo(context.Background(), dir); err != nil || info.Size != 300 {
		t.Fatalf("mirror after a failed run = %+v, %v; want it left at 300 entries", info, err)
	}
	front.set("", "", 0)
	code, out, errs = runCLI(t, append([]string{"mirror"}, logArgs...)...)
	root = rfc6962Root(tl.entries)
	if code != exitOK || !strings.Contains(out, "300 new entries verified (300..600)") ||
		!strings.Contains(out, "not indexed: 299 of them") || !strings.Contains(out, fmt.Sprintf("@ 600, root %x", root)) {
		t.Fatalf("mirror after the log grew = %d, want 300..600, 299 not indexed, root %x\n%s%s", code, root, out, errs)
	}

	// Every entry mirrored byte for byte, proven against the mirror's
	// checkpoint by the mirror's own (recomputed) tiles.
	mc := tiles.New(mirror.FileFetcher(dir))
	for i, want := range tl.entries {
		got, err := mc.Entry(context.Background(), uint64(i), 600) //nolint:gosec // i >= 0
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("mirrored entry %d = %q, %v; want %q", i, got, err, want)
		}
	}
	for _, i := range []int{0, 261, 599} {
		hs, err := mc.InclusionProof(context.Background(), uint64(i), 600) //nolint:gosec // i >= 0
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(uint64(i), 600, proof.LeafHash(tl.entries[i]), hs, root); err != nil { //nolint:gosec // i >= 0
			t.Errorf("inclusion of entry %d from the mirrored tiles: %v", i, err)
		}
	}

	// The Rekor body is indexed and found; the arbitrary entries are not.
	code, out, errs = runCLI(t, "search", "--mirror", dir, "--sha", hex.EncodeToString(sum[:]))
	if code != exitOK || !strings.Contains(out, "1 entry, each included") || !strings.Contains(out, fmt.Sprintf("#%d  hashedrekord", rekorIdx)) {
		t.Errorf("search --mirror for the Rekor body (entry %d) = %d\n%s%s", rekorIdx, code, out, errs)
	}
	other := sha256.Sum256(tl.entries[5])
	if code, out, errs := runCLI(t, "search", "--mirror", dir, "--sha", hex.EncodeToString(other[:])); code != exitOK || !strings.Contains(out, "0 entries") {
		t.Errorf("search --mirror for an arbitrary entry's hash = %d, want 0 entries\n%s%s", code, out, errs)
	}

	// audit, from nothing to the whole log, then nothing new.
	code, out, errs = runCLI(t, append([]string{"audit"}, logArgs...)...)
	if code != exitOK || !strings.Contains(out, "600 new entries verified (0..600)") || !strings.Contains(out, fmt.Sprintf("root %x", root)) || strings.Contains(out, "not indexed") {
		t.Fatalf("audit of Tessera's log = %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, append([]string{"audit"}, logArgs...)...); code != exitOK || !strings.Contains(out, "0 new entries verified (600..600)") {
		t.Errorf("audit again = %d\n%s%s", code, out, errs)
	}

	// A front that changes one byte of one tile Tessera serves.
	lies := []struct {
		name, path string
		at         int
		want       string
	}{
		// Level 0, tile 1 (entries 256..511): hash 5 is entry 261's.
		{"entry tile", "/tile/0/001", 5*32 + 3, "entry 261"},
		// Level 1, partial tile 0 of 2 hashes: hash 1 covers 256..511.
		{"level-1 tile", "/tile/1/000.p/2", 32 + 31, "entries 256..511"},
	}
	for _, lie := range lies {
		t.Run(lie.name, func(t *testing.T) {
			front.set("", lie.path, lie.at)
			defer front.set("", "", 0)
			for _, verb := range []string{"audit", "mirror"} {
				d := t.TempDir()
				code, out, errs := runCLI(t, append([]string{verb, "--data", d}, logArgs...)...)
				if code != exitFailed || !strings.Contains(errs, "the log lied") || !strings.Contains(errs, lie.want) || !strings.Contains(errs, "; evidence saved: ") {
					t.Errorf("%s behind a front changing %s = %d, want %d naming %s\n%s%s", verb, lie.path, code, exitFailed, lie.want, out, errs)
				}
				if info, err := mirror.ReadInfo(context.Background(), d); err == nil && info.Size != 0 {
					t.Errorf("%s kept %d entries from a lying log", verb, info.Size)
				}
			}
		})
	}
}
