package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/inspect/inspecttest"
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
