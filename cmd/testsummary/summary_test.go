package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

const mod = testenv.ModulePath

// ev is one test2json line.
func ev(action, pkg, test, output string) string {
	b, err := json.Marshal(event{Action: action, Package: pkg, Test: test, Output: output})
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// summarise feeds lines to a summary in environment e and returns the
// verdict and everything printed.
func summarise(t *testing.T, e env, lines ...string) (bool, string) {
	t.Helper()
	var out bytes.Buffer
	s := newSummary(&out, e, allowList)
	if err := feed(s, strings.NewReader(strings.Join(lines, ""))); err != nil {
		t.Fatal(err)
	}
	return s.Finish(nil), out.String()
}

var linux = env{goos: "linux", requireTools: true}

// countsLine is the form the brief asks for: alone on a line, optionally
// after one word and a colon.
var countsLine = regexp.MustCompile(`(?m)^(\w+: )?(\d+) passed, (\d+) failed, (\d+) skipped$`)

func counts(t *testing.T, out string) string {
	t.Helper()
	m := countsLine.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("want exactly one counts line, got %d in:\n%s", len(m), out)
	}
	return m[0][2] + "/" + m[0][3] + "/" + m[0][4]
}

func TestCountsAndFailureOutput(t *testing.T) {
	p := mod + "/proof"
	ok, out := summarise(t, linux,
		ev("start", p, "", ""),
		ev("run", p, "TestA", ""),
		ev("output", p, "TestA", "=== RUN   TestA\n"),
		ev("pass", p, "TestA", ""),
		ev("run", p, "TestB", ""),
		ev("run", p, "TestB/sub", ""),
		ev("output", p, "TestB/sub", "    b_test.go:12: got 1, want 2\n"),
		ev("output", p, "TestB/sub", "    \tdiff\t\x1b[2Jcleared\n"),
		ev("fail", p, "TestB/sub", ""),
		ev("fail", p, "TestB", ""),
		ev("run", p, "TestC", ""),
		ev("pass", p, "TestC", ""),
		ev("output", p, "", "FAIL\n"),
		ev("fail", p, "", ""),
		ev("run", mod+"/rekor/server", "TestLogChildProcess", ""),
		ev("output", mod+"/rekor/server", "TestLogChildProcess", "    durability_test.go:29: helper process for TestKillDuringLoad\n"),
		ev("skip", mod+"/rekor/server", "TestLogChildProcess", ""),
		ev("pass", mod+"/rekor/server", "", ""),
	)
	if ok {
		t.Error("verdict ok with failing tests")
	}
	if got := counts(t, out); got != "2/2/1" {
		t.Errorf("counts passed/failed/skipped = %s, want 2/2/1\n%s", got, out)
	}
	for _, want := range []string{
		"=== FAIL " + p + " TestB/sub\n    b_test.go:12: got 1, want 2\n",
		"    \tdiff\t\\x1b[2Jcleared\n", // tabs kept, the escape made visible
		"helper process for TestKillDuringLoad\n      allowed always:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"Action"`) || strings.Contains(out, "\x1b") {
		t.Errorf("output has raw JSON or a raw escape:\n%s", out)
	}
}

