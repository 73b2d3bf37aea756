package cli

import (
	"strings"
	"testing"
)

// TestVerifyMarksUnpinnedLogKey: verify and report against a log whose key
// was fetched from the log itself (no --log-key, no configured key) say
// so in a note (on stdout for text, on stderr for JSON and reports, whose
// format is fixed); with the key pinned there is no such note. The verdict
// is unchanged: the note says what the log's signatures are worth.
func TestVerifyMarksUnpinnedLogKey(t *testing.T) {
	isolateEnv(t)
	t.Setenv("PROVSCOPE_TUF_OFFLINE", "1")
	w := startDemo(t)
	c := demoCase(t, w, "signed-legacy")
	key := demoKeyPath(w, c.Key)
	const note = "was fetched from the log itself, not pinned"
	for _, tc := range []struct {
		name       string
		args       []string
		wantStdout bool
		wantStderr bool
	}{
		{"verify, key fetched", []string{"verify", c.Image, "--key", key, "--log", w.LogURL}, true, false},
		{"verify json, key fetched", []string{"verify", c.Image, "--key", key, "--log", w.LogURL, "--output", "json"}, false, true},
		{"report, key fetched", []string{"report", c.Image, "--key", key, "--log", w.LogURL}, false, true},
		{"verify, key pinned", []string{"verify", c.Image, "--key", key, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != exitOK {
				t.Fatalf("provscope %s = %d\n%s%s", strings.Join(tc.args, " "), code, out, errs)
			}
			if got := strings.Contains(out, note); got != tc.wantStdout {
				t.Errorf("stdout has the note: %v, want %v\n%s", got, tc.wantStdout, out)
			}
			if got := strings.Contains(errs, note); got != tc.wantStderr {
				t.Errorf("stderr has the note: %v, want %v\n%s", got, tc.wantStderr, errs)
			}
		})
	}
}
