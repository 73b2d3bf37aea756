package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/provscope/provscope/rekor/mirror/mirrortest"
)

// watchV1Event is the part of a watch JSON line the tests read.
type watchV1Event struct {
	Event    string
	LogIndex uint64
	TreeSize uint64
	Signers  []struct{ Subject, Issuer string }
}

func parseWatchLines(t *testing.T, out string) []watchV1Event {
	t.Helper()
	var evs []watchV1Event
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var ev watchV1Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("watch line %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// TestWatchRekorV1CLI: watch on a Rekor v1 log starts at the current head,
// then reports the new entry by the watched identity and issuer (and not
// the one by another identity, nor the one by the right identity under
// another issuer, nor key-signed ones), as one JSON line.
func TestWatchRekorV1CLI(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "before", 3)
	w.AddKeyless(t, "alice@example.com", "https://issuer.example") // before the watch: not reported
	data := t.TempDir()
	args := []string{"watch", "--identity", "alice@example.com", "--issuer", "https://issuer.example", "--log", w.URL, "--log-key", w.KeyFile(t), "--data", data, "--interval", "1ms", "--polls", "1"}
	if code, out, errs := runCLI(t, args...); code != exitOK || out != "" {
		t.Fatalf("first watch = %d, want 0 and nothing printed\nstdout %s\nstderr %s", code, out, errs)
	}
	w.AddKeyless(t, "bob@example.com", "https://issuer.example")   // index 4
	w.AddKeyless(t, "alice@example.com", "https://other.example")  // index 5
	w.AddHashed(t, "between", 2)                                   // 6, 7
	w.AddKeyless(t, "alice@example.com", "https://issuer.example") // index 8
	code, out, errs := runCLI(t, args...)
	evs := parseWatchLines(t, out)
	if code != exitOK || len(evs) != 1 || evs[0].LogIndex != 8 || evs[0].TreeSize != 9 || len(evs[0].Signers) != 1 ||
		evs[0].Signers[0].Subject != "alice@example.com" || evs[0].Signers[0].Issuer != "https://issuer.example" {
		t.Fatalf("watch = %d, %+v, want entry 8 by alice\nstdout %s\nstderr %s", code, evs, out, errs)
	}
	// Its place is kept: nothing new, nothing printed.
	if code, out, errs := runCLI(t, args...); code != exitOK || out != "" {
		t.Fatalf("third watch = %d, want 0 and nothing printed\nstdout %s\nstderr %s", code, out, errs)
	}
}

// TestWatchRekorV1CLILies: a front that signs with the log's own key
// serving a rollback, a fork or a dropped tree stops the watch with exit 1
// and the typed verdict's words; so do entries the log withholds or whose
// inclusion proof does not verify.
func TestWatchRekorV1CLILies(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "before", 4)
	lie, front := newLyingLog(t, w.URL, w.Dir)
	lie.hostname = "mirror.test"
	heads := []struct{ mode, want string }{
		{"rollback", "log rolled back: tree size"},
		{"fork", "log forked: two signed checkpoints of size"},
		{"dropped", "log dropped tree"},
	}
	for _, h := range heads {
		t.Run(h.mode, func(t *testing.T) {
			args := []string{"watch", "--identity", "x*", "--log", front, "--log-key", w.KeyFile(t), "--data", t.TempDir(), "--polls", "1"}
			if code, out, errs := runCLI(t, args...); code != exitOK {
				t.Fatalf("honest watch = %d\nstdout %s\nstderr %s", code, out, errs)
			}
			lie.set(h.mode)
			defer lie.set("honest")
			code, out, errs := runCLI(t, args...)
			if code != exitFailed || !strings.Contains(errs, h.want) {
				t.Errorf("watch over a %s = %d, want %d with %q\nstdout %s\nstderr %s", h.mode, code, exitFailed, h.want, out, errs)
			}
		})
	}
	entries := []struct {
		name, want string
		mutate     func(b []byte) []byte
	}{
		{"withheld", "has no entry at index", func([]byte) []byte { return []byte("[]\n") }},
		{"bad-inclusion", "verifying inclusion of leaf", func(b []byte) []byte { return flipFirstProofHash(t, b) }},
	}
	for _, c := range entries {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"watch", "--identity", "x*", "--log", w.URL, "--log-key", w.KeyFile(t), "--data", t.TempDir(), "--polls", "1"}
			if code, out, errs := runCLI(t, args...); code != exitOK {
				t.Fatalf("honest watch = %d\nstdout %s\nstderr %s", code, out, errs)
			}
			w.AddHashed(t, c.name, 1)
			w.SetMutator(func(p string, b []byte) []byte {
				if p == "/api/v1/log/entries/retrieve" {
					return c.mutate(b)
				}
				return b
			})
			defer w.SetMutator(nil)
			code, out, errs := runCLI(t, args...)
			if code != exitFailed || !strings.Contains(errs, c.want) {
				t.Errorf("watch over %s entries = %d, want %d with %q\nstdout %s\nstderr %s", c.name, code, exitFailed, c.want, out, errs)
			}
		})
	}
}

