package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

const (
	confIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	confIssuer   = "https://token.actions.githubusercontent.com"
	confDigest   = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
)

func TestVerifyBundleCmd(t *testing.T) {
	rw := testenv.RealWorld(t)
	conf := func(c string) string {
		return filepath.Join(rw, "conformance", "bundle-verify", c, "bundle.sigstore.json")
	}
	artifact := filepath.Join(rw, "conformance", "bundle-verify", "a.txt")
	idFlags := []string{"--certificate-identity", confIdentity, "--certificate-oidc-issuer", confIssuer}
	garbage := filepath.Join(t.TempDir(), "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{
			"happy path with artifact", append([]string{conf("happy-path-v0.3"), "--artifact", artifact}, idFlags...), exitOK,
			[]string{"✓ Inclusion proof", "✓ Checkpoint", "VERIFIED"},
		},
		{
			"happy path with digest and regexps",
			[]string{
				conf("happy-path-v0.2"), "--digest", confDigest,
				"--certificate-identity-regexp", "^https://github.com/sigstore-conformance/", "--certificate-oidc-issuer-regexp", "githubusercontent",
			},
			exitOK,
			[]string{"✓ Identity policy", "VERIFIED"},
		},
		{
			"key-signed bundle",
			[]string{
				conf("managed-key-happy-path"), "--artifact", artifact,
				"--key", filepath.Join(rw, "conformance", "bundle-verify", "managed-key-happy-path", "key.pub"),
			},
			exitOK,
			[]string{"✓ Public key", "VERIFIED"},
		},
		{
			"key-signed bundle and its own trusted root",
			[]string{
				conf("managed-key-and-trusted-root"), "--artifact", artifact,
				"--key", filepath.Join(rw, "conformance", "bundle-verify", "managed-key-and-trusted-root", "key.pub"),
				"--trusted-root", filepath.Join(rw, "conformance", "bundle-verify", "managed-key-and-trusted-root", "trusted_root.json"),
			},
			exitOK,
			[]string{"given by the caller", "VERIFIED"},
		},
		{
			"entry for another artifact", append([]string{conf("wrong-hashedrekord-entry_fail"), "--artifact", artifact}, idFlags...), exitFailed,
			[]string{"✗ Log entry matches bundle", "First failure: Log entry matches bundle", "NOT VERIFIED"},
		},
		{
			"wrong identity",
			[]string{conf("happy-path-v0.3"), "--artifact", artifact, "--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", confIssuer},
			exitFailed,
			[]string{"✗ Identity policy", "First failure: Identity policy"},
		},
		{
			"bad SET", append([]string{conf("set-invalid-signature_fail"), "--artifact", artifact}, idFlags...), exitFailed,
			[]string{"✗ Signed entry timestamp (SET)"},
		},
		{
			"bundle not JSON", append([]string{garbage, "--artifact", artifact}, idFlags...), exitUsageErr,
			[]string{"✗ Bundle parse"},
		},
		{"unreadable bundle", append([]string{filepath.Join(t.TempDir(), "absent.json"), "--artifact", artifact}, idFlags...), exitUsageErr, nil},
		{"unreadable artifact", append([]string{conf("happy-path-v0.3"), "--artifact", filepath.Join(t.TempDir(), "absent")}, idFlags...), exitUsageErr, nil},
		{"no artifact or digest", append([]string{conf("happy-path-v0.3")}, idFlags...), exitUsageErr, nil},
		{"artifact and digest", append([]string{conf("happy-path-v0.3"), "--artifact", artifact, "--digest", confDigest}, idFlags...), exitUsageErr, nil},
		{"malformed digest", append([]string{conf("happy-path-v0.3"), "--digest", "sha256:zz"}, idFlags...), exitUsageErr, nil},
		{"short digest", append([]string{conf("happy-path-v0.3"), "--digest", "sha256:abcd"}, idFlags...), exitUsageErr, nil},
		{"no identity policy", []string{conf("happy-path-v0.3"), "--artifact", artifact}, exitUsageErr, nil},
		{"two identity flags", append([]string{conf("happy-path-v0.3"), "--artifact", artifact, "--certificate-identity-regexp", "x"}, idFlags...), exitUsageErr, nil},
		{"bad output format", append([]string{conf("happy-path-v0.3"), "--artifact", artifact, "--output", "yaml"}, idFlags...), exitUsageErr, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"verify-bundle"}, tc.args...), &out, &errb)
			if code != tc.wantCode {
				t.Fatalf("verify-bundle exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out.String(), errb.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("verify-bundle output lacks %q:\n%s", w, out.String())
				}
			}
			if tc.wantCode == exitUsageErr && errb.Len() == 0 {
				t.Errorf("usage error without a message on stderr")
			}
		})
	}
}

func TestVerifyBundleCmdJSON(t *testing.T) {
	rw := testenv.RealWorld(t)
	bundlePath := filepath.Join(rw, "conformance", "bundle-verify", "checkpoint-wrong-roothash_fail", "bundle.sigstore.json")
	var out, errb bytes.Buffer
	code := run([]string{
		"verify-bundle", bundlePath, "--digest", confDigest,
		"--certificate-identity", confIdentity, "--certificate-oidc-issuer", confIssuer, "--output", "json",
	}, &out, &errb)
	if code != exitFailed {
		t.Fatalf("exit = %d, want %d (stderr %q)", code, exitFailed, errb.String())
	}
	var rep struct {
		Verdict      string `json:"verdict"`
		Reason       string `json:"reason"`
		FirstFailure string `json:"firstFailure"`
		Steps        []struct {
			Name, Status, Detail string
		} `json:"steps"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decoding JSON output: %v\n%s", err, out.String())
	}
	if rep.Verdict != "failed" || rep.FirstFailure != "checkpoint" {
		t.Errorf("verdict %q first failure %q, want failed at checkpoint", rep.Verdict, rep.FirstFailure)
	}
	if len(rep.Steps) != 14 {
		t.Errorf("%d steps, want 14", len(rep.Steps))
	}
	if !strings.Contains(rep.Reason, "root hash") {
		t.Errorf("reason %q does not mention the root hash", rep.Reason)
	}
}

// TestVerifyBundleCmdSelfmade runs without the real-world vectors, on the
// self-made key-signed fixture of proof/testdata/bundle/selfmade.
func TestVerifyBundleCmdSelfmade(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "proof", "testdata", "bundle", "selfmade")
	bundlePath := filepath.Join(dir, "bundle.sigstore.json")
	common := []string{"verify-bundle", bundlePath, "--key", filepath.Join(dir, "key.pub"), "--trusted-root", filepath.Join(dir, "trusted_root.json")}
	other := filepath.Join(t.TempDir(), "other.txt")
	if err := os.WriteFile(other, []byte("not the artifact\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"artifact", append(common, "--artifact", filepath.Join(dir, "artifact.txt")), exitOK, "VERIFIED: all checks passed"},
		{"other artifact", append(common, "--artifact", other), exitFailed, "First failure: Artifact signature"},
		{"production root", []string{"verify-bundle", bundlePath, "--key", filepath.Join(dir, "key.pub"), "--artifact", filepath.Join(dir, "artifact.txt")}, exitFailed, "First failure: Transparency log entry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != tc.wantCode {
				t.Fatalf("exit = %d, want %d\n%s%s", code, tc.wantCode, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}
