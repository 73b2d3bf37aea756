package main

import (
	"runtime"
	"strings"

	"github.com/provscope/provscope/internal/testenv"
)

// condition says when an allowed skip is allowed.
type condition int

const (
	// always: the skip is how the test works in any run of the suite.
	always condition = iota
	// shortMode: only in a run started with -short (testsummary -short).
	shortMode
	// toolsOptional: only while PROVSCOPE_REQUIRE_TOOLS is unset, i.e. not
	// in `make test` or CI, which install the tools first.
	toolsOptional
	// notLinux: only on systems other than Linux, where CI runs.
	notLinux
	// realRekorOptional: only while PROVSCOPE_REAL_REKOR_REQUIRED is unset,
	// i.e. not in `make real-rekor-test`.
	realRekorOptional
)

func (c condition) String() string {
	switch c {
	case always:
		return "always"
	case shortMode:
		return "with -short"
	case toolsOptional:
		return "without PROVSCOPE_REQUIRE_TOOLS"
	case notLinux:
		return "off Linux"
	case realRekorOptional:
		return "without PROVSCOPE_REAL_REKOR_REQUIRED"
	}
	return "never"
}

// allowance permits one kind of skip. pkg is the import path below the
// module ("." for the module root); test is a top-level test name, or ""
// to match any test whose skip message contains msg.
type allowance struct {
	pkg, test, msg string
	when           condition
	why            string
}

// allowList is every skip a run may contain. Keep it short: a skip that is
// not here fails the run, which is the point. The real-world vector tests are
// deliberately absent (the vectors are committed; internal/testenv fails a
// test that cannot find them), and so is every tool-dependent test once
// PROVSCOPE_REQUIRE_TOOLS is set.
var allowList = []allowance{
	{
		pkg: "internal/cli", test: "TestRealRekor", when: realRekorOptional,
		why: "needs a real rekor-server on Trillian and MariaDB; `make real-rekor-test` starts one and runs this test with PROVSCOPE_REAL_REKOR_REQUIRED=1, where a skip is a failure",
	},
	{
		pkg: "rekor/server", test: "TestLogChildProcess", when: always,
		why: "the child process of TestKillDuringLoad; it only runs when that test starts it with PROVSCOPE_LOG_CHILD_DIR",
	},
	{
		pkg: "rekor/server", test: "TestLogMemoryChildProcess", when: always,
		why: "the child process of TestHostileBodiesMemory; it only runs when that test starts it with PROVSCOPE_LOG_MEM_CHILD_DIR",
	},
	{
		pkg: "internal/cli", test: "TestServeChildProcess", when: always,
		why: "the child process of TestServeUnderConnectionFlood; it only runs when that test starts it with PROVSCOPE_SERVE_CHILD_DIR",
	},
	{
		pkg: "internal/loadgen", test: "TestProcessCPUAdvances", when: notLinux,
		why: "process CPU time comes from getrusage, which the loader reads on Unix only",
	},
	{
		pkg: "*", msg: testenv.ToolMissingPrefix, when: toolsOptional,
		why: "a real client (cosign, rekor-cli, crane) is not installed; `make tools` installs them and `make test` requires them",
	},
	{
		pkg: "internal/cli", test: "TestSSHEndToEnd", when: toolsOptional,
		why: "needs OpenSSH and tmux; .ci/run installs them",
	},

	// The long tests that -short leaves out (make test-short).
	{pkg: "internal/cli", test: "TestSSHEndToEnd", when: shortMode, why: "builds provscope and drives OpenSSH"},
	{pkg: "ui", test: "TestDemoWorldFlow", when: shortMode, why: "starts the demo world"},
	{pkg: "ui/backend", test: "TestBackendOnDemoWorld", when: shortMode, why: "starts the demo world"},
	{pkg: "rekor/server", test: "TestProofsAcrossTiles", when: shortMode, why: "appends 600 entries"},
	{pkg: "rekor/server", test: "TestDamageLocatedBySignedCheckpoints", when: shortMode, why: "appends 2100 entries"},
	{pkg: "rekor/server", test: "TestKillDuringLoad", when: shortMode, why: "starts server processes"},
	{pkg: "rekor/server", test: "TestHostileBodiesMemory", when: shortMode, why: "sends 800 MiB to a child process"},
}

// env is what the conditions depend on.
type env struct {
	short, requireTools, requireRealRekor bool
	goos                                  string
}

func (e env) holds(c condition) bool {
	switch c {
	case always:
		return true
	case shortMode:
		return e.short
	case toolsOptional:
		return !e.requireTools
	case notLinux:
		return e.goos != "linux"
	case realRekorOptional:
		return !e.requireRealRekor
	}
	return false
}

// defaultGOOS is the system the tests run on (the summariser runs there too).
var defaultGOOS = runtime.GOOS

// allowed returns the allowance that permits a skip of test (a full name,
// subtests included) in package pkg (an import path) with output out, or
// false.
func allowed(list []allowance, e env, pkg, test, out string) (allowance, bool) {
	rel := relPackage(pkg)
	top, _, _ := strings.Cut(test, "/")
	for _, a := range list {
		if !e.holds(a.when) {
			continue
		}
		if a.pkg != "*" && a.pkg != rel {
			continue
		}
		if a.test != "" && a.test != top {
			continue
		}
		if a.msg != "" && !strings.Contains(out, a.msg) {
			continue
		}
		return a, true
	}
	return allowance{}, false
}

// relPackage returns an import path relative to the module: "." for the
// module itself, the path unchanged for another module.
func relPackage(pkg string) string {
	if pkg == testenv.ModulePath {
		return "."
	}
	if rest, ok := strings.CutPrefix(pkg, testenv.ModulePath+"/"); ok {
		return rest
	}
	return pkg
}
