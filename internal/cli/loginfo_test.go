package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/provscope/provscope/inspect/inspecttest"
	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/rekor/logs"
)

// isolateEnv points the config and state directories at a fresh temporary
// folder and clears the log-selection variables.
func isolateEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("HOME", dir)
	t.Setenv("PROVSCOPE_LOG", "")
	t.Setenv("COSIGN_REKOR_URL", "")
	return dir
}

// writeLogsConfig writes cfg, marshalled, as the logs.json of the config
// directory isolateEnv(t) returned as dir.
func writeLogsConfig(t *testing.T, dir string, cfg any) {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "config", "provscope"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "provscope", "logs.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestLogInfoRollbackAndFork(t *testing.T) {
	dir := isolateEnv(t)
	fake, err := inspecttest.NewFakeLog("fake.example", 99)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	keyFile := filepath.Join(dir, "log.pem")
	if err := os.WriteFile(keyFile, fake.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	honest := inspecttest.History("a", 30)
	forked := append(inspecttest.History("a", 4), inspecttest.History("evil", 26)...)
	steps := []struct {
		name     string
		leaves   [][]byte
		size     uint64
		wantCode int
		wantText string
	}{
		{"first", honest, 10, exitOK, "first time this tree is seen"},
		{"grown", honest, 20, exitOK, "links size 10 to 20"},
		{"rollback", honest, 15, exitFailed, "log rolled back: tree size 15 is smaller than the remembered 20"},
		{"fork same size", forked, 20, exitFailed, "log forked"},
		{"fork grown", forked, 25, exitFailed, "log history changed"},
	}
	for _, s := range steps {
		fake.SetHistory(s.leaves, s.size)
		code, out, errs := runCLI(t, "loginfo", "--log", srv.URL, "--log-key", keyFile)
		if code != s.wantCode {
			t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", s.name, code, s.wantCode, out, errs)
		}
		if !strings.Contains(out+errs, s.wantText) {
			t.Errorf("%s: output lacks %q:\n%s%s", s.name, s.wantText, out, errs)
		}
		if s.wantCode == exitFailed && !strings.Contains(errs, "LOG CHECK FAILED") {
			t.Errorf("%s: stderr lacks a loud failure line: %q", s.name, errs)
		}
	}
	// JSON output carries the verdict.
	fake.SetHistory(honest, 30)
	code, out, _ := runCLI(t, "loginfo", "--log", srv.URL, "--log-key", keyFile, "--output", "json")
	var got struct {
		Verdict string `json:"verdict"`
		Trees   []struct {
			TreeID string `json:"treeID"`
		} `json:"trees"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK || got.Verdict != "verified" || got.Trees[0].TreeID != "99" {
		t.Errorf("loginfo --output json = %d %+v (%v)\n%s", code, got, err, out)
	}
}

func TestLogInfoUsageErrors(t *testing.T) {
	isolateEnv(t)
	for _, args := range [][]string{
		{"loginfo", "--log", "no-such-log"},
		{"loginfo", "--log", "http://127.0.0.1:1", "--log-key", "/nonexistent.pem"},
		{"loginfo", "--output", "yaml"},
	} {
		if code, _, errs := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsageErr, errs)
		}
	}
}

// TestLogInfoOnRealRekorV2Checkpoints runs loginfo against a tlog-tiles log
// (named in logs.json with log2025-1's built-in key and origin) that serves
// real production Rekor v2 checkpoints: the signed tree head verifies and is
// remembered; an older real checkpoint afterwards is a rollback; a newer one
// that the log cannot prove consistent (it serves no tiles) fails loudly.
func TestLogInfoOnRealRekorV2Checkpoints(t *testing.T) {
	dir := isolateEnv(t)
	cps := filepath.Join(testenv.RealWorld(t), "checkpoints")
	var mu sync.Mutex
	current := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/api/v2/checkpoint" {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(cps, current))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	serve := func(file string) {
		mu.Lock()
		defer mu.Unlock()
		current = file
	}
	v2, err := logs.Lookup(logs.Log2025_1, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeLogsConfig(t, dir, map[string]any{"default": "v2mirror", "logs": []map[string]string{
		{"name": "v2mirror", "url": srv.URL, "kind": "tiles", "origin": v2.Origin, "publicKey": v2.PublicKey},
	}})
	steps := []struct {
		file     string
		wantCode int
		wantText string
	}{
		{"extracted_prod-v2_log2025-1_547662.txt", exitOK, "size 547662"},
		{"extracted_prod-v2_log2025-1_547662.txt", exitOK, "unchanged since last time"},
		{"extracted_prod-v2_log2025-1_544347.txt", exitFailed, "log rolled back: tree size 544347 is smaller than the remembered 547662"},
		{"extracted_prod-v2_log2025-1_4855115.txt", exitFailed, "fetching consistency proof 547662 → 4855115"},
	}
	for _, s := range steps {
		serve(s.file)
		code, out, errs := runCLI(t, "loginfo")
		if code != s.wantCode || !strings.Contains(out+errs, s.wantText) {
			t.Errorf("%s: exit %d, want %d with %q\n%s%s", s.file, code, s.wantCode, s.wantText, out, errs)
		}
	}
	// A checkpoint of another log (Rekor v1) does not verify with the pinned key.
	serve("extracted_prod_1193050959916656506_1511664856.txt")
	if code, out, errs := runCLI(t, "loginfo"); code != exitFailed || !strings.Contains(out, "✗") {
		t.Errorf("another log's checkpoint = %d\n%s%s", code, out, errs)
	}
}
