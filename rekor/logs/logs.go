// Package logs names the transparency logs provscope can read: the built-in
// Sigstore public-good logs (Rekor v1 at rekor.sigstore.dev with its shards,
// and the Rekor v2 tlog-tiles shard log2025-1 from the production
// trusted_root.json, https://github.com/sigstore/root-signing), the local
// embedded log (`provscope serve`), and custom logs from a JSON config file in
// the XDG config directory
// (https://specifications.freedesktop.org/basedir-spec/latest/).
//
// A log is chosen by name or URL: the --log flag, else $PROVSCOPE_LOG, else
// $COSIGN_REKOR_URL (as cosign uses it), else the config file's default, else
// the public-good log.
//
// The keys here say which key a log is expected to sign with; this package
// decides nothing about trust itself (proof/ does).
package logs

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/provscope/provscope/proof"
)

// Kind is a log's read API.
type Kind string

// The log kinds provscope reads.
const (
	// KindRekorV1 is the Rekor v1 REST API (/api/v1/…).
	KindRekorV1 Kind = "rekor-v1"
	// KindTiles is a C2SP tlog-tiles log (Rekor v2, /api/v2/…).
	KindTiles Kind = "tiles"
)

// Log is one named transparency log.
type Log struct {
	// Name is how users pick the log; Aliases are other accepted names.
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	// URL is the base URL (for Rekor v1, without /api/v1).
	URL  string `json:"url"`
	Kind Kind   `json:"kind"`
	// PublicKey is the log's public key as PEM, when it is pinned. Empty
	// means the key is fetched from the log (trust on first use).
	PublicKey string `json:"publicKey,omitempty"`
	// Origin is the checkpoint origin line of a tiles log (the C2SP key name).
	Origin string `json:"origin,omitempty"`
	// Prefix is where a tiles log serves checkpoint, tile/ and
	// tile/entries/. Empty means URL + "/api/v2", as Rekor v2 and provscope
	// serve do; a log written by another tlog-tiles writer (Tessera's POSIX
	// or cloud storage) serves them at its own URL, named tiles+URL.
	Prefix string `json:"prefix,omitempty"`
	// Shards are the known tree IDs of a Rekor v1 log, oldest first; the
	// log's own info endpoint lists the authoritative set.
	Shards []string `json:"shards,omitempty"`
	// Description is a short human note.
	Description string `json:"description,omitempty"`
}

// TilesPrefix is the URL under which a tiles log serves its checkpoint,
// tiles and entry bundles: Prefix, else URL + "/api/v2".
func (l Log) TilesPrefix() string {
	if l.Prefix != "" {
		return strings.TrimRight(l.Prefix, "/")
	}
	return strings.TrimRight(l.URL, "/") + "/api/v2"
}

// Names of the built-in logs.
const (
	PublicGood = "public-good"
	Log2025_1  = "log2025-1"
	Local      = "local"
)

// LocalURL is where `provscope serve` listens by default.
const LocalURL = "http://127.0.0.1:3000"

// Builtin returns the built-in logs (a fresh slice each call): the
// transparency logs of the production trusted_root.json embedded in proof/
// (Rekor v1 rekor.sigstore.dev as "public-good", each Rekor v2 shard by the
// first label of its host, such as "log2025-1"), then "local".
func Builtin() []Log {
	out, err := FromTrustedRoot(proof.PublicGoodTrustedRoot())
	if err != nil {
		// The embedded root is compiled in and tested: failing to read it
		// is a broken build.
		panic(fmt.Sprintf("reading the embedded trusted root: %v", err))
	}
	return append(out, localLog())
}

func localLog() Log {
	return Log{
		Name:        Local,
		URL:         LocalURL,
		Kind:        KindRekorV1,
		Description: "the embedded log started by `provscope serve` (key fetched from the log)",
	}
}

// publicGoodV1URL is the Rekor v1 public-good log; its shards share one key.
const publicGoodV1URL = "https://rekor.sigstore.dev"

