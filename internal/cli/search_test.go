package cli

import (
	"strings"
	"testing"
)

// TestSearchRefusesTilesLogs: a tlog-tiles log has no search index, so
// search exits 2 and says why and what reads such a log instead, whether
// the log is named, a /api/v2 or tiles+ URL, or chosen by $PROVSCOPE_LOG,
// with or without a pinned key, before any request.
func TestSearchRefusesTilesLogs(t *testing.T) {
	isolateEnv(t)
	lg := startEmbeddedLog(t)
	digests := lg.uploadArtifacts(t, testSigner(t, "erin"), "erin", 2)
	for _, args := range [][]string{
		{"--log", lg.url + "/api/v2", "--log-key", lg.keyFile},
		{"--log", "log2025-1"},
		{"--log", "tiles+http://127.0.0.1:1"},
	} {
		args = append([]string{"search", "--sha", digests[0]}, args...)
		code, out, errs := runCLI(t, args...)
		if code != exitUsageErr {
			t.Errorf("%v = %d, want %d\n%s%s", args, code, exitUsageErr, out, errs)
		}
		for _, want := range []string{"tlog-tiles log", "no search index", "get --log-index N", "proof --log-index N"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, errs)
			}
		}
	}
	t.Setenv("PROVSCOPE_LOG", "log2025-1")
	if code, _, errs := runCLI(t, "search", "--sha", digests[0]); code != exitUsageErr || !strings.Contains(errs, "log2025-1 is a tlog-tiles log") {
		t.Errorf("search with PROVSCOPE_LOG=log2025-1 = %d\n%s", code, errs)
	}
	// The same log read through its Rekor v1 API is searchable.
	t.Setenv("PROVSCOPE_LOG", lg.url)
	if code, out, errs := runCLI(t, "search", "--sha", digests[1], "--log-key", lg.keyFile); code != exitOK || !strings.HasPrefix(out, "1 entry") {
		t.Errorf("search with PROVSCOPE_LOG=%s = %d\n%s%s", lg.url, code, out, errs)
	}
	// $COSIGN_REKOR_URL, as cosign reads it, when $PROVSCOPE_LOG is unset.
	t.Setenv("PROVSCOPE_LOG", "")
	t.Setenv("COSIGN_REKOR_URL", lg.url)
	if code, out, errs := runCLI(t, "search", "--sha", digests[0], "--log-key", lg.keyFile); code != exitOK || !strings.HasPrefix(out, "1 entry") {
		t.Errorf("search with COSIGN_REKOR_URL=%s = %d\n%s%s", lg.url, code, out, errs)
	}
}
