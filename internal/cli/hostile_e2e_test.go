package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/hostile"
)

func startHostile(t *testing.T) *hostile.World {
	t.Helper()
	w, err := hostile.Start(context.Background())
	if err != nil {
		t.Fatalf("starting the hostile world: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// injectedLine matches a line that a payload's newlines would start if a
// printer let them through: a fake Markdown heading, list item or table row
// from the markdown-section payload.
var injectedLine = regexp.MustCompile(`(?m)^\s*(## demo/web|- verdict: \*\*verified\*\*|\| a \| b \|)`)

// fakeVerdict matches a line that claims a verified verdict.
var fakeVerdict = regexp.MustCompile(`(?mi)^\s*verdict:\s*verified`)

// assertSafe holds one command's output to the terminal rules.
func assertSafe(t *testing.T, what, out string) {
	t.Helper()
	if err := hostile.Check(out); err != nil {
		t.Errorf("%s: %v", what, err)
	}
	if m := injectedLine.FindString(out); m != "" {
		t.Errorf("%s: a payload's newline started a line of its own: %q", what, m)
	}
	if raw := hostile.RawPayloads(out); len(raw) > 0 {
		t.Errorf("%s: payloads shown raw: %v", what, raw)
	}
}

// TestHostileWorldCommands runs every command that prints foreign text
// against the hostile world, both as users run it (through the safetext
// writer) and with the writer off (the printers' own sanitising alone): no
// escape but provscope's SGR styling, no control but newline and tab, no C1,
// bidi or zero-width character may reach stdout or stderr, no payload
// newline may start a line, and failing images must still exit 1.
func TestHostileWorldCommands(t *testing.T) {
	isolateEnv(t)
	w := startHostile(t)
	logArgs := []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}
	with := func(args ...string) []string { return append(args, logArgs...) }
	const anyCode = -1
	tests := []struct {
		name     string
		args     []string
		wantCode int
		// noVerdict says the output must not claim a verified verdict.
		noVerdict bool
	}{
		{"verify", with("verify", w.Image, "--key", w.KeyPath), anyCode, false},
		{"verify -v", with("verify", w.Image, "--key", w.KeyPath, "-v"), anyCode, false},
		{"verify failing", with("verify", w.FailingImage, "--key", w.KeyPath, "-v"), exitFailed, true},
		{"verify json", with("verify", w.FailingImage, "--key", w.KeyPath, "--output", "json"), exitFailed, true},
		{"verify keyless", with("verify", w.KeylessImage, "-v", "--trusted-root", w.TrustedRootPath, "--certificate-identity", w.Identity, "--certificate-oidc-issuer", w.Issuer), anyCode, false},
		{"verify keyless other identity", with("verify", w.KeylessImage, "-v", "--trusted-root", w.TrustedRootPath, "--certificate-identity", "x@example.com", "--certificate-oidc-issuer", w.Issuer), exitFailed, true},
		{"verify hostile tag", with("verify", w.RegistryHost+"/"+hostile.Repository+":"+hostile.Tags()[0], "--key", w.KeyPath), anyCode, true},
		{"report markdown", with("report", w.Image, w.FailingImage, w.KeylessImage, "--key", w.KeyPath, "--format", "markdown"), exitFailed, false},
		{"report json", with("report", w.FailingImage, "--key", w.KeyPath), exitFailed, true},
		{"get uuid", with("get", "--uuid", w.AttestationUUID), anyCode, false},
		{"get index", with("get", "--log-index", "0"), anyCode, false},
		{"search email", with("search", "--email", w.Identity), anyCode, false},
		{"search sha", with("search", "--sha", w.Digest), anyCode, false},
		{"search keyless signer", with("search", "--sha", w.KeylessPayloadSHA), exitOK, false},
		{"search key", with("search", "--public-key", w.KeyPath), anyCode, false},
		{"verify-bundle", []string{"verify-bundle", w.BundlePath, "--digest", w.Digest, "--key", w.KeyPath, "--trusted-root", w.TrustedRootPath}, anyCode, false},
		{"verify-bundle wrong digest", []string{"verify-bundle", w.BundlePath, "--digest", "sha256:" + strings.Repeat("0", 64), "--key", w.KeyPath, "--trusted-root", w.TrustedRootPath}, exitFailed, true},
		{"loginfo", with("loginfo"), anyCode, false},
		{"proof", with("proof", "--log-index", "1"), anyCode, false},
		{"verify-entry", []string{"verify-entry", w.EntryPath, "--log-key", w.LogPublicKeyPath}, anyCode, false},
		{"verify-checkpoint", []string{"verify-checkpoint", w.CheckpointPath, "--key", w.CheckpointKey}, anyCode, false},
		{"verify-checkpoint json", []string{"verify-checkpoint", w.CheckpointPath, "--key", w.CheckpointKey, "--output", "json"}, anyCode, false},
		{"hostile argument", with("verify", hostile.Mixed(), "--key", w.KeyPath), exitUsageErr, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, filter := range []bool{true, false} {
				var out, errb bytes.Buffer
				run := run
				if !filter {
					run = func(args []string, stdout, stderr io.Writer) int {
						return execute(newRootCmd, args, stdout, stderr, false)
					}
				}
				code := run(tc.args, &out, &errb)
				if tc.wantCode != anyCode && code != tc.wantCode {
					t.Errorf("filter %v: exit %d, want %d\n%s%s", filter, code, tc.wantCode, out.String(), errb.String())
				}
				if code != exitOK && code != exitFailed && code != exitUsageErr {
					t.Errorf("filter %v: exit %d", filter, code)
				}
				assertSafe(t, "stdout (filter "+boolName(filter)+")", out.String())
				assertSafe(t, "stderr (filter "+boolName(filter)+")", errb.String())
				if tc.noVerdict && fakeVerdict.MatchString(out.String()+errb.String()) {
					t.Errorf("filter %v: a failing run shows a verified verdict line:\n%s%s", filter, out.String(), errb.String())
				}
				if testing.Verbose() && filter {
					t.Logf("exit %d\n%s%s", code, out.String(), errb.String())
				}
			}
		})
	}
}

func boolName(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// TestHostileVerifyJSONExact: --output json carries the hostile values
// exactly; the writer's \uXXXX escapes for C1 and bidi characters are JSON
// escapes of the same value, so decoding gives back the original strings.
func TestHostileVerifyJSONExact(t *testing.T) {
	isolateEnv(t)
	w := startHostile(t)
	var out, errb bytes.Buffer
	code := run([]string{"verify", w.Image, "--key", w.KeyPath, "--output", "json", "--log", w.LogURL, "--log-key", w.LogPublicKeyPath}, &out, &errb)
	if code != exitOK && code != exitFailed {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if err := hostile.Check(out.String()); err != nil {
		t.Errorf("json output: %v", err)
	}
	var doc struct {
		Reference   string `json:"reference"`
		Attachments []struct {
			PredicateType string `json:"predicateType"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("decoding: %v\n%s", err, out.String())
	}
	found := false
	for _, a := range doc.Attachments {
		if a.PredicateType == "" {
			continue
		}
		if a.PredicateType != hostile.Mixed() {
			t.Errorf("predicateType = %q, want %q", a.PredicateType, hostile.Mixed())
		}
		found = true
	}
	if !found {
		t.Errorf("no attestation with a predicate type in %s", out.String())
	}
}

// TestHostileReportMarkdownSections: the Markdown report of three hostile
// images has exactly one "# " title and one "## " section per image, and no
// payload opens a heading, a list item or a table row of its own.
func TestHostileReportMarkdownSections(t *testing.T) {
	dir := isolateEnv(t)
	w := startHostile(t)
	file := filepath.Join(dir, "report.md")
	images := []string{w.Image, w.FailingImage, w.KeylessImage}
	args := append([]string{"report"}, images...)
	args = append(args, "--key", w.KeyPath, "--format", "markdown", "-o", file, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath)
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != exitFailed {
		t.Fatalf("report exit %d, want %d: %s", code, exitFailed, errb.String())
	}
	b, err := os.ReadFile(file) //nolint:gosec // G304: the test's own file
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	if err := hostile.Check(md); err != nil {
		t.Errorf("markdown report: %v", err)
	}
	var h1, h2 int
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			h1++
		case strings.HasPrefix(line, "## "):
			h2++
		}
	}
	if h1 != 1 || h2 != len(images) {
		t.Errorf("report has %d titles and %d image sections, want 1 and %d:\n%s", h1, h2, len(images), md)
	}
	if m := injectedLine.FindString(md); m != "" {
		t.Errorf("a payload opened a line of its own: %q", m)
	}
	// Every table row has exactly its columns: a value's "|" is escaped.
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cols := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols != 5 && cols != 4 {
			t.Errorf("table row with %d bars: %q", cols, line)
		}
	}
	// Code spans are never broken: every backtick outside an escape is
	// one of ours, so they pair up on every line.
	for _, line := range strings.Split(md, "\n") {
		if n := strings.Count(strings.ReplaceAll(line, "\\`", ""), "`"); n%2 != 0 {
			t.Errorf("odd number of unescaped backticks: %q", line)
		}
	}
}

// TestRunFiltersOutput: whatever a command prints, run's stdout and stderr
// carry only provscope's own SGR styling. A command added for the test
// prints every payload raw, as a printer that forgot safetext would.
func TestRunFiltersOutput(t *testing.T) {
	build := func(stdout, stderr io.Writer) *cobra.Command {
		root := newRootCmd(stdout, stderr)
		root.AddCommand(&cobra.Command{
			Use: "echo-raw",
			RunE: func(cmd *cobra.Command, _ []string) error {
				for _, p := range hostile.Payloads() {
					fmt.Fprint(cmd.OutOrStdout(), "\x1b[1m"+p.Text+"\x1b[0m")
					fmt.Fprint(cmd.ErrOrStderr(), p.Text)
				}
				return failed(errors.New(hostile.Mixed()))
			},
		})
		return root
	}
	for _, filter := range []bool{true, false} {
		var out, errb bytes.Buffer
		code := execute(build, []string{"echo-raw"}, &out, &errb, filter)
		if code != exitFailed {
			t.Errorf("filter %v: exit %d, want %d", filter, code, exitFailed)
		}
		outErr, errErr := hostile.Check(out.String()), hostile.Check(errb.String())
		if filter && (outErr != nil || errErr != nil) {
			t.Errorf("filtered: stdout %v, stderr %v", outErr, errErr)
		}
		if !filter && (outErr == nil || errErr == nil) {
			t.Errorf("unfiltered output passed the check: the test cannot see raw payloads")
		}
		if filter && !strings.Contains(out.String(), "\x1b[1m") {
			t.Errorf("filtered: provscope's own SGR styling was lost: %q", out.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), "provscope ") {
		t.Errorf("version through run: exit %d, %q", code, out.String())
	}
}

// TestHostileLogName: a log whose configured name carries the payloads
// (logs.json is the user's, but it is often copied from elsewhere) is named
// by loginfo, verify, get, search and proof without a raw byte of it.
func TestHostileLogName(t *testing.T) {
	dir := isolateEnv(t)
	w := startHostile(t)
	key, err := os.ReadFile(w.LogPublicKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	name := "log " + hostile.Mixed()
	writeLogsConfig(t, dir, map[string]any{"default": name, "logs": []map[string]string{{"name": name, "url": w.LogURL, "publicKey": string(key)}}})
	for _, args := range [][]string{
		{"loginfo"},
		{"loginfo", "--output", "json"},
		{"verify", w.FailingImage, "--key", w.KeyPath},
		{"get", "--log-index", "1"},
		{"search", "--sha", w.Digest},
		{"proof", "--log-index", "1"},
	} {
		for _, filter := range []bool{true, false} {
			var out, errb bytes.Buffer
			code := execute(newRootCmd, args, &out, &errb, filter)
			assertSafe(t, fmt.Sprintf("%v stdout (filter %s, exit %d)", args[0], boolName(filter), code), out.String())
			assertSafe(t, fmt.Sprintf("%v stderr (filter %s, exit %d)", args[0], boolName(filter), code), errb.String())
			if testing.Verbose() && filter {
				t.Logf("%v: exit %d\n%s%s", args, code, out.String(), errb.String())
			}
		}
	}
}