// FromTrustedRoot lists the transparency logs of a Sigstore
// trusted_root.json: rekor.sigstore.dev as the Rekor v1 "public-good" log,
// any other log as a tiles (Rekor v2) log named by the first label of its
// host, with its origin the host (the C2SP checkpoint origin of Rekor v2).
func FromTrustedRoot(trustedRootJSON []byte) ([]Log, error) {
	var tr struct {
		Tlogs []struct {
			BaseURL   string `json:"baseUrl"`
			PublicKey struct {
				RawBytes   []byte `json:"rawBytes"`
				KeyDetails string `json:"keyDetails"`
			} `json:"publicKey"`
		} `json:"tlogs"`
	}
	if err := json.Unmarshal(trustedRootJSON, &tr); err != nil {
		return nil, fmt.Errorf("parsing trusted root: %w", err)
	}
	var out []Log
	for _, t := range tr.Tlogs {
		base := strings.TrimRight(t.BaseURL, "/")
		u, err := url.Parse(base)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("trusted root: tlog base URL %q is not a URL", t.BaseURL)
		}
		if len(t.PublicKey.RawBytes) == 0 {
			return nil, fmt.Errorf("trusted root: tlog %s has no public key", t.BaseURL)
		}
		keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: t.PublicKey.RawBytes}))
		if base == publicGoodV1URL {
			out = append(out, Log{
				Name:      PublicGood,
				Aliases:   []string{"sigstore", "rekor.sigstore.dev"},
				URL:       publicGoodV1URL,
				Kind:      KindRekorV1,
				PublicKey: keyPEM,
				// 2605736670972794746 was active 2022-2024 and is now an
				// inactive shard; 1193050959916656506 is the current one.
				Shards:      []string{"2605736670972794746", "1193050959916656506"},
				Description: "Sigstore public-good Rekor v1 (all shards, one key)",
			})
			continue
		}
		name, _, _ := strings.Cut(u.Host, ".")
		out = append(out, Log{
			Name:        name,
			Aliases:     []string{u.Host},
			URL:         base,
			Kind:        KindTiles,
			PublicKey:   keyPEM,
			Origin:      u.Host,
			Description: "Sigstore public-good Rekor v2 shard (tlog-tiles, " + t.PublicKey.KeyDetails + "), from the production trusted root",
		})
	}
	return out, nil
}

// CurrentV2 is the alias FromTrust gives the Rekor v2 shard that the
// signing config names as current.
const CurrentV2 = "rekor-v2"

// FromTrust lists the transparency logs of a trusted root fetched through
// TUF (package trust) and marks the Rekor v2 shard currentV2URL (from the
// signing config, trust.Material.CurrentRekorV2) with the alias CurrentV2,
// so that "rekor-v2" follows shard rotations without a rebuild. A
// currentV2URL that is not among the trusted root's logs is not listed: a
// log without a key in the trusted root cannot be verified. The trusted
// root does not say which API a log serves: the logs at v1URLs (the signing
// config's majorApiVersion 1 services, trust.Material.RekorV1URLs) are
// Rekor v1 logs, every other one but rekor.sigstore.dev a tiles log.
func FromTrust(trustedRootJSON []byte, currentV2URL string, v1URLs ...string) ([]Log, error) {
	out, err := FromTrustedRoot(trustedRootJSON)
	if err != nil {
		return nil, err
	}
	want := strings.TrimRight(currentV2URL, "/")
	for i := range out {
		if out[i].Kind == KindTiles && slices.Contains(v1URLs, out[i].URL) {
			out[i].Kind, out[i].Origin = KindRekorV1, ""
			out[i].Description = "Rekor v1 log (its key from the trusted root, its API from the TUF signing config)"
			continue
		}
		if want != "" && out[i].Kind == KindTiles && out[i].URL == want {
			out[i].Aliases = append(out[i].Aliases, CurrentV2)
			out[i].Description = strings.Replace(out[i].Description, "from the production trusted root", "current per the TUF signing config", 1)
		}
	}
	return out, nil
}

// Config is the content of the logs config file.
type Config struct {
	// Default names the log used when nothing else selects one.
	Default string `json:"default,omitempty"`
	// Logs are custom logs; a custom log with a built-in name replaces it.
	Logs []Log `json:"logs,omitempty"`
	// Trusted, when not empty, replaces the logs of the embedded trusted
	// root with those of a trusted root fetched through TUF (FromTrust of
	// package trust's material), so that new shards are followed without a
	// rebuild. It is set by the program, never read from the file.
	Trusted []Log `json:"-"`
}

// maxConfigBytes bounds the config file.
const maxConfigBytes = 1 << 20

// ConfigPath returns the config file's path: $XDG_CONFIG_HOME/provscope/logs.json,
// else ~/.config/provscope/logs.json. getenv is os.Getenv in production.
func ConfigPath(getenv func(string) string) (string, error) {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "provscope", "logs.json"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the config directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".config", "provscope", "logs.json"), nil
}

