package demo_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

var updateReadme = flag.Bool(testenv.UpdateFlag, false, "rewrite the world table in README.md")

// TestMain refuses -update in CI before any test runs, so that README.md is
// never rewritten there.
func TestMain(m *testing.M) { os.Exit(testenv.MainRefusingUpdateInCI(m)) }

// TestUpdateRefusedInCI runs TestReadmeTable with CI=true and -update in a
// copy of the repository's top folder whose README.md table is stale (there,
// unguarded, it would be rewritten) and checks that the run fails having
// changed nothing.
func TestUpdateRefusedInCI(t *testing.T) {
	dir := t.TempDir()
	gomod := "module " + testenv.ModulePath + "\n"
	readme := "# x\n<!-- world-table:begin -->\nstale\n<!-- world-table:end -->\n"
	for name, s := range map[string]string{"go.mod": gomod, "README.md": readme} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	testenv.RequireUpdateRefusedInCI(t, dir, "^TestReadmeTable$")
}

// TestReadmeTable keeps the world table in README.md identical to the
// case table the demo seeds. Regenerate with `go test ./demo -run
// TestReadmeTable -update`.
func TestReadmeTable(t *testing.T) {
	w := startWorld(t, "")
	path := filepath.Join(testenv.RepoRoot(), "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- world-table:begin -->\n", "<!-- world-table:end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", strings.TrimSpace(begin), end)
	}
	got, want := s[i+len(begin):j], w.MarkdownTable()
	if got == want {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md world table is stale; run go test ./demo -run TestReadmeTable -update\ngot:\n%s\nwant:\n%s", got, want)
}
