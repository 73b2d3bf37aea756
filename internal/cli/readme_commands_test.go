package cli

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

// docCommand is one `provscope …` command found in a document: the text as
// written (continuations joined, comment cut) and the exit code its
// comment implies ("exit 3"), 0 when it names none.
type docCommand struct {
	where string
	text  string
	code  int
}

var exitComment = regexp.MustCompile(`\bexit (\d)\b`)

// shellCommands returns the provscope commands in text's lines: backslash
// continuations joined, a trailing "# comment" cut (its "exit N" kept as
// the expected code) and a trailing "&" dropped.
func shellCommands(where string, lines []string) []docCommand {
	var cmds []docCommand
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(lines[i])
		}
		l = strings.TrimPrefix(l, "$ ")
		if l != "provscope" && !strings.HasPrefix(l, "provscope ") {
			continue
		}
		c := docCommand{where: where}
		if j := strings.Index(l, " #"); j >= 0 {
			if m := exitComment.FindStringSubmatch(l[j:]); m != nil {
				c.code, _ = strconv.Atoi(m[1])
			}
			l = l[:j]
		}
		c.text = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), "&"))
		cmds = append(cmds, c)
	}
	return cmds
}

// markdownShellLines returns the lines inside a Markdown file's fenced
// blocks that hold shell (no language, sh, shell, bash, console).
func markdownShellLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path) //nolint:gosec // G304: a file of this repository
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		if lang, ok := strings.CutPrefix(strings.TrimSpace(l), "```"); ok {
			if in {
				in = false
				continue
			}
			switch lang {
			case "", "sh", "shell", "bash", "console":
				in = true
			}
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

// applyExports sets, for the test, the variables of the printout's
// `export A=B C=D` lines, as a shell would (values may name variables set
// before, and "$(cat FILE)" reads FILE).
func applyExports(t *testing.T, out string) {
	t.Helper()
	catOf := regexp.MustCompile(`^"\$\(cat ([^)]+)\)"$`)
	for _, l := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "export ")
		if !ok {
			continue
		}
		for _, kv := range regexp.MustCompile(`\S+="[^"]*"|\S+`).FindAllString(rest, -1) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("export line %q: %q is not NAME=VALUE", l, kv)
			}
			if m := catOf.FindStringSubmatch(v); m != nil {
				b, err := os.ReadFile(os.ExpandEnv(m[1]))
				if err != nil {
					t.Fatalf("export line %q: %v", l, err)
				}
				v = string(b)
			}
			t.Setenv(k, os.ExpandEnv(v))
		}
	}
}

// interactive says whether args open the explorer (or another full-screen
// or serving command) rather than print and exit: those are only parsed.
func interactive(args []string) bool {
	if len(args) == 0 {
		return true
	}
	switch args[0] {
	case "tui", "learn", "ssh", "serve", "watch":
		return true
	case "demo":
		return !hasArg(args, "--no-tui")
	}
	return strings.Contains(args[0], "/") // provscope HOST/REPO:TAG opens the explorer
}

func hasArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

// TestReadmeCommandsRun runs every provscope command of README.md's and
// docs/demo.md's shell blocks and of `provscope demo --no-tui`'s printout,
// as written, against the demo world that printout describes (with its
// export lines applied), and checks each exits as its comment says (0
// unless "exit N"). Commands that open the explorer or serve are parsed
// (flags and arguments) but not run. The printout must fit 100 columns.
func TestReadmeCommandsRun(t *testing.T) {
	isolateEnv(t)
	t.Setenv("PROVSCOPE_REGISTRY", "")
	for _, v := range []string{"DEMO", "PROVSCOPE_REGISTRY"} {
		t.Setenv(v, "")
	}
	var docs []docCommand
	for _, f := range []string{"README.md", filepath.Join("docs", "demo.md")} {
		docs = append(docs, shellCommands(f, markdownShellLines(t, filepath.Join(testenv.RepoRoot(), f)))...)
	}
	if len(docs) < 4 {
		t.Fatalf("found %d provscope commands in README.md and docs/demo.md, want at least 4: %+v", len(docs), docs)
	}
	var demoArgs []string
	for _, c := range docs {
		if f := strings.Fields(c.text); len(f) > 1 && f[1] == "demo" && hasArg(f, "--no-tui") && !hasArg(f, "--data") {
			demoArgs = f[2:]
		}
	}
	if demoArgs == nil {
		t.Fatal("README.md and docs/demo.md show no `provscope demo --no-tui` command to start the world with")
	}
	runDemoUntilReady(t, demoArgs, func(out string) {
		sc := bufio.NewScanner(strings.NewReader(out))
		for n := 1; sc.Scan(); n++ {
			if w := len([]rune(sc.Text())); w > 100 {
				t.Errorf("demo --no-tui line %d is %d columns, want ≤ 100: %q", n, w, sc.Text())
			}
		}
		applyExports(t, out)
		for _, v := range []string{"DEMO", "PROVSCOPE_LOG", "PROVSCOPE_REGISTRY"} {
			if os.Getenv(v) == "" {
				t.Fatalf("the printout's export lines set no $%s:\n%s", v, out)
			}
		}
		printed := shellCommands("demo --no-tui", strings.Split(out, "\n"))
		if len(printed) < 5 {
			t.Errorf("the printout shows %d provscope commands, want at least 5", len(printed))
		}
		for _, c := range append(printed, docs...) {
			args := strings.Fields(os.ExpandEnv(c.text))[1:]
			if strings.ContainsAny(c.text, `"'`) {
				t.Errorf("%s: %q: quoting is not supported here; write it without quotes", c.where, c.text)
				continue
			}
			if len(args) > 0 && args[0] == "demo" && hasArg(args, "--no-tui") && !hasArg(args, "--data") {
				continue // this world
			}
			if interactive(args) || (len(args) > 0 && args[0] == "demo") {
				root := newRootCmd(io.Discard, io.Discard)
				sub, rest, err := root.Find(args)
				if err == nil {
					err = sub.ParseFlags(rest)
				}
				if err == nil && sub.Args != nil {
					err = sub.Args(sub, sub.Flags().Args())
				}
				if err != nil {
					t.Errorf("%s: %q does not parse: %v", c.where, c.text, err)
				}
				continue
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != c.code {
				t.Errorf("%s: %q exited %d, want %d\nstdout:\n%s\nstderr:\n%s", c.where, c.text, code, c.code, stdout, stderr)
			} else {
				t.Logf("%s: %q exited %d", c.where, c.text, code)
			}
		}
	})
}

// TestReadmeIsShort keeps README.md something a newcomer reads in three
// minutes: under 150 lines, the details in docs/.
func TestReadmeIsShort(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n >= 150 {
		t.Errorf("README.md has %d lines, want fewer than 150: move details into docs/", n)
	}
}
