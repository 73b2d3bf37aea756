package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSSHUsageErrors(t *testing.T) {
	dir := t.TempDir()
	ak := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(ak, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hk := filepath.Join(dir, "host_key")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no authorized keys", []string{"ssh", "--fake"}, "--authorized-keys is required"},
		{"zero sessions", []string{"ssh", "--fake", "--authorized-keys", ak, "--max-sessions", "0"}, "--max-sessions 0"},
		{"bad idle timeout", []string{"ssh", "--fake", "--authorized-keys", ak, "--idle-timeout", "0s"}, "--idle-timeout"},
		{"missing authorized keys file", []string{"ssh", "--fake", "--host-key", hk, "--authorized-keys", filepath.Join(dir, "nope")}, "no such file"},
		{"no backend", []string{"ssh", "--authorized-keys", ak, "--host-key", hk}, "adapter is not wired"},
		{"arguments", []string{"ssh", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != exitUsageErr {
				t.Fatalf("run(%q) = %d, want %d (stderr %q)", tt.args, code, exitUsageErr, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, errb.String(), tt.want)
			}
		})
	}
}

// TestSSHEndToEnd runs scripts/ssh-e2e.sh: a real OpenSSH client in tmux
// against a freshly built provscope ssh on loopback. It skips when ssh,
// ssh-keygen or tmux is missing (Debian: apt-get install -y openssh-client
// tmux) and in -short mode.
func TestSSHEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds provscope and drives OpenSSH; skipped in -short mode")
	}
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found; install openssh-client and tmux to run the SSH end-to-end test", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "provscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	outDir := filepath.Join(dir, "out")
	cmd := exec.Command("bash", "scripts/ssh-e2e.sh", outDir)
	cmd.Env = append(os.Environ(), "PROVSCOPE_BIN="+bin)
	out, err := cmd.CombinedOutput()
	t.Logf("ssh-e2e.sh:\n%s", out)
	if err != nil {
		if log, rerr := os.ReadFile(filepath.Join(outDir, "server.log")); rerr == nil {
			t.Logf("server.log:\n%s", log)
		}
		t.Fatalf("ssh-e2e.sh failed: %v", err)
	}
	// The script asserts as it goes; check the captured screens here too.
	screens := map[string][]string{
		"01-start.txt":    {"Images", "demo/app", "demo/tampered"},
		"03-verified.txt": {"Entries · demo/app:v1.0", "Inclusion proof", "all checks passed"},
		"05-quit.txt":     {"SSH-EXITED-0"},
	}
	for name, wants := range screens {
		b, err := os.ReadFile(filepath.Join(outDir, name))
		if err != nil {
			t.Fatalf("reading capture: %v", err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q:\n%s", name, w, b)
			}
		}
	}
	ansi, err := os.ReadFile(filepath.Join(outDir, "03-verified.ansi"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ansi, []byte("\x1b[")) {
		t.Error("the -e capture carries no colour: styles did not reach the SSH client")
	}
}
