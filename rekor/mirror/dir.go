package mirror

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is where `provscope mirror` keeps the mirror of the tiles log
// served at tilesURL (logs.Log.TilesPrefix) when no --data is given, and
// where the explorer looks for it:
// $XDG_DATA_HOME/provscope/mirrors/<host and path>-<8 hex>, else
// ~/.local/share/provscope/mirrors/…. The readable part keeps only
// [A-Za-z0-9.-] of the URL (every other byte becomes '_'); the 8 hex
// digits, the start of the SHA-256 of the URL without its trailing
// slashes, keep two URLs that read alike apart.
func DefaultDir(getenv func(string) string, tilesURL string) (string, error) {
	u := strings.TrimRight(tilesURL, "/")
	if u == "" {
		return "", errors.New("choosing the mirror directory: no log URL")
	}
	base := ""
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		base = d
	} else {
		home := getenv("HOME")
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("choosing the mirror directory: %w", err)
			}
			home = h
		}
		base = filepath.Join(home, ".local", "share")
	}
	readable := u
	if _, rest, ok := strings.Cut(readable, "://"); ok {
		readable = rest
	}
	var b strings.Builder
	for _, c := range []byte(readable) {
		if b.Len() >= 80 {
			break
		}
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(u))
	return filepath.Join(base, "provscope", "mirrors", b.String()+"-"+hex.EncodeToString(sum[:4])), nil
}

// Exists reports whether dir holds a mirror (its database).
func Exists(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, dbFileName))
	return err == nil && fi.Mode().IsRegular()
}
