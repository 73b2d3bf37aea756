package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how a helper ended a test: fatal, skipped or neither.
type fakeTB struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) fail(msg string) { f.failed, f.msg = true, msg; runtime.Goexit() }
func (f *fakeTB) skip(msg string) { f.skipped, f.msg = true, msg; runtime.Goexit() }

func (f *fakeTB) Error(args ...any) { f.failed, f.msg = true, fmt.Sprint(args...) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatal(args ...any)                 { f.fail(fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.fail(fmt.Sprintf(format, args...)) }
func (f *fakeTB) FailNow()                          { f.fail("FailNow") }
func (f *fakeTB) Skip(args ...any)                  { f.skip(fmt.Sprint(args...)) }
func (f *fakeTB) Skipf(format string, args ...any)  { f.skip(fmt.Sprintf(format, args...)) }
func (f *fakeTB) SkipNow()                          { f.skip("SkipNow") }

// runTB runs fn with a fakeTB on its own goroutine, as the testing package
// runs a test, so that Fatal and Skip can end it with runtime.Goexit.
func runTB(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

// writeFile creates p (and its folders) holding s.
func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fakeRepo makes a folder with this module's go.mod and a package folder
// two levels down; it returns both.
func fakeRepo(t *testing.T) (root, pkg string) {
	t.Helper()
	root = t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "// a comment\nmodule "+ModulePath+"\n\ngo 1.26\n")
	pkg = filepath.Join(root, "ui", "learn")
	if err := os.MkdirAll(pkg, 0o750); err != nil {
		t.Fatal(err)
	}
	return root, pkg
}

func TestFindRepoRoot(t *testing.T) {
	root, pkg := fakeRepo(t)
	for _, dir := range []string{root, pkg, filepath.Join(pkg, "..")} {
		got, err := FindRepoRoot(dir)
		if err != nil || got != root {
			t.Errorf("FindRepoRoot(%q) = %q, %v, want %q", dir, got, err, root)
		}
	}
}

func TestFindRepoRootForeignModule(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/other\n")
	if got, err := FindRepoRoot(filepath.Join(dir)); err == nil {
		t.Errorf("FindRepoRoot in module example.com/other = %q, want an error", got)
	}
}

// TestRepoRootFromWorkingDirectory: the real repository is found from the
// package folder the test runs in, and holds the committed vectors.
func TestRepoRootFromWorkingDirectory(t *testing.T) {
	root := RepoRoot()
	if root == "" {
		t.Fatal("RepoRoot() = \"\" inside the repository")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Dir(filepath.Dir(wd)); root != want { // internal/testenv
		t.Errorf("RepoRoot() = %q, want %q", root, want)
	}
}

func TestRealWorldInRepository(t *testing.T) {
	t.Setenv(RealWorldEnv, "")
	f := runTB(t, func(tb testing.TB) {
		d := RealWorld(tb)
		if want := filepath.Join(RepoRoot(), "testdata", "realworld"); d != want {
			t.Errorf("RealWorld() = %q, want %q", d, want)
		}
	})
	if f.failed || f.skipped {
		t.Fatalf("RealWorld in the repository: failed=%v skipped=%v: %s", f.failed, f.skipped, f.msg)
	}
}

// TestRealWorldNeverSkips: a wrong PROVSCOPE_REALWORLD, or vectors missing
// from the repository, fail the test; they never skip it.
func TestRealWorldNeverSkips(t *testing.T) {
	notVectors := t.TempDir()
	writeFile(t, filepath.Join(notVectors, "README.md"), "not the vectors\n")
	asFile := filepath.Join(t.TempDir(), "realworld")
	writeFile(t, asFile, "")
	_, emptyPkg := fakeRepo(t)
	for _, tc := range []struct {
		name, env, chdir, wantMsg string
	}{
		{"mistyped variable", filepath.Join(t.TempDir(), "realwrold"), "", RealWorldEnv},
		{"variable names a folder without INDEX.json", notVectors, "", "INDEX.json"},
		{"variable names a file", asFile, "", "not a directory"},
		{"repository without the vectors", "", emptyPkg, "committed under"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(RealWorldEnv, tc.env)
			if tc.chdir != "" {
				t.Chdir(tc.chdir)
			}
			f := runTB(t, func(tb testing.TB) { RealWorld(tb) })
			if f.skipped || !f.failed {
				t.Fatalf("RealWorld: failed=%v skipped=%v (%s), want a failure", f.failed, f.skipped, f.msg)
			}
			if !strings.Contains(f.msg, tc.wantMsg) {
				t.Errorf("RealWorld failed with %q, want it to mention %q", f.msg, tc.wantMsg)
			}
		})
	}
}

// TestRealWorldVariableElsewhere: a correct PROVSCOPE_REALWORLD is used as is.
func TestRealWorldVariableElsewhere(t *testing.T) {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "INDEX.json"), "{}")
	t.Setenv(RealWorldEnv, d)
	got, err := RealWorldDir()
	if err != nil || got != d {
		t.Errorf("RealWorldDir() = %q, %v, want %q", got, err, d)
	}
}

func TestToolMissing(t *testing.T) {
	t.Setenv("PROVSCOPE_TOOLS", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	const name = "provscope-no-such-tool"

	t.Setenv("PROVSCOPE_REQUIRE_TOOLS", "")
	f := runTB(t, func(tb testing.TB) { Tool(tb, name) })
	if !f.skipped || !strings.HasPrefix(f.msg, ToolMissingPrefix+name) {
		t.Errorf("Tool without PROVSCOPE_REQUIRE_TOOLS: skipped=%v msg=%q, want a skip starting %q", f.skipped, f.msg, ToolMissingPrefix+name)
	}

	t.Setenv("PROVSCOPE_REQUIRE_TOOLS", "1")
	f = runTB(t, func(tb testing.TB) { Tool(tb, name) })
	if f.skipped || !f.failed {
		t.Errorf("Tool with PROVSCOPE_REQUIRE_TOOLS: failed=%v skipped=%v, want a failure", f.failed, f.skipped)
	}
}

func TestCheckUpdate(t *testing.T) {
	for _, tc := range []struct {
		update  bool
		ci      string
		wantErr bool
	}{
		{false, "", false},
		{true, "", false},
		{false, "true", false},
		{true, "true", true},
		{true, "1", true},
	} {
		if err := checkUpdate(tc.update, tc.ci); (err != nil) != tc.wantErr {
			t.Errorf("checkUpdate(%v, %q) = %v, want error %v", tc.update, tc.ci, err, tc.wantErr)
		}
	}
	// This test binary registers no -update flag: the guard must say it
	// cannot see updates rather than let them through.
	if err := CheckUpdate(); err == nil {
		t.Error("CheckUpdate() without an -update flag = nil, want an error")
	}
}

func TestSnapshotChanged(t *testing.T) {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "a"), "1")
	before, err := snapshot(d)
	if err != nil {
		t.Fatal(err)
	}
	if got := changed(before, before); len(got) != 0 {
		t.Errorf("changed(s, s) = %q, want none", got)
	}
	writeFile(t, filepath.Join(d, "a"), "2")
	writeFile(t, filepath.Join(d, "testdata", "b.golden"), "")
	after, err := snapshot(d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(d, "a"), filepath.Join(d, "testdata"), filepath.Join(d, "testdata", "b.golden")}
	if got := changed(before, after); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("changed = %q, want %q", got, want)
	}
}