// flipFirstProofHash changes the first sibling hash of every inclusion
// proof in a retrieve answer.
func flipFirstProofHash(t *testing.T, b []byte) []byte {
	t.Helper()
	var entries []map[string]map[string]any
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Errorf("retrieve answer: %v", err)
		return b
	}
	for _, m := range entries {
		for _, e := range m {
			v, _ := e["verification"].(map[string]any)
			p, _ := v["inclusionProof"].(map[string]any)
			if hs, _ := p["hashes"].([]any); len(hs) > 0 {
				h := []byte(hs[0].(string))
				h[0] = otherHexDigit(h[0])
				hs[0] = string(h)
			}
		}
	}
	out, err := json.Marshal(entries)
	if err != nil {
		t.Error(err)
	}
	return out
}

// TestWatchRekorV1HostileSAN: an identity full of terminal escapes is
// printed sanitised in text, and escaped (exact) in JSON, by the printer
// itself (the output filter off).
func TestWatchRekorV1HostileSAN(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "before", 1)
	base := []string{"watch", "--identity", "eve*", "--log", w.URL, "--log-key", w.KeyFile(t), "--polls", "1"}
	textArgs := append(append([]string{}, base...), "--data", t.TempDir(), "--output", "text")
	jsonArgs := append(append([]string{}, base...), "--data", t.TempDir())
	for _, args := range [][]string{textArgs, jsonArgs} {
		if code, out, errs := runCLI(t, args...); code != exitOK {
			t.Fatalf("first watch = %d\nstdout %s\nstderr %s", code, out, errs)
		}
	}
	hostile := "eve\x1b]8;;https://evil.example\x07\x1b[2J\r@example.com"
	w.AddKeyless(t, hostile, "https://issuer.example")
	// Without the output filter: the printer's own sanitising is tested.
	code, out, errs := runUnfiltered(textArgs...)
	if code != exitOK || !strings.Contains(out, "entry 1 ") || !strings.Contains(out, "signed by eve") {
		t.Fatalf("text watch = %d\nstdout %q\nstderr %s", code, out, errs)
	}
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("text watch printed raw control characters: %q", out)
	}
	code, out, errs = runUnfiltered(jsonArgs...)
	evs := parseWatchLines(t, out)
	if code != exitOK || len(evs) != 1 || len(evs[0].Signers) != 1 || evs[0].Signers[0].Subject != hostile {
		t.Fatalf("json watch = %d, %+v, want the exact identity\nstdout %q\nstderr %s", code, evs, out, errs)
	}
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("json watch printed raw control characters: %q", out)
	}
}

// TestWatchRekorV1CLIForkedEntries: a log whose signed head and consistency
// proof are those of one history but whose entries (each with a valid SET,
// inclusion proof and checkpoint signed by the same key) come from another
// history of the same size stops the watch: the entries' checkpoint forks
// from the verified head.
func TestWatchRekorV1CLIForkedEntries(t *testing.T) {
	isolateEnv(t)
	w := mirrortest.Start(t)
	w.AddHashed(t, "before", 4)
	args := []string{"watch", "--identity", "x*", "--log", w.URL, "--log-key", w.KeyFile(t), "--data", t.TempDir(), "--polls", "1"}
	if code, out, errs := runCLI(t, args...); code != exitOK {
		t.Fatalf("first watch = %d\nstdout %s\nstderr %s", code, out, errs)
	}
	w.Fork(t, 2)
	w.AddHashed(t, "original", 2)
	get := func(path string) []byte {
		resp, err := http.Get(w.URL + path) //nolint:noctx // test
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, %v", path, resp.StatusCode, err)
		}
		return b
	}
	head, prf := get("/api/v1/log"), get("/api/v1/log/proof?firstSize=4&lastSize=6")
	w.UseFork()
	w.SetMutator(func(p string, b []byte) []byte {
		switch p {
		case "/api/v1/log":
			return head
		case "/api/v1/log/proof":
			return prf
		}
		return b
	})
	code, out, errs := runCLI(t, args...)
	if code != exitFailed || !strings.Contains(errs, "log forked") {
		t.Errorf("watch over forked entries = %d, want %d with %q\nstdout %s\nstderr %s", code, exitFailed, "log forked", out, errs)
	}
}

// otherHexDigit returns a hex digit other than c.
func otherHexDigit(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}
