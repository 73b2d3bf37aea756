package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/inspect"
)

// TestHostileEntryCommands runs search --image, timeline, export and
// verify-entry on the exported evidence against the hostile world (entries
// and attachments whose predicate types, identities, issuers, tags and
// payload fields carry escape sequences), with the safetext writer on and
// off: nothing but provscope's own styling may reach the terminal, and the
// hostile image must still be found, timed and exported.
func TestHostileEntryCommands(t *testing.T) {
	isolateEnv(t)
	w := startHostile(t)
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}
	with := func(args ...string) []string { return append(args, logArgs...) }
	exportDir := filepath.Join(t.TempDir(), "ev")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"search image", with("search", "--image", w.Image), exitOK, "simple-signing"},
		{"search image keyless", with("search", "--image", w.KeylessImage), exitOK, "simple-signing"},
		{"search image digest", with("search", "--image", w.Digest), exitOK, "index-only"},
		{"timeline", with("timeline", w.Image), exitOK, w.Digest},
		{"timeline markdown", with("timeline", w.KeylessImage, "--format", "markdown"), exitOK, "| Time |"},
		{"timeline identity", with("timeline", "--identity", w.Identity), exitOK, "Timeline of"},
		{"timeline key", with("timeline", "--key", w.KeyPath), exitOK, "Signers"},
		{"export", with("export", w.Image, "--out", exportDir), exitOK, "evidence.json"},
		{"verify-entry evidence", []string{"verify-entry", filepath.Join(exportDir, inspect.EvidenceIndexFile), "--log-key", w.LogPublicKeyPath}, exitOK, "Verdict: verified"},
		{"hostile --image", with("search", "--image", w.RegistryHost+"/hostile/app@sha256:\x1b[31m"), exitUsageErr, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			filters := []bool{true, false}
			if tc.name == "export" {
				filters = []bool{false} // one export per directory
			}
			for _, filter := range filters {
				var out, errb bytes.Buffer
				run := run
				if !filter {
					run = func(args []string, stdout, stderr io.Writer) int {
						return execute(newRootCmd, args, stdout, stderr, false)
					}
				}
				code := run(tc.args, &out, &errb)
				if code != tc.wantCode || !strings.Contains(out.String(), tc.want) {
					t.Errorf("filter %v: exit %d, want %d and %q\n%s%s", filter, code, tc.wantCode, tc.want, out.String(), errb.String())
				}
				assertSafe(t, "stdout (filter "+boolName(filter)+")", out.String())
				assertSafe(t, "stderr (filter "+boolName(filter)+")", errb.String())
			}
		})
	}
}
