// Command testsummary runs `go test -json` (or reads its output) and says
// plainly what happened: every package's result, every failing test's output
// as text rather than JSON, every skip with its reason, and at the end one line
//
//	tests: N passed, N failed, N skipped
//
// It fails (exit 1) when the command fails, a test or package fails, a test
// skips without an allowance in allow.go, or no test ran at all, so that a
// check that quietly stops running (a missing file, a mistyped variable, a
// -run pattern that matches nothing) cannot pass as `ok`.
//
// Usage:
//
//	testsummary [-short] [--] go test -json ./...
//	go test -json ./... | testsummary [-short]
//
// -short permits the skips that -short causes (see allow.go). Tool-dependent
// skips are permitted only while PROVSCOPE_REQUIRE_TOOLS is unset, and a
// TestRealRekor skip only while PROVSCOPE_REAL_REKOR_REQUIRED is unset.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs as arguments; it returns the exit
// code: 0 success, 1 a failed run, 2 bad usage or a command that cannot start.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "the run uses -short: permit the skips -short causes")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s := newSummary(stdout, env{
		short:            *short,
		requireTools:     os.Getenv("PROVSCOPE_REQUIRE_TOOLS") != "",
		requireRealRekor: os.Getenv("PROVSCOPE_REAL_REKOR_REQUIRED") != "",
		goos:             defaultGOOS,
	}, allowList)

	var cmdErr error
	if cmdArgs := fs.Args(); len(cmdArgs) > 0 {
		cmd := exec.CommandContext(context.Background(), cmdArgs[0], cmdArgs[1:]...) //nolint:gosec // G204: the command line is the user's
		cmd.Stdin = stdin
		cmd.Stderr = stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			fmt.Fprintf(stderr, "testsummary: %v\n", err)
			return 2
		}
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(stderr, "testsummary: starting %s: %v\n", cmdArgs[0], err)
			return 2
		}
		readErr := feed(s, out)
		cmdErr = errors.Join(readErr, cmd.Wait())
	} else {
		cmdErr = feed(s, stdin)
	}
	if !s.Finish(cmdErr) {
		return 1
	}
	return 0
}

// feed passes r to s line by line.
func feed(s *summary, r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			s.Line(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the test output: %w", err)
		}
	}
}
