package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedFiles are the files every command may use: the root command and what
// more than one command needs. Every other non-test file belongs to one
// command (or, through commandOf, to a family of files of one command).
var sharedFiles = []string{
	"root.go",              // the root command, its default action, Main
	"exit.go",              // exit codes, failed, usageErr, verdictExit
	"files.go",             // bounded file reads and their limits
	"flags_output.go",      // --output and JSON values
	"flags_log.go",         // --log and the log a command reads
	"flags_policy.go",      // --key, --identity...: the signer policy
	"flags_registry.go",    // registry flags
	"flags_trust.go",       // Sigstore trust root flags
	"flags_tiles.go",       // a tlog-tiles log and its key (mirror, audit, watch, search --mirror)
	"follow.go",            // one mirror or audit pass over a tiles log
	"safe.go",              // sanitised lines and exact JSON
	"logkey.go",            // a log key from PEM or a trusted root
	"explorer.go",          // opening the explorer (root, tui, demo, ssh)
	"explorer_recent.go",   // the explorer's recent images
	"reporting_backend.go", // an SSH session's backend, which pinning a signer keeps
}

// commandFamily lists the files that, together, are one command's.
var commandFamily = map[string]string{
	"search_image.go":    "search.go",
	"search_mirror.go":   "search.go",
	"verify_evidence.go": "verify_entry.go",
}

// commandOf names the command a file belongs to: the file itself, or the
// main file of its command family.
func commandOf(file string) string {
	if c, ok := commandFamily[file]; ok {
		return c
	}
	return file
}

// arrow is one use, in file from, of an identifier declared in file to.
type arrow struct{ from, to, name string }

// commandArrows parses the non-test files of dir and returns every use, in a
// command file or a shared file other than root.go, of a top-level
// identifier declared in another command's file.
// The parser resolves identifiers within a file, so the unresolved ones are
// what a file takes from the rest of the package (or the universe); methods
// declared away from their type's file are matched by selector name.
func commandArrows(t *testing.T, dir string) []arrow {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*ast.File{}
	declared := map[string]string{} // top-level name → file
	methods := map[string]string{}  // method declared away from its type → file
	recvOf := map[string]string{}   // method name → receiver type, for those
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = f
	}
	for name, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					declared[d.Name.Name] = name
				} else {
					recvOf[d.Name.Name+"\x00"+name] = recvName(d.Recv.List[0].Type)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						declared[s.Name.Name] = name
					case *ast.ValueSpec:
						for _, id := range s.Names {
							declared[id.Name] = name
						}
					}
				}
			}
		}
	}
	for k, typ := range recvOf {
		m, file, _ := strings.Cut(k, "\x00")
		if declared[typ] != file {
			methods[m] = file
		}
	}
	var arrows []arrow
	for from, f := range files {
		if from == "root.go" { // the root adds every command
			continue
		}
		seen := map[string]bool{}
		add := func(to, name string) {
			if to == "" || to == from || slices.Contains(sharedFiles, to) || commandOf(to) == commandOf(from) || seen[name] {
				return
			}
			seen[name] = true
			arrows = append(arrows, arrow{from, to, name})
		}
		for _, id := range f.Unresolved {
			add(declared[id.Name], id.Name)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				add(methods[sel.Sel.Name], sel.Sel.Name)
			}
			return true
		})
	}
	slices.SortFunc(arrows, func(a, b arrow) int { return strings.Compare(a.from+a.to+a.name, b.from+b.to+b.name) })
	return arrows
}

// recvName is the type name of a method receiver (T, *T, T[P]).
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// TestNoCommandUsesAnother: a command file uses only its own declarations,
// the shared files' and other packages'; a helper two commands need lives in
// a shared file named for what it is. Shared files use no command file
// either, except root.go, which adds the commands.
func TestNoCommandUsesAnother(t *testing.T) {
	for _, a := range commandArrows(t, ".") {
		t.Errorf("%s uses %s from %s", a.from, a.name, a.to)
	}
	for _, f := range sharedFiles {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("shared file %s: %v", f, err)
		}
	}
}
