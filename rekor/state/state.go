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
	"io"
	"os"
	"path/filepath"
	"sort"
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
	return Path(getenv, "checkpoints")
}

// Path returns $XDG_STATE_HOME/provscope/name, else
// ~/.local/state/provscope/name (a relative XDG_STATE_HOME is ignored, as
// the spec asks). getenv is os.Getenv in production.
func Path(getenv func(string) string, name string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "provscope", name), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the state directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "provscope", name), nil
}

// file names the file for one tree: a readable prefix plus a hash of the
// full key, so any URL maps to a safe, unique name.
func (s Store) file(logURL, treeID string) string {
	logURL = strings.TrimRight(logURL, "/")
	return s.name(logURL, logURL+"\x00"+treeID, ".json")
}

// name builds a file name from a readable prefix of logURL's host, a hash
// of key and ext.
func (s Store) name(logURL, key, ext string) string {
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
	return filepath.Join(s.Dir, b.String()+"-"+hex.EncodeToString(sum[:8])+ext)
}

// maxFile bounds a state file.
const maxFile = 1 << 20

// Load returns the checkpoint remembered for the tree, or nil when there is
// none.
func (s Store) Load(logURL, treeID string) (*Checkpoint, error) {
	return readCheckpoint(s.file(logURL, treeID))
}

func readCheckpoint(path string) (*Checkpoint, error) {
	b, err := readBounded(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading remembered checkpoint: %w", err)
	}
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parsing remembered checkpoint %s: %w", filepath.Base(path), err)
	}
	return &c, nil
}

// readBounded reads a state file of at most maxFile bytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: a file of our own state directory
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("state file %s is larger than %d bytes", filepath.Base(path), maxFile)
	}
	return b, nil
}

// List returns every checkpoint remembered for the log at logURL, one per
// tree, ordered by tree ID. A log that no longer lists one of these trees
// dropped it.
func (s Store) List(logURL string) ([]Checkpoint, error) {
	logURL = strings.TrimRight(logURL, "/")
	paths, err := filepath.Glob(filepath.Join(s.Dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing remembered checkpoints: %w", err)
	}
	var out []Checkpoint
	for _, p := range paths {
		c, err := readCheckpoint(p)
		if err != nil {
			return nil, err
		}
		if c == nil || strings.TrimRight(c.LogURL, "/") != logURL || s.file(c.LogURL, c.TreeID) != p {
			continue // another log's, or a file not named for its content
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TreeID < out[j].TreeID })
	return out, nil
}

// Origin is the checkpoint origin first seen signed by a log's key at a
// URL (trust on first use): later checkpoints of that log and key must
// carry it.
type Origin struct {
	LogURL         string `json:"logURL"`
	KeyFingerprint string `json:"keyFingerprint"`
	// Origin is the remembered origin; for a Rekor v1 log, the host part
	// of "<host> - <treeID>" (each shard has its own tree ID).
	Origin string    `json:"origin"`
	SeenAt time.Time `json:"seenAt"`
}

func (s Store) originFile(logURL, keyFP string) string {
	logURL = strings.TrimRight(logURL, "/")
	return s.name(logURL, "origin\x00"+logURL+"\x00"+keyFP, ".origin")
}

// LoadOrigin returns the origin remembered for the log at logURL signing
// with the key of fingerprint keyFP, or nil when none is.
func (s Store) LoadOrigin(logURL, keyFP string) (*Origin, error) {
	b, err := readBounded(s.originFile(logURL, keyFP))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading remembered origin: %w", err)
	}
	var o Origin
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("parsing remembered origin: %w", err)
	}
	return &o, nil
}

// SaveOrigin remembers o for its log and key.
func (s Store) SaveOrigin(o Origin) error {
	return s.write(s.originFile(o.LogURL, o.KeyFingerprint), o)
}

// Save remembers c for its tree, replacing what was there atomically.
func (s Store) Save(c Checkpoint) error {
	return s.write(s.file(c.LogURL, c.TreeID), c)
}

// write replaces path with v as JSON atomically.
func (s Store) write(path string, v any) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
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
