package cli

import (
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/provscope/provscope/internal/testenv"
)

func TestVerifyCheckpointRealWorld(t *testing.T) {
	rw := testenv.RealWorld(t)
	cp := func(f string) string { return filepath.Join(rw, "checkpoints", f) }
	prodPEM := filepath.Join(rw, "trust/production_rekor.sigstore.dev.pem")
	sumKey := "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"prod v1 with PEM", []string{cp("extracted_prod_2605736670972794746_55510966.txt"), "--key", prodPEM}, exitOK, "rekor.sigstore.dev+c0d23d6a: verified"},
		{"prod v1 with vkey file", []string{cp("sigstore-java_valid.txt"), "--key", cp("rekor.sigstore.dev.vkey")}, exitOK, "Verdict: verified"},
		{"extra unknown line ignored", []string{cp("sigstore-java_valid_multi_sig.txt"), "--key", prodPEM}, exitOK, "bob.loblaw.dev+c0d23d6a: unknown key"},
		{"origin required", []string{cp("sigstore-java_valid.txt"), "--key", prodPEM, "--origin", "rekor.sigstore.dev - 1"}, exitFailed, "✗ Expected origin"},
		{"bad key hint", []string{cp("sigstore-js_prod_21428036_bad-keyhint_invalid.txt"), "--key", prodPEM}, exitFailed, "✗ Log signature"},
		{"wrong log key", []string{cp("extracted_prod_2605736670972794746_55510966.txt"), "--key", filepath.Join(rw, "trust/staging_rekor.sigstage.dev.pem"), "--key-name", "rekor.sigstore.dev"}, exitFailed, "no checkpoint signature by a known key"},
		{"witness quorum unmet", []string{cp("extracted_staging-v2_log2025-alpha3_4026479.txt"), "--key", filepath.Join(rw, "trust/staging_log2025-alpha3.rekor.sigstage.dev.pem"), "--min-witnesses", "1"}, exitFailed, "✗ Witness cosignatures"},
		{"v2 Ed25519 PEM", []string{cp("extracted_prod-v2_log2025-1_544347.txt"), "--key", filepath.Join(rw, "trust/production_log2025-1.rekor.sigstore.dev.pem")}, exitOK, "Verdict: verified"},
		{"sumdb inline vkey", []string{filepath.Join(rw, "sumdb/sth_15067302_with-unknown-witness-cosig.txt"), "--key", sumKey}, exitOK, "test.example.com+a931a10b: unknown key"},
		{"sumdb altered body", []string{filepath.Join(rw, "sumdb/sth_15368405_extra-lines_INVALID.txt"), "--key", sumKey}, exitFailed, "does not verify"},
		{"malformed: no signature", []string{cp("sigstore-js_no-signature_invalid.txt"), "--key", prodPEM}, exitUsageErr, "✗ Signed note format"},
		{"malformed: non-numeric size", []string{cp("sigstore-java_error_not_a_number.txt"), "--key", prodPEM}, exitUsageErr, "✗ Checkpoint body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"verify-checkpoint"}, tc.args...)...)
			if code != tc.want || !strings.Contains(out, tc.out) {
				t.Errorf("exit %d, want %d; output lacks %q?\n%s%s", code, tc.want, tc.out, out, errOut)
			}
		})
	}
	code, out, _ := runCLI(t, "verify-checkpoint", cp("sigstore-java_valid_multi_sig.txt"), "--key", prodPEM, "--output", "json")
	var got struct {
		Verdict    string `json:"verdict"`
		Signatures []struct {
			Status string `json:"status"`
		} `json:"signatures"`
		Checkpoint struct {
			Size uint64 `json:"size"`
		} `json:"checkpoint"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("JSON: exit %d, %v\n%s", code, err, out)
	}
	if got.Verdict != "verified" || len(got.Signatures) != 2 || got.Signatures[1].Status != "unknown key" || got.Checkpoint.Size != 37795272 {
		t.Errorf("JSON = %+v", got)
	}
}

// TestVerifyCheckpointOwnLog signs a checkpoint with a fresh Ed25519 note
// key and checks it, so the command is tested without real-world data.
func TestVerifyCheckpointOwnLog(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	body := "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	msg, err := note.Sign(&note.Note{Text: body}, signer)
	if err != nil {
		t.Fatal(err)
	}
	path := writeTemp(t, "cp.txt", msg)
	if code, out, errOut := runCLI(t, "verify-checkpoint", path, "--key", vkey); code != exitOK {
		t.Errorf("own log: exit %d\n%s%s", code, out, errOut)
	}
	tampered := writeTemp(t, "bad.txt", []byte(strings.Replace(string(msg), "\n3\n", "\n4\n", 1)))
	if code, out, _ := runCLI(t, "verify-checkpoint", tampered, "--key", vkey); code != exitFailed || !strings.Contains(out, "does not verify") {
		t.Errorf("tampered size: exit %d, want 1\n%s", code, out)
	}
	// Bad input: exit 2 with a clear message, never a panic.
	big := make([]byte, 10<<20)
	for i := range big {
		big[i] = 'a'
	}
	bad := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"10 MB note", []string{writeTemp(t, "big.txt", big), "--key", vkey}, "larger than"},
		{"no key", []string{path}, "--key"},
		{"bad vkey", []string{path, "--key", "a+b+c"}, "--key"},
		{"bad base64 in vkey", []string{path, "--key", "example.com/log+01234567+!!!"}, "base64"},
		{"missing note", []string{filepath.Join(t.TempDir(), "nope"), "--key", vkey}, "reading note"},
		{"bad witness key", []string{path, "--key", vkey, "--witness-key", "w+00000000+AQ=="}, "--witness-key"},
		{"negative quorum", []string{path, "--key", vkey, "--min-witnesses", "-1"}, "negative"},
		{"truncated note", []string{writeTemp(t, "t.txt", msg[:len(msg)-10]), "--key", vkey}, "malformed"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"verify-checkpoint"}, tc.args...)...)
			if code != exitUsageErr || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.wantErr)
			}
		})
	}
}