// LoadConfig reads the config file at path. A missing file is an empty
// config. A log's publicKey may be PEM text or a path to a PEM file
// (relative paths are relative to the config file).
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the user's own config file
	if errors.Is(err, os.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading log config: %w", err)
	}
	defer f.Close()
	var cfg Config
	dec := json.NewDecoder(&limitReader{r: f, n: maxConfigBytes})
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("parsing log config %s: %w", path, err)
	}
	for i := range cfg.Logs {
		l := &cfg.Logs[i]
		if l.Name == "" || l.URL == "" {
			return nil, fmt.Errorf("log config %s: log %d needs a name and a url", path, i)
		}
		if l.Kind == "" {
			l.Kind = KindRekorV1
		}
		if l.Kind != KindRekorV1 && l.Kind != KindTiles {
			return nil, fmt.Errorf("log config %s: log %q has kind %q, want %q or %q", path, l.Name, l.Kind, KindRekorV1, KindTiles)
		}
		if err := checkURL(l.URL); err != nil {
			return nil, fmt.Errorf("log config %s: log %q: %w", path, l.Name, err)
		}
		if l.PublicKey != "" && !strings.Contains(l.PublicKey, "-----BEGIN") {
			p := l.PublicKey
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			b, err := os.ReadFile(p) //nolint:gosec // G304: the user's config names this key file
			if err != nil {
				return nil, fmt.Errorf("log config %s: log %q: reading public key: %w", path, l.Name, err)
			}
			l.PublicKey = string(b)
		}
	}
	return &cfg, nil
}

type limitReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("config file exceeds %d bytes", maxConfigBytes)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("parsing url %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want http(s)://host[/path]", s)
	}
	return nil
}

// All returns the built-in logs overlaid with cfg's custom logs, in that
// order (a custom log with a built-in name replaces the built-in).
func All(cfg *Config) []Log {
	all := Builtin()
	if cfg == nil {
		return all
	}
	if len(cfg.Trusted) > 0 {
		all = append(slices.Clone(cfg.Trusted), localLog())
	}
	for _, l := range cfg.Logs {
		if i := slices.IndexFunc(all, func(b Log) bool { return b.Name == l.Name }); i >= 0 {
			all[i] = l
			continue
		}
		all = append(all, l)
	}
	return all
}

// Selection says where a log choice came from, for messages.
type Selection struct {
	Log Log
	// From is "flag", "PROVSCOPE_LOG", "COSIGN_REKOR_URL", "config" or "default".
	From string
}

// Resolve picks the log: flag (a name or URL), else $PROVSCOPE_LOG, else
// $COSIGN_REKOR_URL, else cfg.Default, else the public-good log. A URL that
// matches a known log's URL yields that log (with its key); another URL
// yields an unnamed Rekor v1 log (a URL ending in /api/v2 or starting with
// "tiles+" a tiles log).
func Resolve(flag string, getenv func(string) string, cfg *Config) (Selection, error) {
	choice, from := flag, "flag"
	if choice == "" {
		choice, from = getenv("PROVSCOPE_LOG"), "PROVSCOPE_LOG"
	}
	if choice == "" {
		choice, from = getenv("COSIGN_REKOR_URL"), "COSIGN_REKOR_URL"
	}
	if choice == "" && cfg != nil {
		choice, from = cfg.Default, "config"
	}
	if choice == "" {
		choice, from = PublicGood, "default"
	}
	l, err := Lookup(choice, cfg)
	if err != nil {
		return Selection{}, fmt.Errorf("choosing the log (from %s): %w", from, err)
	}
	return Selection{Log: l, From: from}, nil
}

// UnknownLogError reports a log name that is neither built in, configured,
// nor a URL.
type UnknownLogError struct {
	Name  string
	Known []string
}

func (e *UnknownLogError) Error() string {
	return fmt.Sprintf("unknown log %q: want a URL or one of %s", e.Name, strings.Join(e.Known, ", "))
}

// Lookup finds a log by name, alias or URL.
func Lookup(nameOrURL string, cfg *Config) (Log, error) {
	all := All(cfg)
	want := strings.TrimRight(strings.TrimSpace(nameOrURL), "/")
	for _, l := range all {
		if l.Name == want || slices.Contains(l.Aliases, want) || strings.TrimRight(l.URL, "/") == want {
			return l, nil
		}
	}
	if strings.Contains(want, "://") {
		kind := KindRekorV1
		u := want
		prefix := ""
		if rest, ok := strings.CutPrefix(u, "tiles+"); ok {
			// A tlog-tiles log at exactly this URL (checkpoint at
			// URL/checkpoint), whoever wrote it.
			kind, u, prefix = KindTiles, rest, rest
		}
		if rest, ok := strings.CutSuffix(u, "/api/v2"); ok {
			kind, u, prefix = KindTiles, rest, ""
		}
		u = strings.TrimSuffix(u, "/api/v1")
		if err := checkURL(u); err != nil {
			return Log{}, err
		}
		return Log{Name: u, URL: u, Kind: kind, Prefix: prefix}, nil
	}
	known := make([]string, len(all))
	for i, l := range all {
		known[i] = l.Name
	}
	return Log{}, &UnknownLogError{Name: nameOrURL, Known: known}
}