// TestSkips: each skip is judged against the allow-list and its condition.
func TestSkips(t *testing.T) {
	skip := func(pkg, test, msg string) []string {
		return []string{
			ev("run", mod+pkg, test, ""),
			ev("output", mod+pkg, test, "    x_test.go:1: "+msg+"\n"),
			ev("output", mod+pkg, test, "--- SKIP: "+test+" (0.00s)\n"),
			ev("skip", mod+pkg, test, ""),
			ev("pass", mod+pkg, "", ""),
		}
	}
	realWorld := skip("/proof", "TestRealWorldCheckpoints", "real-world vectors absent")
	tool := skip("/registry", "TestCosignInterop", testenv.ToolMissingPrefix+"cosign not found")
	short := skip("/ui", "TestDemoWorldFlow", "starts the demo world")
	cpu := skip("/internal/loadgen", "TestProcessCPUAdvances", "ProcessCPU is unavailable")
	helper := skip("/rekor/server", "TestLogChildProcess/sub", "helper")
	for _, tc := range []struct {
		name  string
		e     env
		lines []string
		want  bool
	}{
		{"real-world skip", env{goos: "linux", short: true}, realWorld, false},
		{"tool skip without PROVSCOPE_REQUIRE_TOOLS", env{goos: "linux"}, tool, true},
		{"tool skip with PROVSCOPE_REQUIRE_TOOLS", linux, tool, false},
		{"short skip with -short", env{goos: "linux", short: true, requireTools: true}, short, true},
		{"short skip without -short", linux, short, false},
		{"platform skip on linux", env{goos: "linux", short: true}, cpu, false},
		{"platform skip elsewhere", env{goos: "darwin", requireTools: true}, cpu, true},
		{"subtest of an allowed test", linux, helper, true},
		{"allowed name in another package", linux, skip("/proof", "TestLogChildProcess", "x"), false},
		{"real rekor optional", linux, skip("/internal/cli", "TestRealRekor", "no real rekor-server"), true},
		{"real rekor required", env{goos: "linux", requireRealRekor: true}, skip("/internal/cli", "TestRealRekor", "x"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, out := summarise(t, tc.e, tc.lines...)
			if ok != tc.want {
				t.Errorf("verdict ok = %v, want %v\n%s", ok, tc.want, out)
			}
			if got := counts(t, out); got != "0/0/1" {
				t.Errorf("counts = %s, want 0/0/1", got)
			}
			if !tc.want && !strings.Contains(out, "NOT on the allow-list") {
				t.Errorf("a refused skip is not listed as such:\n%s", out)
			}
		})
	}
}

