package testenv

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// UpdateFlag is the flag that makes golden tests rewrite their goldens
// (charmbracelet/x/exp/golden registers it; demo registers its own).
const UpdateFlag = "update"

// UpdateRefused starts the message a test binary prints when it refuses to
// run with -update in CI.
const UpdateRefused = "testenv: refusing -update in CI"

// CheckUpdate returns an error when -update is set while the CI variable is
// set (a CI run must compare goldens, never rewrite them), or when no -update
// flag is registered at all (then this guard could not see an update coming).
// Flags must have been parsed.
func CheckUpdate() error {
	f := flag.Lookup(UpdateFlag)
	if f == nil {
		return fmt.Errorf("checking golden updates: no -%s flag is registered", UpdateFlag)
	}
	return checkUpdate(f.Value.String() == "true", os.Getenv("CI"))
}

func checkUpdate(update bool, ci string) error {
	if update && ci != "" {
		return fmt.Errorf("%s (CI=%q): goldens would be rewritten instead of checked", UpdateRefused, ci)
	}
	return nil
}

// MainRefusingUpdateInCI is the body of a golden package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.MainRefusingUpdateInCI(m)) }
//
// It parses the flags and, before any test can write a golden, returns exit
// code 2 if CheckUpdate refuses; otherwise it runs the tests.
func MainRefusingUpdateInCI(m *testing.M) int {
	flag.Parse()
	if err := CheckUpdate(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 2
	}
	return m.Run()
}

// RequireUpdateRefusedInCI runs the current test binary again, in dir, with
// CI=true and -update, limited to the tests matching run (the ones that
// write goldens), and fails t unless that run fails with UpdateRefused and
// leaves every file under dir as it was. Give it a dir in which the tests
// would write if unguarded (golden writes testdata/<test>.golden relative to
// the working directory).
func RequireUpdateRefusedInCI(t *testing.T, dir, run string) {
	t.Helper()
	before, err := snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run="+run, "-test.count=1", "-"+UpdateFlag) //nolint:gosec // G204: re-runs this very test binary
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CI=true")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Errorf("test binary with CI=true -%s: err = %v, want a non-zero exit\n%s", UpdateFlag, err, out)
	}
	if !bytes.Contains(out, []byte(UpdateRefused)) {
		t.Errorf("test binary with CI=true -%s did not print %q:\n%s", UpdateFlag, UpdateRefused, out)
	}
	after, err := snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range changed(before, after) {
		t.Errorf("test binary with CI=true -%s changed %s", UpdateFlag, p)
	}
}

// snapshot maps every path under dir to a digest of its kind and contents.
func snapshot(dir string) (map[string][32]byte, error) {
	m := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var b []byte
		if d.Type().IsRegular() {
			if b, err = os.ReadFile(p); err != nil { //nolint:gosec // G122: a test's own temporary folder
				return err
			}
		}
		m[p] = sha256.Sum256(append([]byte(d.Type().String()), b...))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	return m, nil
}

// changed lists the paths added, removed or modified between two snapshots.
func changed(before, after map[string][32]byte) []string {
	var out []string
	for p, h := range after {
		if b, ok := before[p]; !ok || b != h {
			out = append(out, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
