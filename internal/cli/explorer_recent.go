package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/provscope/provscope/rekor/state"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// The explorer's o prompt remembers the references it opened, newest
// first, one a line, in $XDG_STATE_HOME/provscope/recent. The file is
// read back as untrusted text: bounded in size and lines, each line kept
// only when it parses as a reference (ui.ParseOpenRef), and never run.
const (
	maxRecentRefs  = 20
	maxRecentBytes = 16 << 10
)

// recentPath is the recent-references file beside the checkpoints
// (rekor/state's directory's parent).
func recentPath(getenv func(string) string) (string, error) {
	return state.Path(getenv, "recent")
}

// readRecent returns the well-formed references in path, newest first, at
// most maxRecentRefs; a missing or unreadable file is none.
func readRecent(path string) []string {
	f, err := os.Open(path) //nolint:gosec // G304: the user's own state file
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(io.LimitReader(f, maxRecentBytes))
	for sc.Scan() && len(out) < maxRecentRefs {
		line := strings.TrimSpace(sc.Text())
		host, ref, err := ui.ParseOpenRef(line)
		if err != nil || seen[host+"/"+ref] {
			continue
		}
		seen[host+"/"+ref] = true
		out = append(out, host+"/"+ref)
	}
	return out
}

// rememberRecent puts ref first in path (dropping an older copy and what
// exceeds maxRecentRefs), replacing the file atomically.
func rememberRecent(path, ref string) error {
	if _, _, err := ui.ParseOpenRef(ref); err != nil {
		return err
	}
	refs := []string{ref}
	for _, r := range readRecent(path) {
		if r != ref && len(refs) < maxRecentRefs {
			refs = append(refs, r)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("remembering %s: %w", ref, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".recent-*")
	if err != nil {
		return fmt.Errorf("remembering %s: %w", ref, err)
	}
	_, werr := tmp.WriteString(strings.Join(refs, "\n") + "\n")
	if err := errors.Join(werr, tmp.Close()); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("remembering %s: %w", ref, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("remembering %s: %w", ref, err)
	}
	return nil
}

// openRegistry is the explorer's ui.RegistryOpener: the same backend on
// another registry host (an SSH session's wrapped backends cannot).
func openRegistry(_ context.Context, b ui.Backend, host string) (ui.Backend, error) {
	bb, ok := b.(*backend.Backend)
	if !ok {
		return nil, errors.New("this session cannot open another registry")
	}
	return bb.WithRegistryHost(host), nil
}