func TestPackageFailures(t *testing.T) {
	p := mod + "/inspect"
	for _, tc := range []struct {
		name   string
		lines  []string
		counts string
		want   []string
	}{
		{"build failure", []string{
			ev("build-output", "", "", "# "+p+"\n"),
			`{"Action":"build-output","ImportPath":"` + p + ` [` + p + `.test]","Output":"inspect/image.go:544:14: undefined: prevCheckpoint\n"}` + "\n",
			`{"Action":"build-fail","ImportPath":"` + p + ` [` + p + `.test]"}` + "\n",
			`{"Action":"fail","Package":"` + p + `","Elapsed":0,"FailedBuild":"` + p + ` [` + p + `.test]"}` + "\n",
		}, "0/1/0", []string{"build failed", "undefined: prevCheckpoint"}},
		{"panic cuts a test short", []string{
			ev("run", p, "TestPanics", ""),
			ev("output", p, "TestPanics", "panic: boom\n"),
			ev("fail", p, "", ""),
		}, "0/1/0", []string{"TestPanics [no result: cut short]", "panic: boom"}},
		{"stream ends mid-test", []string{
			ev("run", p, "TestHangs", ""),
		}, "0/1/0", []string{"TestHangs [no result: the stream ended]"}},
		{"package fails with no test failing", []string{
			ev("run", p, "TestA", ""),
			ev("pass", p, "TestA", ""),
			ev("output", p, "", "coverage: os.Exit(1) in TestMain\n"),
			ev("fail", p, "", ""),
		}, "1/1/0", []string{"no test reported the failure", "os.Exit(1) in TestMain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, out := summarise(t, linux, tc.lines...)
			if ok {
				t.Errorf("verdict ok, want a failure\n%s", out)
			}
			if got := counts(t, out); got != tc.counts {
				t.Errorf("counts = %s, want %s\n%s", got, tc.counts, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestBenchmarks: a passing benchmark reports no result event; it counts as
// passed, and a failing one as failed.
func TestBenchmarks(t *testing.T) {
	p := mod + "/proof"
	ok, out := summarise(t, linux,
		ev("run", p, "BenchmarkVerify", ""),
		ev("output", p, "BenchmarkVerify", "BenchmarkVerify-2 \t 1\t 5956013 ns/op\n"),
		ev("pass", p, "", ""),
	)
	if !ok || counts(t, out) != "1/0/0" {
		t.Errorf("passing benchmark: ok=%v counts=%s, want true 1/0/0\n%s", ok, counts(t, out), out)
	}
	ok, out = summarise(t, linux,
		ev("run", p, "BenchmarkVerify", ""),
		ev("output", p, "BenchmarkVerify", "    bench_test.go:9: verdict = failed, want verified\n"),
		ev("fail", p, "BenchmarkVerify", ""),
		ev("fail", p, "", ""),
	)
	if ok || counts(t, out) != "0/1/0" {
		t.Errorf("failing benchmark: ok=%v counts=%s, want false 0/1/0\n%s", ok, counts(t, out), out)
	}
}

func TestCommandFailureFails(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"sh", "-c", "exit 3"}, strings.NewReader(""), &out, &errOut); code != 1 {
		t.Errorf("run(a command exiting 3) = %d, want 1\n%s", code, out.String())
	}
	pass := ev("run", mod, "TestA", "") + ev("pass", mod, "TestA", "") + ev("pass", mod, "", "")
	if code := run([]string{"--", "printf", "%s", pass}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Errorf("run(a passing test run) = %d, want 0\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"--", "sh", "-c", "exit 0"}, strings.NewReader(""), &out, &errOut); code != 1 || !strings.Contains(out.String(), "no test ran") {
		t.Errorf("run(a command that runs no test) = %d, want 1 saying no test ran\n%s", code, out.String())
	}
	if code := run([]string{"/nonexistent/go"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Errorf("run(a missing command) = %d, want 2", code)
	}
}

// TestRealGoTest runs the summariser over a real `go test -json` of a small
// module, so that a change in test2json's format cannot go unnoticed.
func TestRealGoTest(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	dir := t.TempDir()
	for name, s := range map[string]string{
		"go.mod": "module example.com/summarytest\n\ngo 1.24\n",
		"x_test.go": `package x

import "testing"

func TestPass(t *testing.T) {}
func TestFail(t *testing.T) { t.Errorf("got %d, want %d", 1, 2) }
func TestSkip(t *testing.T) { t.Skip("not today") }
func TestSub(t *testing.T) { t.Run("inner", func(t *testing.T) {}) }
func BenchmarkB(b *testing.B) { for range b.N {} }
`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	goTest := func(runRE string) (int, string) {
		var out, errOut bytes.Buffer
		code := run([]string{goBin, "-C", dir, "test", "-json", "-count=1", "-run", runRE, "-bench", ".", "-benchtime", "1x", "."},
			strings.NewReader(""), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	// Benchmarks run only when no test failed: first the rest, then TestFail.
	code, out := goTest("TestPass|TestSub|TestSkip")
	if code != 1 {
		t.Errorf("exit code = %d, want 1 (a refused skip)\n%s", code, out)
	}
	// TestPass, TestSub, TestSub/inner, BenchmarkB passed.
	if got := counts(t, out); got != "4/0/1" {
		t.Errorf("counts = %s, want 4/0/1\n%s", got, out)
	}
	if w := "example.com/summarytest TestSkip: x_test.go:7: not today"; !strings.Contains(out, w) {
		t.Errorf("output lacks %q:\n%s", w, out)
	}
	code, out = goTest("TestFail")
	if code != 1 || counts(t, out) != "0/1/0" {
		t.Errorf("exit code = %d, counts = %s, want 1, 0/1/0\n%s", code, counts(t, out), out)
	}
	if w := "x_test.go:6: got 1, want 2"; !strings.Contains(out, w) {
		t.Errorf("output lacks %q:\n%s", w, out)
	}
}
