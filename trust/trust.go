// Package trust obtains Sigstore trust material — the trusted root
// (trusted_root.json: Rekor logs, Fulcio CAs, CT logs, timestamp
// authorities and their keys) and the signing config
// (signing_config.v0.2.json: which Rekor, Fulcio and TSA are current) —
// from Sigstore's TUF repository, as cosign and sigstore-go do, and says
// where it came from.
//
// It fetches through sigstore-go's TUF client (github.com/sigstore/sigstore-go/pkg/tuf,
// itself go-tuf v2: https://theupdateframework.github.io/specification/latest/),
// starting from the TUF root sigstore-go embeds, and caches under the XDG
// cache directory. Offline, or when the repository is refused (a bad
// signature, a rolled-back version), it falls back to the cache, then to the
// trusted root compiled into proof/, and marks the result as not refreshed
// (Material.Stale, Material.Marker).
//
// TUF verification (signatures, thresholds, versions, expiry, target
// hashes) is go-tuf's; what the material then vouches for is decided in
// proof/. This package fetches and reports provenance only.
package trust

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"

	"github.com/provscope/provscope/proof"
)

// Sigstore's TUF target names.
const (
	TargetTrustedRoot   = "trusted_root.json"
	TargetSigningConfig = "signing_config.v0.2.json"
)

// DefaultMaxAge is how long a cached trust root is used without asking the
// TUF repository again (cosign and sigstore-go refresh at least daily too).
const DefaultMaxAge = 24 * time.Hour

// EmbeddedAsOf is the date of the trusted root compiled into proof/
// (sigstore/root-signing c9bda74a, 2025-09-22; see proof.PublicGoodTrustedRoot).
var EmbeddedAsOf = time.Date(2025, 9, 22, 0, 0, 0, 0, time.UTC)

// Source says where trust material came from.
type Source string

// The sources, freshest first.
const (
	// SourceTUF: fetched and verified from the TUF repository just now.
	SourceTUF Source = "tuf"
	// SourceCache: the TUF cache on disk (verified when it was fetched).
	SourceCache Source = "cache"
	// SourceEmbedded: the trusted root compiled into provscope.
	SourceEmbedded Source = "embedded"
)

// Options say where to get trust material. The zero value is Sigstore's
// public-good TUF repository with the XDG cache.
type Options struct {
	// URL is the TUF repository; "" means tuf-repo-cdn.sigstore.dev.
	URL string
	// InitialRoot is the TUF trust anchor (a root.json); nil means the one
	// sigstore-go embeds, which only fits the public-good repository.
	InitialRoot []byte
	// CacheDir holds the TUF cache; "" means CacheDir(Getenv).
	CacheDir string
	// Refresh asks the repository now even if the cache is younger than
	// MaxAge.
	Refresh bool
	// MaxAge is how old the cache may be before it is refreshed; zero means
	// DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Getenv reads XDG_CACHE_HOME and HOME; nil means os.Getenv.
	Getenv func(string) string
	// Fetcher fetches TUF metadata and targets; nil means go-tuf's HTTP
	// fetcher.
	Fetcher fetcher.Fetcher
	// Offline never asks the repository: a cache younger than MaxAge is
	// used as usual; an older one, else the embedded root (public good
	// only), is used and marked Stale with ErrOffline.
	Offline bool
}

// ErrOffline is the RefreshError of material loaded with Options.Offline.
var ErrOffline = errors.New("offline: the TUF repository was not asked")

// offlineFetcher refuses every download, so that an Offline load cannot
// reach the network even when go-tuf wants to refresh expired metadata.
type offlineFetcher struct{}

func (offlineFetcher) DownloadFile(string, int64, time.Duration) ([]byte, error) {
	return nil, ErrOffline
}

// Material is trust material and where it came from.
type Material struct {
	Source Source `json:"source"`
	// URL is the TUF repository (empty for the embedded root).
	URL string `json:"tufUrl,omitempty"`
	// Versions of the TUF metadata the targets were verified with (zero for
	// the embedded root).
	RootVersion      int64 `json:"rootVersion,omitempty"`
	TargetsVersion   int64 `json:"targetsVersion,omitempty"`
	SnapshotVersion  int64 `json:"snapshotVersion,omitempty"`
	TimestampVersion int64 `json:"timestampVersion,omitempty"`
	// Expires is when the TUF timestamp metadata expires.
	Expires time.Time `json:"expires,omitzero"`
	// AsOf is when the material was last fetched from the repository (for
	// the embedded root: EmbeddedAsOf).
	AsOf time.Time `json:"asOf"`
	// Stale says a refresh was needed and failed: the material is older than
	// the repository may be. RefreshError says why.
	Stale        bool   `json:"stale"`
	RefreshError string `json:"refreshError,omitempty"`
	// TrustedRoot is trusted_root.json; SigningConfig is
	// signing_config.v0.2.json (nil for the embedded root).
	TrustedRoot   []byte `json:"-"`
	SigningConfig []byte `json:"-"`
}

// Marker is the line a UI shows next to anything verified with m: empty when
// m is fresh, else "trust root as of DATE, not refreshed".
func (m *Material) Marker() string {
	if !m.Stale {
		return ""
	}
	return fmt.Sprintf("trust root as of %s, not refreshed", m.AsOf.UTC().Format(time.DateOnly))
}

// CacheDir returns provscope's TUF cache directory:
// $XDG_CACHE_HOME/provscope/tuf, else $HOME/.cache/provscope/tuf.
func CacheDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "provscope", "tuf"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the cache directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".cache", "provscope", "tuf"), nil
}

