package sshui

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// maxAuthorizedKeysSize bounds the authorized_keys file read on each change.
const maxAuthorizedKeysSize = 1 << 20

// harmlessKeyOption reports whether an authorized_keys option (sshd(8)
// "AUTHORIZED_KEYS FILE FORMAT") only forbids what provscope ssh never offers
// anyway, so a key carrying it can be honoured as written. A key with any
// other option (from=, command=, expiry-time=, no-pty, cert-authority, …) is
// skipped with a warning: provscope cannot enforce it, and ignoring it would
// grant more than the file says.
func harmlessKeyOption(o string) bool {
	switch o {
	case "restrict", "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc":
		return true
	}
	return false
}

// authorizedKeys is an OpenSSH authorized_keys file that is re-read whenever
// its modification time or size changes, checked on every authentication
// attempt. When the file cannot be read no key is authorized (fail closed).
type authorizedKeys struct {
	path   string
	logger *slog.Logger

	mu      sync.Mutex
	modTime time.Time
	size    int64
	loaded  bool
	keys    map[string]bool // key.Marshal() → authorized
}

func newAuthorizedKeys(path string, logger *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, logger: logger}
	n, err := a.reloadIfChanged()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("reading authorized keys %s: no usable key", path)
	}
	return a, nil
}

// Authorized reports whether key is listed in the file as it is now.
func (a *authorizedKeys) Authorized(key ssh.PublicKey) bool {
	if key == nil {
		return false
	}
	if _, err := a.reloadIfChanged(); err != nil {
		a.logger.Warn("authorized keys unreadable; refusing every key", "path", a.path, "err", err)
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.keys[string(key.Marshal())]
}

// reloadIfChanged re-reads the file when its mtime or size differs from the
// last read and returns the number of usable keys.
func (a *authorizedKeys) reloadIfChanged() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fi, err := os.Stat(a.path)
	if err != nil {
		a.keys, a.loaded = nil, false
		return 0, fmt.Errorf("reading authorized keys: %w", err)
	}
	if a.loaded && fi.ModTime().Equal(a.modTime) && fi.Size() == a.size {
		return len(a.keys), nil
	}
	if fi.Size() > maxAuthorizedKeysSize {
		a.keys, a.loaded = nil, false
		return 0, fmt.Errorf("reading authorized keys %s: size %d bytes, want at most %d", a.path, fi.Size(), maxAuthorizedKeysSize)
	}
	data, err := os.ReadFile(a.path)
	if err != nil {
		a.keys, a.loaded = nil, false
		return 0, fmt.Errorf("reading authorized keys: %w", err)
	}
	a.keys = parseAuthorizedKeys(data, a.path, a.logger)
	a.modTime, a.size, a.loaded = fi.ModTime(), fi.Size(), true
	a.logger.Info("authorized keys loaded", "path", a.path, "keys", len(a.keys))
	return len(a.keys), nil
}

// parseAuthorizedKeys returns the usable keys of an authorized_keys file,
// logging each line it skips and why.
func parseAuthorizedKeys(data []byte, path string, logger *slog.Logger) map[string]bool {
	keys := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxAuthorizedKeysSize)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			logger.Warn("skipping authorized key", "path", path, "line", lineNo, "err", err)
			continue
		}
		if bad := unsupportedOption(options); bad != "" {
			logger.Warn("skipping authorized key with an option provscope cannot enforce",
				"path", path, "line", lineNo, "option", bad, "key", gossh.FingerprintSHA256(key))
			continue
		}
		if _, isCert := key.(*gossh.Certificate); isCert {
			logger.Warn("skipping certificate in authorized keys", "path", path, "line", lineNo)
			continue
		}
		keys[string(key.Marshal())] = true
	}
	if err := sc.Err(); err != nil {
		logger.Warn("authorized keys read stopped early", "path", path, "err", err)
	}
	return keys
}

func unsupportedOption(options []string) string {
	for _, o := range options {
		if !harmlessKeyOption(o) {
			return o
		}
	}
	return ""
}
