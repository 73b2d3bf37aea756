package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/tiles"
)

// Log is an opened transparency log: its definition, a client for its API
// and the public key its checkpoints and SETs must verify with.
type Log struct {
	Def logs.Log
	// Rekor is set for a Rekor v1 log, Tiles for a tiles log.
	Rekor *client.Client
	Tiles *tiles.Client
	// KeyPEM is the log's public key (PEM).
	KeyPEM []byte
	// KeySource says where KeyPEM came from: "pinned" (config or flag) or
	// "fetched from the log" (trust on first use: the key is then only as
	// good as the connection it came over).
	KeySource string
}

// StateKey is the name under which the log's checkpoints and origin are
// remembered (rekor/state): the URL of a Rekor v1 log, and "tiles+" and
// the tiles prefix of a tiles log. One host may serve both APIs (provscope
// serve, a Rekor v1 with a v2 beside it): they are two logs to remember,
// with their own trees and origins, so that reading one never makes the
// other's tree look dropped or its origin changed.
func (l *Log) StateKey() string {
	if l.Def.Kind == logs.KindTiles {
		return "tiles+" + l.Def.TilesPrefix()
	}
	return l.Def.URL
}

// KeyPinned and KeyFetched are the values of Log.KeySource.
const (
	KeyPinned  = "pinned"
	KeyFetched = "fetched from the log"
)

// LogOptions configures OpenLog.
type LogOptions struct {
	// KeyPEM overrides the definition's key (the --log-key flag).
	KeyPEM []byte
	// HTTPClient is used for every request; nil means a default client.
	HTTPClient *http.Client
	// UserAgent is sent with every request.
	UserAgent string
}

// OpenLog prepares def for reading. Without a pinned key, a Rekor v1 log's
// key is fetched from the log; a tiles log needs a pinned key.
func OpenLog(ctx context.Context, def logs.Log, opts LogOptions) (*Log, error) {
	l := &Log{Def: def}
	switch def.Kind {
	case logs.KindRekorV1, "":
		c, err := client.New(client.Config{URL: def.URL, HTTPClient: opts.HTTPClient, UserAgent: opts.UserAgent})
		if err != nil {
			return nil, fmt.Errorf("opening log %s: %w", def.Name, err)
		}
		l.Rekor = c
	case logs.KindTiles:
		c, err := tiles.NewHTTP(tiles.HTTPConfig{Prefix: def.TilesPrefix(), HTTPClient: opts.HTTPClient, UserAgent: opts.UserAgent})
		if err != nil {
			return nil, fmt.Errorf("opening log %s: %w", def.Name, err)
		}
		l.Tiles = c
	default:
		return nil, fmt.Errorf("opening log %s: unknown kind %q", def.Name, def.Kind)
	}
	switch {
	case len(opts.KeyPEM) > 0:
		l.KeyPEM, l.KeySource = opts.KeyPEM, KeyPinned
	case def.PublicKey != "":
		l.KeyPEM, l.KeySource = []byte(def.PublicKey), KeyPinned
	case l.Rekor != nil:
		k, err := l.Rekor.PublicKey(ctx, "")
		if err != nil {
			return nil, fmt.Errorf("fetching the public key of log %s: %w", def.Name, err)
		}
		l.KeyPEM, l.KeySource = k, KeyFetched
	default:
		return nil, fmt.Errorf("opening tiles log %s: no public key pinned (use --log-key or the config file)", def.Name)
	}
	if _, err := KeyFingerprint(l.KeyPEM); err != nil {
		return nil, fmt.Errorf("reading the public key of log %s: %w", def.Name, err)
	}
	return l, nil
}

// KeyFingerprint returns the hex SHA-256 of a PEM public key's DER SPKI
// (for Rekor v1 logs, the log ID).
func KeyFingerprint(keyPEM []byte) (string, error) {
	der, err := proof.PublicKeyDER(keyPEM)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// Name returns how to call the log in messages: its name, or its URL.
func (l *Log) Name() string {
	if l.Def.Name != "" && l.Def.Name != l.Def.URL {
		return l.Def.Name + " (" + l.Def.URL + ")"
	}
	return l.Def.URL
}

// rekorConsistencyProof fetches a Rekor v1 consistency proof between two
// checkpoint sizes.
func rekorConsistencyProof(ctx context.Context, c *client.Client, from, to uint64, treeID string) ([][]byte, error) {
	f, err := int64Size(from)
	if err != nil {
		return nil, err
	}
	t, err := int64Size(to)
	if err != nil {
		return nil, err
	}
	return c.ConsistencyProof(ctx, f, t, treeID)
}

// int64Size converts a checkpoint's tree size for the Rekor v1 API, whose
// sizes and indices are int64. A size above 2^63-1 is no Rekor v1 tree.
func int64Size(n uint64) (int64, error) {
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("tree size %d exceeds the Rekor v1 limit of %d", n, int64(math.MaxInt64))
	}
	return int64(n), nil
}

// MissingEntry judges the log's "no such entry" for a global index: it
// fetches the log's signed head(s) and returns a *proof.MissingEntryError
// when they cover the index (the log denies an entry it signed), nil when
// they do not. An error fetching or verifying the heads is returned as is
// (the denial then cannot be judged).
func (l *Log) MissingEntry(ctx context.Context, index int64) error {
	var signed []model.Checkpoint
	if l.Rekor != nil {
		info, err := l.Rekor.LogInfo(ctx)
		if err != nil {
			return fmt.Errorf("fetching the log head: %w", err)
		}
		heads := append([]model.LogInfo{*info}, info.InactiveShards...)
		for _, h := range heads {
			cp, err := l.SignedHead(h)
			if err != nil {
				return fmt.Errorf("verifying the log head of tree %s: %w", h.TreeID, err)
			}
			signed = append(signed, *cp)
		}
	} else {
		note, err := l.Tiles.Checkpoint(ctx)
		if err != nil {
			return fmt.Errorf("fetching checkpoint: %w", err)
		}
		cp, err := l.VerifyNote(string(note))
		if err != nil {
			return err
		}
		signed = append(signed, *cp)
	}
	return proof.CheckMissingEntry(index, signed...)
}
