package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNeedRealRekorFailsWhenRequired runs TestRealRekor in a child test
// binary with no real server: it may skip only when nothing asks for the
// server; a required or half-configured or dead server fails it.
func TestNeedRealRekorFailsWhenRequired(t *testing.T) {
	key := filepath.Join(t.TempDir(), "rekor.pub")
	if err := os.WriteFile(key, []byte("not used\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		env      []string
		wantSkip bool
		wantMsg  string
	}{
		{"nothing named", nil, true, "no real rekor-server"},
		{"required, nothing named", []string{"PROVSCOPE_REAL_REKOR_REQUIRED=1"}, false, "both must be set"},
		{"URL without key", []string{"PROVSCOPE_REAL_REKOR=http://127.0.0.1:1"}, false, "both must be set"},
		{"missing key file", []string{"PROVSCOPE_REAL_REKOR=http://127.0.0.1:1", "PROVSCOPE_REAL_REKOR_KEY=" + key + ".absent"}, false, "PROVSCOPE_REAL_REKOR_KEY"},
		{"server not answering", []string{"PROVSCOPE_REAL_REKOR=http://127.0.0.1:1", "PROVSCOPE_REAL_REKOR_KEY=" + key}, false, "GET /api/v1/log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRealRekor$", "-test.count=1", "-test.v") //nolint:gosec // G204: re-runs this test binary
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "PROVSCOPE_REAL_REKOR") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, tc.env...)
			out, err := cmd.CombinedOutput()
			skipped := strings.Contains(string(out), "--- SKIP: TestRealRekor")
			if skipped != tc.wantSkip || (err == nil) != tc.wantSkip {
				t.Errorf("TestRealRekor with %q: skipped=%v err=%v, want skipped=%v\n%s", tc.env, skipped, err, tc.wantSkip, out)
			}
			if !strings.Contains(string(out), tc.wantMsg) {
				t.Errorf("TestRealRekor with %q: output lacks %q\n%s", tc.env, tc.wantMsg, out)
			}
		})
	}
}
