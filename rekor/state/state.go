// Package state remembers, per log and tree, the last checkpoint provscope
// verified, in the XDG state directory
// (https://specifications.freedesktop.org/basedir-spec/latest/), so that the
// next run can ask the log for a consistency proof from it (as rekor-cli
// does in ~/.rekor). It stores and loads; proof/ decides whether a new
// checkpoint is consistent with a remembered one.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Checkpoint is one remembered checkpoint.
type Checkpoint struct {
	// LogURL and TreeID identify the tree (TreeID is "" for a tiles log,
	// whose origin identifies it).
	LogURL string `json:"logURL"`
	TreeID string `json:"treeID,omitempty"`
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	// RootHash is hex.
	RootHash string `json:"rootHash"`
	// Note is the signed note exactly as the log served it.
	Note string `json:"note"`
	// KeyFingerprint is the hex SHA-256 of the log key's DER SPKI that
	// verified Note.
	KeyFingerprint string    `json:"keyFingerprint,omitempty"`
	SeenAt         time.Time `json:"seenAt"`
}

// Store keeps checkpoints as one JSON file per tree under Dir.
type Store struct{ Dir string }

// DefaultDir returns $XDG_STATE_HOME/provscope/checkpoints, else
// ~/.local/state/provscope/checkpoints. getenv is os.Getenv in production.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "provscope", "checkpoints"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the state directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "provscope", "checkpoints"), nil
}

// file names the file for one tree: a readable prefix plus a hash of the
// full key, so any URL maps to a safe, unique name.
func (s Store) file(logURL, treeID string) string {
	logURL = strings.TrimRight(logURL, "/")
	key := logURL + "\x00" + treeID
	sum := sha256.Sum256([]byte(key))
	host := logURL
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	var b strings.Builder
	for _, r := range host {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 60 {
			break
		}
	}
	return filepath.Join(s.Dir, b.String()+"-"+hex.EncodeToString(sum[:8])+".json")
}

// Load returns the checkpoint remembered for the tree, or nil when there is
// none.
func (s Store) Load(logURL, treeID string) (*Checkpoint, error) {
	b, err := os.ReadFile(s.file(logURL, treeID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading remembered checkpoint: %w", err)
	}
	if len(b) > 1<<20 {
		return nil, fmt.Errorf("remembered checkpoint file is %d bytes, want at most %d", len(b), 1<<20)
	}
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parsing remembered checkpoint: %w", err)
	}
	return &c, nil
}

// Save remembers c for its tree, replacing what was there atomically.
func (s Store) Save(c Checkpoint) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	path := s.file(c.LogURL, c.TreeID)
	tmp, err := os.CreateTemp(s.Dir, ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	return nil
}
