package demo_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
)

var updateReadme = flag.Bool("update", false, "rewrite the world table in README.md")

// TestReadmeTable keeps the world table in README.md identical to the
// case table the demo seeds. Regenerate with `go test ./demo -run
// TestReadmeTable -update`.
func TestReadmeTable(t *testing.T) {
	if *updateReadme && os.Getenv("CI") != "" {
		t.Fatal("-update is not allowed in CI")
	}
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
