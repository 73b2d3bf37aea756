package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

const cliHostileSAN = "evil\x1b]0;pwned\x07\x1b[2J\r@example.com"

// runUnfiltered runs provscope without the safetext output filter, so that
// the printers' own sanitising is what is tested.
func runUnfiltered(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = execute(newRootCmd, args, &out, &errb, false)
	return code, out.String(), errb.String()
}

func TestMirrorSearchCLI(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	digests := w.AddHashed(t, "cli", 260)
	payload := w.AddDSSE(t, digests[0])
	w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	hostileDigest := w.AddKeyless(t, cliHostileSAN, "https://issuer.example")
	dir := filepath.Join(t.TempDir(), "m")
	logURL := w.URL + "/api/v2"
	code, out, errOut := runCLI(t, "mirror", "--log", logURL, "--key", w.KeyFile(t), "--data", dir)
	if code != 0 || !strings.Contains(out, "263 new entries verified") || !strings.Contains(errOut, `"event":"progress"`) {
		t.Fatalf("mirror = %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	search := func(args ...string) (int, string, string) {
		return runUnfiltered(append([]string{"search", "--mirror", dir}, args...)...)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"sha", []string{"--sha", "sha256:" + digests[259]}, []string{"#259 "}},
		{"payload", []string{"--sha", payload}, []string{"#260 ", "dsse"}},
		{"email", []string{"--email", "alice@example.com"}, []string{"#261 ", "signer alice@example.com (issuer https://issuer.example)"}},
		{"subject prefix", []string{"--subject", "ali*"}, []string{"#261 "}},
		{"issuer", []string{"--issuer", "https://issuer.example"}, []string{"#261 ", "#262 ", "2 entries"}},
		{"public key", []string{"--public-key", w.SignerKeyFile(t), "--limit", "3"}, []string{"#0 ", "#2 ", "more entries match"}},
		{"kind", []string{"--kind", "dsse"}, []string{"1 entry", "#260 "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := search(tc.args...)
			if code != 0 {
				t.Fatalf("search %v = %d: %s", tc.args, code, errOut)
			}
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("search %v output lacks %q:\n%s", tc.args, s, out)
				}
			}
		})
	}
	// The hostile SAN is shown sanitised and kept exact in JSON.
	code, out, errOut = search("--sha", hostileDigest)
	if code != 0 || hostile.Check(out) != nil || !strings.Contains(out, `evil\x1b]0;pwned\x07\x1b[2J\r@example.com`) {
		t.Fatalf("search hostile = %d %v\n%q\n%s", code, hostile.Check(out), out, errOut)
	}
	code, out, _ = search("--sha", hostileDigest, "--output", "json")
	var got struct {
		Entries []struct {
			LogIndex uint64
			Signers  []struct{ Subject string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got.Entries) != 1 || got.Entries[0].Signers[0].Subject != cliHostileSAN {
		t.Fatalf("search hostile json = %d, %v, %+v", code, err, got)
	}
	// Usage errors.
	for _, args := range [][]string{
		{"search", "--mirror", filepath.Join(t.TempDir(), "none"), "--sha", digests[0]},
		{"search", "--mirror", dir},
		{"search", "--mirror", dir, "--kind", "rpm"},
		{"mirror", "--log", "http://127.0.0.1:1", "--key", w.KeyFile(t), "--data", dir},
		{"mirror", "--log", logURL, "--data", dir},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 {
			t.Errorf("%v = %d, want 2 (%s)", args, code, errOut)
		}
	}
}

func TestMirrorAndAuditCLICatchLies(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "x", 300)
	logURL := w.URL + "/api/v2"
	key := w.KeyFile(t)
	mdir := filepath.Join(t.TempDir(), "m")
	if code, _, errOut := runCLI(t, "mirror", "--log", logURL, "--key", key, "--data", mdir); code != 0 {
		t.Fatalf("mirror = %d: %s", code, errOut)
	}
	if code, out, errOut := runCLI(t, "audit", "--log", logURL, "--key", key); code != 0 || !strings.Contains(out, "300 new entries verified") {
		t.Fatalf("audit = %d: %s %s", code, out, errOut)
	}
	w.AddHashed(t, "y", 300)
	w.SetMutator(func(p string, b []byte) []byte {
		if p == "tile/0/002.p/88" {
			b[3*32] ^= 1
		}
		return b
	})
	for _, args := range [][]string{
		{"mirror", "--log", logURL, "--key", key, "--data", mdir},
		{"audit", "--log", logURL, "--key", key},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 1 || !strings.Contains(errOut, "entry 515") || !strings.Contains(errOut, "evidence saved") {
			t.Errorf("%s with a flipped tile byte = %d, want 1 naming entry 515:\n%s", args[0], code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(mdir, "evidence", "tile-0-2.bin")); err != nil {
		t.Errorf("evidence: %v", err)
	}
	w.SetMutator(nil)
	if code, out, errOut := runCLI(t, "audit", "--log", logURL, "--key", key, "--output", "json"); code != 0 || !strings.Contains(out, `"from": 300`) {
		t.Fatalf("audit after the lie = %d: %s %s", code, out, errOut)
	}
}

func TestAuditRekorV1CLI(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "v1", 12)
	dir := filepath.Join(t.TempDir(), "a")
	code, out, errOut := runCLI(t, "audit", "--log", w.URL, "--key", w.KeyFile(t), "--data", dir)
	if code != 0 || !strings.Contains(out, "12 new entries verified (0..12)") {
		t.Fatalf("audit v1 = %d\n%s\n%s", code, out, errOut)
	}
	w.AddHashed(t, "v1b", 5)
	// The log answers with the bodies of entries 13 and 14 swapped.
	w.SetMutator(func(p string, raw []byte) []byte {
		if p != "/api/v1/log/entries/retrieve" {
			return raw
		}
		raw = bytes.Replace(raw, []byte(`"logIndex":13,`), []byte(`"logIndex":-1,`), 1)
		raw = bytes.Replace(raw, []byte(`"logIndex":14,`), []byte(`"logIndex":13,`), 1)
		return bytes.Replace(raw, []byte(`"logIndex":-1,`), []byte(`"logIndex":14,`), 1)
	})
	code, _, errOut = runCLI(t, "audit", "--log", w.URL, "--key", w.KeyFile(t), "--data", dir)
	if code != 1 || !strings.Contains(errOut, "entries 12..16") || !strings.Contains(errOut, "evidence saved") {
		t.Fatalf("audit v1 of a lying log = %d, want 1 naming entries 12..16:\n%s", code, errOut)
	}
	// A mirror directory is not an audit directory; mirror reads tiles logs only.
	mdir := filepath.Join(t.TempDir(), "m")
	if code, _, errOut := runCLI(t, "mirror", "--log", w.URL+"/api/v2", "--key", w.KeyFile(t), "--data", mdir); code != 0 {
		t.Fatalf("mirror = %d: %s", code, errOut)
	}
	for _, args := range [][]string{
		{"audit", "--log", w.URL + "/api/v2", "--key", w.KeyFile(t), "--data", mdir},
		{"mirror", "--log", w.URL, "--key", w.KeyFile(t), "--data", mdir},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 {
			t.Errorf("%v = %d, want 2: %s", args, code, errOut)
		}
	}
}

func TestWatchCLI(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "before", 10)
	c10 := w.Checkpoint(t)
	w.AddKeyless(t, "alice@example.com", "https://issuer.example")
	w.AddKeyless(t, "alice@example.com", "https://other.example")
	w.AddHashed(t, "between", 3)
	w.AddKeyless(t, "bob@example.com", "https://issuer.example")
	// The first two checkpoint requests (the origin, the first poll) see the
	// log at size 10; later ones the real log, except that served: c10 again
	// (a rollback) from the fourth on.
	var mu sync.Mutex
	n := 0
	w.SetMutator(func(p string, b []byte) []byte {
		if p != "checkpoint" {
			return b
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		if n <= 2 || n >= 4 {
			return c10
		}
		return b
	})
	args := []string{"watch", "--identity", "alice@example.com", "--issuer", "https://issuer.example", "--log", w.URL + "/api/v2", "--log-key", w.KeyFile(t), "--interval", "1ms"}
	code, out, errOut := runCLI(t, append(args, "--polls", "2")...)
	var ev struct {
		Event    string
		LogIndex uint64
		TreeSize uint64
		Signers  []struct{ Subject, Issuer string }
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &ev) != nil || ev.LogIndex != 10 || ev.TreeSize != 16 || ev.Signers[0].Subject != "alice@example.com" {
		t.Fatalf("watch = %d, %+v\nstdout %s\nstderr %s", code, ev, out, errOut)
	}
	// A rollback at the third poll stops it with exit 1.
	mu.Lock()
	n = 0
	mu.Unlock()
	code, out, errOut = runCLI(t, append(args, "--polls", "3")...)
	if code != 1 || !strings.Contains(errOut, "rolled back") || strings.Count(out, `"event":"entry"`) != 1 {
		t.Fatalf("watch over a rollback = %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "watch", "--log", w.URL+"/api/v2", "--log-key", w.KeyFile(t)); code != 2 {
		t.Errorf("watch without --identity or --key = %d, want 2", code)
	}
}
