// Package testenv finds what provscope's tests need from outside the
// repository: the real-world Sigstore vectors and the real client binaries
// (cosign, rekor-cli, crane). Tests skip with a clear message when something
// is absent, so `go test ./...` works on a bare checkout, while `make test`
// (which installs the tools) runs everything.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot returns the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// RealWorldDir returns the folder of real-world vectors: $PROVSCOPE_REALWORLD,
// else ../shared/testdata/realworld beside the repository. It returns "" when
// neither exists.
func RealWorldDir() string {
	if d := os.Getenv("PROVSCOPE_REALWORLD"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() { //nolint:gosec // G703: the test runner names this directory
			return d
		}
		return ""
	}
	d := filepath.Join(RepoRoot(), "..", "shared", "testdata", "realworld")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

// RealWorld returns the real-world vectors folder, or skips t with a message
// saying where it looked.
func RealWorld(t testing.TB) string {
	t.Helper()
	d := RealWorldDir()
	if d == "" {
		t.Skip("real-world vectors absent: set PROVSCOPE_REALWORLD or provide ../shared/testdata/realworld")
	}
	return d
}

// ToolPath finds a real client binary (cosign, rekor-cli, crane): in
// $PROVSCOPE_TOOLS, else .tools/bin in the repository, else on PATH. It
// returns "" when it is not found.
func ToolPath(name string) string {
	var dirs []string
	if d := os.Getenv("PROVSCOPE_TOOLS"); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, filepath.Join(RepoRoot(), ".tools", "bin"))
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() { //nolint:gosec // G703: the test runner names the tools directory
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

// Tool returns the path of a real client binary, or skips t saying how to
// install it. When PROVSCOPE_REQUIRE_TOOLS is set (as `make test` does after
// installing them), a missing tool fails the test instead.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := ToolPath(name)
	if p == "" {
		if os.Getenv("PROVSCOPE_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s not found although PROVSCOPE_REQUIRE_TOOLS is set (run scripts/install-tools.sh)", name)
		}
		t.Skipf("%s not found: run `make tools` (or set PROVSCOPE_TOOLS) to run this test", name)
	}
	return p
}
