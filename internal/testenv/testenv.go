// Package testenv finds what provscope's tests need from outside the test's
// own package: the repository's top folder, the real-world Sigstore vectors
// (committed under testdata/realworld) and the real client binaries (cosign,
// rekor-cli, crane).
//
// The real-world vectors are part of the repository, so a test that needs them
// never skips: when they cannot be found, or PROVSCOPE_REALWORLD names a folder
// that does not hold them, the test fails. Only the real client binaries may be
// absent (a bare `go test ./...` skips those tests), and `make test` sets
// PROVSCOPE_REQUIRE_TOOLS so that even those fail instead of skipping.
package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ModulePath is the module this package belongs to; RepoRoot looks for the
// go.mod that declares it.
const ModulePath = "github.com/provscope/provscope"

// RealWorldEnv names the environment variable that points the tests at
// another copy of the real-world vectors.
const RealWorldEnv = "PROVSCOPE_REALWORLD"

// realWorldRel is where the vectors live inside the repository.
var realWorldRel = filepath.Join("testdata", "realworld")

// realWorldMarker is the file every copy of the vectors holds; a folder
// without it is not a copy of the vectors (a mistyped or too short path).
const realWorldMarker = "INDEX.json"

// ToolMissingPrefix starts the message of every skip Tool makes for a client
// binary that is not installed. cmd/testsummary recognises tool skips by it.
const ToolMissingPrefix = "testenv: tool missing: "

// FindRepoRoot walks up from dir to the first folder holding a go.mod and
// returns that folder if the go.mod declares ModulePath. Tests run with the
// package folder as working directory, so this works whatever -trimpath did
// to the recorded source paths.
func FindRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod")) //nolint:gosec // G304: walking up from the test's own folder
		switch {
		case err == nil:
			if mod := modulePath(b); mod != ModulePath {
				return "", fmt.Errorf("finding the repository root: %s declares module %q, want %q", filepath.Join(d, "go.mod"), mod, ModulePath)
			}
			return d, nil
		case !errors.Is(err, os.ErrNotExist):
			return "", fmt.Errorf("finding the repository root: %w", err)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("finding the repository root: no go.mod in %s or above", dir)
		}
	}
}

// modulePath returns the path on the module line of a go.mod, or "".
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 2 && string(f[0]) == "module" {
			return string(bytes.Trim(f[1], `"`))
		}
	}
	return ""
}

// RepoRoot returns the repository's top folder, found from the working
// directory by FindRepoRoot, or "" when the test runs outside the repository.
func RepoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	root, err := FindRepoRoot(wd)
	if err != nil {
		return ""
	}
	return root
}

// RealWorldDir returns the folder of real-world vectors: $PROVSCOPE_REALWORLD
// when it is set, else testdata/realworld in the repository. It returns an
// error when the chosen folder does not hold the vectors; a set but wrong
// PROVSCOPE_REALWORLD is an error, not a reason to look elsewhere.
func RealWorldDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the real-world vectors: %w", err)
	}
	return realWorldDir(os.Getenv(RealWorldEnv), wd)
}

// realWorldDir is RealWorldDir with the variable's value and the working
// directory as arguments.
func realWorldDir(env, wd string) (string, error) {
	if env != "" {
		if err := checkRealWorld(env); err != nil {
			return "", fmt.Errorf("%s=%q: %w", RealWorldEnv, env, err)
		}
		return env, nil
	}
	root, err := FindRepoRoot(wd)
	if err != nil {
		return "", fmt.Errorf("finding the real-world vectors: %w", err)
	}
	d := filepath.Join(root, realWorldRel)
	if err := checkRealWorld(d); err != nil {
		return "", fmt.Errorf("the repository's real-world vectors are missing (they are committed under %s): %w", realWorldRel, err)
	}
	return d, nil
}

// checkRealWorld reports whether d looks like a copy of the vectors.
func checkRealWorld(d string) error {
	st, err := os.Stat(d) //nolint:gosec // G703: the test runner names this directory
	if err != nil {
		return fmt.Errorf("reading the real-world vectors: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("reading the real-world vectors: %s is not a directory", d)
	}
	m, err := os.Stat(filepath.Join(d, realWorldMarker)) //nolint:gosec // G703: the test runner names this directory
	if err != nil {
		return fmt.Errorf("reading the real-world vectors: %s is not a copy of testdata/realworld: %w", d, err)
	}
	if !m.Mode().IsRegular() {
		return fmt.Errorf("reading the real-world vectors: %s is not a regular file", filepath.Join(d, realWorldMarker))
	}
	return nil
}

// RealWorld returns the real-world vectors folder, or fails t saying where
// it looked. It never skips: the vectors are part of the repository.
func RealWorld(t testing.TB) string {
	t.Helper()
	d, err := RealWorldDir()
	if err != nil {
		t.Fatal(err)
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
	if root := RepoRoot(); root != "" {
		dirs = append(dirs, filepath.Join(root, ".tools", "bin"))
	}
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
		t.Skipf("%s%s not found: run `make tools` (or set PROVSCOPE_TOOLS) to run this test", ToolMissingPrefix, name)
	}
	return p
}