// ErrNoInitialRoot reports a custom TUF repository without a trust anchor.
var ErrNoInitialRoot = errors.New("a TUF repository other than Sigstore's public-good one needs its initial root.json")

// Load returns trust material: from the cache when it is younger than
// MaxAge (and Refresh is not set), else freshly from the TUF repository;
// when that fails, from the cache (Stale), and for the public-good
// repository finally from the embedded trusted root (Stale). An error means
// not even a fallback was available.
func Load(opts Options) (*Material, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	publicGood := opts.URL == "" || strings.TrimRight(opts.URL, "/") == tuf.DefaultMirror
	if publicGood {
		opts.URL = tuf.DefaultMirror
		if opts.InitialRoot == nil {
			opts.InitialRoot = tuf.DefaultRoot()
		}
	}
	opts.URL = strings.TrimRight(opts.URL, "/")
	if len(opts.InitialRoot) == 0 {
		return nil, ErrNoInitialRoot
	}
	if opts.CacheDir == "" {
		d, err := CacheDir(opts.Getenv)
		if err != nil {
			return nil, err
		}
		opts.CacheDir = d
	}
	if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the trust cache: %w", err)
	}

	if opts.Offline {
		opts.Fetcher = offlineFetcher{}
	}
	last := lastRefresh(opts)
	if !opts.Refresh && !last.IsZero() && opts.Now().Sub(last) < opts.MaxAge {
		if m, err := load(opts, true); err == nil {
			m.Source, m.AsOf = SourceCache, last
			return m, nil
		}
	}
	refreshErr := ErrOffline
	if !opts.Offline {
		m, err := load(opts, false)
		if err == nil {
			m.Source, m.AsOf = SourceTUF, opts.Now()
			return m, nil
		}
		refreshErr = err
	}
	if m, err := load(opts, true); err == nil {
		m.Source, m.AsOf, m.Stale, m.RefreshError = SourceCache, lastRefresh(opts), true, refreshErr.Error()
		return m, nil
	}
	if !publicGood {
		return nil, fmt.Errorf("refreshing trust root from %s (and no usable cache): %w", opts.URL, refreshErr)
	}
	return &Material{
		Source:       SourceEmbedded,
		AsOf:         EmbeddedAsOf,
		Stale:        true,
		RefreshError: refreshErr.Error(),
		TrustedRoot:  proof.PublicGoodTrustedRoot(),
	}, nil
}

// load runs sigstore-go's TUF client, from the cache alone when cacheOnly
// (it still refreshes when cached metadata has expired, and fails offline).
func load(opts Options, cacheOnly bool) (*Material, error) {
	to := &tuf.Options{
		Root:              opts.InitialRoot,
		CachePath:         opts.CacheDir,
		RepositoryBaseURL: opts.URL,
		ForceCache:        cacheOnly,
		Fetcher:           opts.Fetcher,
	}
	if cacheOnly && !haveCache(opts) {
		return nil, errors.New("no trust cache")
	}
	c, err := tuf.New(to)
	if err != nil {
		return nil, fmt.Errorf("updating TUF metadata from %s: %w", opts.URL, err)
	}
	tr, err := c.GetTarget(TargetTrustedRoot)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", TargetTrustedRoot, err)
	}
	if _, err := root.NewTrustedRootFromJSON(tr); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", TargetTrustedRoot, err)
	}
	m := &Material{URL: opts.URL, TrustedRoot: tr}
	// The signing config is optional: older repositories do not publish it.
	if sc, err := c.GetTarget(TargetSigningConfig); err == nil {
		if _, err := root.NewSigningConfigFromJSON(sc); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", TargetSigningConfig, err)
		}
		m.SigningConfig = sc
	}
	readVersions(metadataDir(opts), m)
	return m, nil
}

// metadataDir is where sigstore-go's client keeps the repository's metadata.
func metadataDir(opts Options) string {
	return filepath.Join(opts.CacheDir, tuf.URLToPath(opts.URL))
}

func haveCache(opts Options) bool {
	_, err := os.Stat(filepath.Join(metadataDir(opts), "timestamp.json"))
	return err == nil
}

// lastRefresh is when sigstore-go's client last refreshed from the
// repository (it records it beside the cache), zero when never.
func lastRefresh(opts Options) time.Time {
	cfg, err := tuf.LoadConfig(filepath.Join(opts.CacheDir, tuf.URLToPath(opts.URL)+".json"))
	if err != nil || !haveCache(opts) {
		return time.Time{}
	}
	return cfg.LastTimestamp
}

// readVersions reads the versions of the metadata the client verified and
// stored (they are only reported, not trusted for anything).
func readVersions(dir string, m *Material) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // G304: our own cache directory
		if err != nil {
			return nil
		}
		return b
	}
	if r, err := metadata.Root().FromBytes(read("root.json")); err == nil {
		m.RootVersion = r.Signed.Version
	}
	if t, err := metadata.Targets().FromBytes(read("targets.json")); err == nil {
		m.TargetsVersion = t.Signed.Version
	}
	if s, err := metadata.Snapshot().FromBytes(read("snapshot.json")); err == nil {
		m.SnapshotVersion = s.Signed.Version
	}
	if ts, err := metadata.Timestamp().FromBytes(read("timestamp.json")); err == nil {
		m.TimestampVersion = ts.Signed.Version
		m.Expires = ts.Signed.Expires.UTC()
	}
}
