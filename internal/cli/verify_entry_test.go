package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyEntryRealWorld(t *testing.T) {
	rw := testenv.RealWorld(t)
	entry := filepath.Join(rw, "rekor-v1-api/docker-attest_logIndex59674396.json")
	key := filepath.Join(rw, "trust/production_rekor.sigstore.dev.pem")

	code, out, errOut := runCLI(t, "verify-entry", entry, "--log-key", key)
	if code != exitOK {
		t.Fatalf("verify-entry = %d, want 0\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"✓ Signed entry timestamp", "✓ Inclusion proof", "✓ Signed checkpoint", "leaf 55510965 of 55510966", "(26,0)", "ephemeral", "✓ matches", "Verdict: verified"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCLI(t, "verify-entry", entry, "--log-key", key, "--output", "json")
	if code != exitOK {
		t.Fatalf("verify-entry --output json = %d, want 0", code)
	}
	var got struct {
		Verdict string `json:"verdict"`
		Entries []struct {
			Steps []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"steps"`
			Inclusion struct {
				Steps []struct {
					Level     uint `json:"level"`
					Ephemeral bool `json:"ephemeral"`
				} `json:"steps"`
				Matches bool `json:"matches"`
			} `json:"inclusionTrace"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, out)
	}
	if got.Verdict != "verified" || len(got.Entries) != 1 || len(got.Entries[0].Inclusion.Steps) != 15 || !got.Entries[0].Inclusion.Matches {
		t.Errorf("JSON = %+v", got)
	}

	// The same entry checked with the staging key fails (exit 1).
	code, out, _ = runCLI(t, "verify-entry", entry, "--log-key", filepath.Join(rw, "trust/staging_rekor.sigstage.dev.pem"))
	if code != exitFailed || !strings.Contains(out, "✗ Log ID") {
		t.Errorf("wrong key: exit %d, want 1\n%s", code, out)
	}

	// A tampered body fails the leaf-hash-dependent steps (exit 1).
	var m map[string]any
	raw, _ := os.ReadFile(entry)
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["integratedTime"] = m["integratedTime"].(float64) + 1
	tampered, _ := json.Marshal(m)
	code, out, _ = runCLI(t, "verify-entry", writeTemp(t, "t.json", tampered), "--log-key", key)
	if code != exitFailed || !strings.Contains(out, "✗ Signed entry timestamp") {
		t.Errorf("tampered integratedTime: exit %d, want 1\n%s", code, out)
	}

	// A saved response keyed by UUID (sigstore-java, staging).
	code, out, _ = runCLI(t, "verify-entry", filepath.Join(rw, "sigstore-java/rekor-response/valid/entry.json"), "--log-key", filepath.Join(rw, "sigstore-java/rekor-response/valid/rekor.pub"))
	if code != exitOK {
		t.Errorf("sigstore-java entry: exit %d, want 0\n%s", code, out)
	}
	// No inclusion proof: fails unless --allow-set-only.
	noProof := filepath.Join(rw, "sigstore-java/rekor-response/valid/entry-no-inclusion-proof.json")
	stagingKey := filepath.Join(rw, "sigstore-java/rekor-response/valid/rekor.pub")
	if code, out, _ := runCLI(t, "verify-entry", noProof, "--log-key", stagingKey); code != exitFailed {
		t.Errorf("no proof: exit %d, want 1\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "verify-entry", noProof, "--log-key", stagingKey, "--allow-set-only"); code != exitOK {
		t.Errorf("no proof, --allow-set-only: exit %d, want 0\n%s", code, out)
	}
}

func TestVerifyEntryBadInput(t *testing.T) {
	// A key that parses: any PEM EC key; the input errors come first.
	key := writeTemp(t, "key.pem", []byte("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n"))
	good := `{"body":"eyJraW5kIjoiaGFzaGVkcmVrb3JkIn0=","integratedTime":1700000000,"logID":"` + strings.Repeat("a", 64) + `","logIndex":5,"verification":{"signedEntryTimestamp":"MEUCIQ==","inclusionProof":{"logIndex":1,"treeSize":2,"rootHash":"` + strings.Repeat("b", 64) + `","hashes":["` + strings.Repeat("c", 64) + `"]}}}`
	tests := []struct {
		name, input string
		wantErr     string
	}{
		{"truncated JSON", good[:len(good)/2], "invalid JSON"},
		{"bad base64 body", strings.Replace(good, `"eyJraW5kIjoiaGFzaGVkcmVrb3JkIn0="`, `"not base64!"`, 1), "not base64"},
		{"negative log index", strings.Replace(good, `"logIndex":5`, `"logIndex":-5`, 1), "negative"},
		{"negative proof index", strings.Replace(good, `"logIndex":1,`, `"logIndex":-1,`, 1), "negative"},
		{"zero tree size", strings.Replace(good, `"treeSize":2`, `"treeSize":0`, 1), "treeSize"},
		{"short root hash", strings.Replace(good, strings.Repeat("b", 64), "bbbb", 1), "rootHash"},
		{"bad UUID key", `{"xyz":` + good + `}`, "UUID"},
		{"empty", "", "empty"},
		{"not JSON", "hello", "not a JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "verify-entry", writeTemp(t, "e.json", []byte(tc.input)), "--log-key", key)
			if code != exitUsageErr || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q (stdout %q)", code, errOut, tc.wantErr, out)
			}
		})
	}
	// A well-formed entry that is simply wrong: exit 1, not a panic.
	if code, out, _ := runCLI(t, "verify-entry", writeTemp(t, "e.json", []byte(good)), "--log-key", key); code != exitFailed {
		t.Errorf("well-formed bogus entry: exit %d, want 1\n%s", code, out)
	}
	usage := [][]string{
		{"verify-entry"},
		{"verify-entry", writeTemp(t, "e.json", []byte(good))},
		{"verify-entry", writeTemp(t, "e.json", []byte(good)), "--log-key", writeTemp(t, "k.pem", []byte("not a key"))},
		{"verify-entry", filepath.Join(t.TempDir(), "missing.json"), "--log-key", key},
		{"verify-entry", writeTemp(t, "e.json", []byte(good)), "--log-key", key, "--output", "yaml"},
	}
	for _, args := range usage {
		if code, _, _ := runCLI(t, args...); code != exitUsageErr {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}
