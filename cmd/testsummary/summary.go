package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/provscope/provscope/internal/safetext"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output and build-fail
	FailedBuild string // a package fail caused by a build failure
	Elapsed     float64
}

type testKey struct{ pkg, test string }

// testState is what is known of one test while its package runs.
type testState struct {
	out  []string
	done bool
}

// summary follows a `go test -json` stream: it prints package results and
// failing tests' output as they arrive, counts every test (subtests and
// benchmarks included) and judges every skip against the allow-list.
type summary struct {
	w    io.Writer
	env  env
	list []allowance

	tests   map[testKey]*testState
	running []testKey // started and not yet reported, in start order
	pkgOut  map[string][]string
	pkgFail map[string]int // failed tests per package

	passed, failed, skipped int
	failures                []string // "pkg Test" or "pkg [why]"
	okSkips, badSkips       []string
}

func newSummary(w io.Writer, e env, list []allowance) *summary {
	return &summary{
		w: w, env: e, list: list,
		tests:   map[testKey]*testState{},
		pkgOut:  map[string][]string{},
		pkgFail: map[string]int{},
	}
}

// clean makes one line of test output safe for a terminal (tabs kept).
func clean(s string) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\t")
	for i, p := range parts {
		parts[i] = safetext.Line(p)
	}
	return strings.Join(parts, "\t")
}

// Line takes one line of the stream. Lines that are not test2json events
// (a command's own messages) are printed as they are, made safe.
func (s *summary) Line(b []byte) {
	var ev event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &ev) != nil || ev.Action == "" {
		if t := strings.TrimRight(string(b), "\n"); t != "" {
			fmt.Fprintln(s.w, clean(t))
		}
		return
	}
	s.event(ev)
}

// framing reports whether a line is test2json's own framing, not output a
// test wrote.
func framing(line string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

func (s *summary) event(ev event) {
	switch ev.Action {
	case "build-output":
		s.pkgOut[ev.ImportPath] = append(s.pkgOut[ev.ImportPath], ev.Output)
		return
	case "build-fail", "start":
		return
	}
	if ev.Test == "" {
		s.packageEvent(ev)
		return
	}
	k := testKey{ev.Package, ev.Test}
	st := s.tests[k]
	if st == nil {
		st = &testState{}
		s.tests[k] = st
		s.running = append(s.running, k)
	}
	switch ev.Action {
	case "output":
		if !framing(ev.Output) {
			st.out = append(st.out, ev.Output)
		}
	case "pass":
		st.done = true
		s.passed++
	case "fail":
		st.done = true
		s.fail(k, st, "")
	case "skip":
		st.done = true
		s.skip(k, st)
	}
}

func (s *summary) fail(k testKey, st *testState, why string) {
	s.failed++
	s.pkgFail[k.pkg]++
	s.failures = append(s.failures, k.pkg+" "+k.test+why)
	fmt.Fprintf(s.w, "=== FAIL %s %s%s\n", k.pkg, k.test, why)
	for _, l := range st.out {
		fmt.Fprintln(s.w, clean(l))
	}
}

func (s *summary) skip(k testKey, st *testState) {
	s.skipped++
	var msg []string
	for _, l := range st.out {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--- SKIP") {
			msg = append(msg, l)
		}
	}
	line := fmt.Sprintf("%s %s: %s", k.pkg, k.test, clean(strings.Join(msg, " / ")))
	if a, ok := allowed(s.list, s.env, k.pkg, k.test, strings.Join(st.out, "")); ok {
		s.okSkips = append(s.okSkips, fmt.Sprintf("%s\n      allowed %s: %s", line, a.when, a.why))
		return
	}
	s.badSkips = append(s.badSkips, line)
}

// packageEvent handles a package's own output and its end.
func (s *summary) packageEvent(ev event) {
	switch ev.Action {
	case "output":
		s.pkgOut[ev.Package] = append(s.pkgOut[ev.Package], ev.Output)
	case "pass", "fail":
		s.finishPackage(ev.Package, ev.Action == "pass")
		if ev.Action == "pass" {
			fmt.Fprintf(s.w, "ok   %s %.2fs\n", ev.Package, ev.Elapsed)
			return
		}
		if s.pkgFail[ev.Package] == 0 {
			why := " [package failed: no test reported the failure]"
			if ev.FailedBuild != "" {
				why = " [build failed: " + ev.FailedBuild + "]"
			}
			s.failed++
			s.failures = append(s.failures, ev.Package+why)
			fmt.Fprintf(s.w, "=== FAIL %s%s\n", ev.Package, why)
			for _, l := range append(s.pkgOut[ev.FailedBuild], s.pkgOut[ev.Package]...) {
				fmt.Fprintln(s.w, clean(l))
			}
		}
		fmt.Fprintf(s.w, "FAIL %s %.2fs\n", ev.Package, ev.Elapsed)
	}
}

// finishPackage settles the tests of pkg that never reported a result: a
// benchmark reports none when it passes; any other test was cut short (a
// panic, a timeout, os.Exit) and failed.
func (s *summary) finishPackage(pkg string, pkgPassed bool) {
	var still []testKey
	for _, k := range s.running {
		st := s.tests[k]
		switch {
		case k.pkg != pkg:
			still = append(still, k)
		case st.done:
		case pkgPassed && strings.HasPrefix(k.test, "Benchmark"):
			st.done = true
			s.passed++
		default:
			st.done = true
			s.fail(k, st, " [no result: cut short]")
		}
	}
	s.running = still
}

// Finish settles what never ended, prints the recap and the counts, and
// reports whether the run is a success. cmdErr is the command's own result.
func (s *summary) Finish(cmdErr error) bool {
	for _, k := range slices.Clone(s.running) {
		if st := s.tests[k]; !st.done {
			st.done = true
			s.fail(k, st, " [no result: the stream ended]")
		}
	}
	s.running = nil
	if len(s.okSkips) > 0 {
		fmt.Fprintln(s.w, "\nskipped, allowed by cmd/testsummary/allow.go:")
		for _, l := range s.okSkips {
			fmt.Fprintln(s.w, "  "+l)
		}
	}
	if len(s.badSkips) > 0 {
		fmt.Fprintln(s.w, "\nskipped, NOT on the allow-list (cmd/testsummary/allow.go):")
		for _, l := range s.badSkips {
			fmt.Fprintln(s.w, "  "+l)
		}
	}
	if len(s.failures) > 0 {
		fmt.Fprintln(s.w, "\nfailed:")
		for _, l := range s.failures {
			fmt.Fprintln(s.w, "  "+l)
		}
	}
	fmt.Fprintf(s.w, "\ntests: %d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	var why []string
	if s.failed > 0 {
		why = append(why, fmt.Sprintf("%d failed", s.failed))
	}
	if n := len(s.badSkips); n > 0 {
		why = append(why, fmt.Sprintf("%d skipped without an allowance", n))
	}
	if s.passed+s.failed+s.skipped == 0 {
		why = append(why, "no test ran")
	}
	if cmdErr != nil {
		why = append(why, "the test command failed: "+cmdErr.Error())
	}
	if len(why) > 0 {
		fmt.Fprintf(s.w, "testsummary: FAIL: %s\n", strings.Join(why, "; "))
		return false
	}
	fmt.Fprintln(s.w, "testsummary: ok")
	return true
}
