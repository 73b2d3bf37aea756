package trust_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/trust"
)

const (
	log2025 = "https://log2025-1.rekor.sigstore.dev"
	log2026 = "https://log2026-1.rekor.sigstore.dev"
)

// when is a time at which both Rekor v2 shards of the test material are open.
var when = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// trustedRootWith returns the embedded production trusted root, plus a
// Rekor v2 shard log2026-1 (log2025-1's key under a new log ID) when rotated.
func trustedRootWith(t *testing.T, rotated bool) []byte {
	t.Helper()
	var tr map[string]any
	if err := json.Unmarshal(proof.PublicGoodTrustedRoot(), &tr); err != nil {
		t.Fatal(err)
	}
	if rotated {
		tlogs := tr["tlogs"].([]any)
		var v2 map[string]any
		for _, l := range tlogs {
			if l.(map[string]any)["baseUrl"] == log2025 {
				v2 = l.(map[string]any)
			}
		}
		b, _ := json.Marshal(v2)
		var shard map[string]any
		_ = json.Unmarshal(b, &shard)
		shard["baseUrl"] = log2026
		shard["logId"] = map[string]any{"keyId": "bG9nMjAyNi0xIHRlc3Qga2V5IGlkIDAwMDAwMDAwMDA="}
		pk := shard["publicKey"].(map[string]any)
		pk["validFor"] = map[string]any{"start": "2026-03-01T00:00:00Z"}
		tr["tlogs"] = append(tlogs, shard)
	}
	out, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signingConfigWith names rekor.sigstore.dev (v1) and log2025-1 (v2), and
// log2026-1 (v2, newer) when rotated.
func signingConfigWith(rotated bool) []byte {
	rekors := `{"url":"https://rekor.sigstore.dev","majorApiVersion":1,"validFor":{"start":"2021-01-12T11:53:27Z"},"operator":"sigstore.dev"},
	  {"url":"` + log2025 + `","majorApiVersion":2,"validFor":{"start":"2025-09-23T00:00:00Z"},"operator":"sigstore.dev"}`
	if rotated {
		rekors += `,{"url":"` + log2026 + `","majorApiVersion":2,"validFor":{"start":"2026-03-01T00:00:00Z"},"operator":"sigstore.dev"}`
	}
	return []byte(`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
	  "caUrls":[{"url":"https://fulcio.sigstore.dev","majorApiVersion":1,"validFor":{"start":"2022-04-13T20:06:15Z"},"operator":"sigstore.dev"}],
	  "oidcUrls":[],
	  "rekorTlogUrls":[` + rekors + `],
	  "tsaUrls":[],
	  "rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}`)
}

func targets(t *testing.T, rotated bool) map[string][]byte {
	return map[string][]byte{
		replica.TargetTrustedRoot:   trustedRootWith(t, rotated),
		replica.TargetSigningConfig: signingConfigWith(rotated),
	}
}

func startTUF(t *testing.T) *replica.TUF {
	t.Helper()
	r, err := replica.NewTUF(targets(t, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func opts(r *replica.TUF, dir string) trust.Options {
	return trust.Options{URL: r.URL(), InitialRoot: r.InitialRoot(), CacheDir: dir}
}

func load(t *testing.T, o trust.Options) *trust.Material {
	t.Helper()
	m, err := trust.Load(o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

func current(t *testing.T, m *trust.Material) string {
	t.Helper()
	c, err := m.CurrentRekorV2(when)
	if err != nil {
		t.Fatalf("CurrentRekorV2: %v", err)
	}
	if c.From != "signing config" {
		t.Errorf("CurrentRekorV2 from %q, want the signing config", c.From)
	}
	return c.URL
}

// TestRotationPickedUpOnRefresh: a new Rekor v2 shard published in a new
// targets version reaches provscope on refresh, without a rebuild; between
// refreshes the cache is used.
func TestRotationPickedUpOnRefresh(t *testing.T) {
	repo := startTUF(t)
	dir := t.TempDir()

	m := load(t, opts(repo, dir))
	if m.Source != trust.SourceTUF || m.Stale || m.TargetsVersion != 1 || m.RootVersion != 1 || m.TimestampVersion != 1 {
		t.Errorf("first Load = %s stale=%v versions root %d targets %d timestamp %d, want fresh tuf at version 1",
			m.Source, m.Stale, m.RootVersion, m.TargetsVersion, m.TimestampVersion)
	}
	if got := current(t, m); got != log2025 {
		t.Errorf("current Rekor v2 = %s, want %s", got, log2025)
	}

	if err := repo.Publish(targets(t, true)); err != nil {
		t.Fatal(err)
	}
	// Within MaxAge the cache answers, still the old shard.
	m = load(t, opts(repo, dir))
	if m.Source != trust.SourceCache || m.Stale || current(t, m) != log2025 {
		t.Errorf("Load within MaxAge = %s stale=%v current %s, want the cache with %s", m.Source, m.Stale, current(t, m), log2025)
	}

	o := opts(repo, dir)
	o.Refresh = true
	m = load(t, o)
	if m.Source != trust.SourceTUF || m.TargetsVersion != 2 || m.Marker() != "" {
		t.Errorf("refreshed Load = %s targets %d marker %q, want tuf at targets 2", m.Source, m.TargetsVersion, m.Marker())
	}
	if got := current(t, m); got != log2026 {
		t.Errorf("current Rekor v2 after rotation = %s, want %s", got, log2026)
	}
	ls, err := logs.FromTrust(m.TrustedRoot, log2026)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := logs.Lookup(logs.CurrentV2, &logs.Config{Trusted: ls})
	if err != nil || cur.URL != log2026 || cur.Kind != logs.KindTiles || cur.PublicKey == "" {
		t.Errorf("logs.Lookup(%q) = %+v, %v; want %s, tiles, with its key", logs.CurrentV2, cur, err, log2026)
	}

	// An old cache is refreshed without being asked.
	repo.Publish(targets(t, false)) //nolint:errcheck // checked by the versions below
	o = opts(repo, dir)
	o.Now = func() time.Time { return time.Now().Add(trust.DefaultMaxAge + time.Hour) }
	if m = load(t, o); m.Source != trust.SourceTUF || m.TargetsVersion != 3 {
		t.Errorf("Load with an old cache = %s targets %d, want tuf targets 3", m.Source, m.TargetsVersion)
	}
}

// TestOfflineFallsBackToCache: with the repository gone, the cache is used
// and marked as not refreshed.
func TestOfflineFallsBackToCache(t *testing.T) {
	repo := startTUF(t)
	dir := t.TempDir()
	first := load(t, opts(repo, dir))
	repo.Close()
	o := opts(repo, dir)
	o.Refresh = true
	m := load(t, o)
	if m.Source != trust.SourceCache || !m.Stale || m.RefreshError == "" || !bytes.Equal(m.TrustedRoot, first.TrustedRoot) {
		t.Fatalf("offline Load = %s stale=%v err %q, want the stale cache", m.Source, m.Stale, m.RefreshError)
	}
	want := "trust root as of " + first.AsOf.UTC().Format(time.DateOnly) + ", not refreshed"
	if m.Marker() != want {
		t.Errorf("Marker = %q, want %q", m.Marker(), want)
	}
	// No cache and no repository: a custom repository has no fallback.
	if _, err := trust.Load(opts(repo, t.TempDir())); err == nil {
		t.Error("Load of an unreachable custom repository without a cache succeeded")
	}
}

// failingFetcher is an offline network.
type failingFetcher struct{}

func (failingFetcher) DownloadFile(string, int64, time.Duration) ([]byte, error) {
	return nil, errors.New("network is unreachable")
}

// TestOfflineFallsBackToEmbedded: the public-good repository unreachable and
// no cache: the embedded trusted root, marked with its date.
func TestOfflineFallsBackToEmbedded(t *testing.T) {
	m, err := trust.Load(trust.Options{CacheDir: t.TempDir(), Fetcher: failingFetcher{}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != trust.SourceEmbedded || !m.Stale || !bytes.Equal(m.TrustedRoot, proof.PublicGoodTrustedRoot()) {
		t.Fatalf("offline Load = %s stale=%v, want the embedded root", m.Source, m.Stale)
	}
	if m.Marker() != "trust root as of 2025-09-22, not refreshed" || !strings.Contains(m.RefreshError, "unreachable") {
		t.Errorf("Marker = %q, RefreshError = %q", m.Marker(), m.RefreshError)
	}
	if c, err := m.CurrentRekorV2(when); err != nil || c.URL != log2025 || c.From != "trusted root" {
		t.Errorf("CurrentRekorV2 from the embedded root = %+v, %v; want %s from the trusted root", c, err, log2025)
	}
	if _, err := trust.Load(trust.Options{URL: "http://127.0.0.1:1", CacheDir: t.TempDir()}); !errors.Is(err, trust.ErrNoInitialRoot) {
		t.Errorf("Load of a custom repository without a root = %v, want ErrNoInitialRoot", err)
	}
}

// TestHostileRepositoryRefused: a timestamp with a bad signature, a rolled
// back timestamp and a target whose bytes do not match the signed hash are
// all refused by the TUF client; provscope keeps the verified cache, marked
// stale, and never shows the attacker's material.
func TestHostileRepositoryRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		attack  func(t *testing.T, r *replica.TUF)
		wantErr string
	}{
		{"bad signature", func(t *testing.T, r *replica.TUF) {
			if err := r.TamperTimestamp(); err != nil {
				t.Fatal(err)
			}
		}, "signature"},
		{"rollback", func(_ *testing.T, r *replica.TUF) { r.RollBack() }, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := startTUF(t)
			dir := t.TempDir()
			if err := repo.Publish(targets(t, false)); err != nil {
				t.Fatal(err)
			}
			good := load(t, opts(repo, dir))
			if good.TimestampVersion != 2 {
				t.Fatalf("timestamp version %d, want 2", good.TimestampVersion)
			}
			tc.attack(t, repo)
			o := opts(repo, dir)
			o.Refresh = true
			m := load(t, o)
			if m.Source != trust.SourceCache || !m.Stale || !strings.Contains(m.RefreshError, tc.wantErr) {
				t.Errorf("Load after %s = %s stale=%v err %q, want the stale cache and an error about %q", tc.name, m.Source, m.Stale, m.RefreshError, tc.wantErr)
			}
			if m.TimestampVersion != 2 || !bytes.Equal(m.TrustedRoot, good.TrustedRoot) {
				t.Errorf("Load after %s kept timestamp %d, want the verified 2", tc.name, m.TimestampVersion)
			}
		})
	}

	t.Run("target bytes", func(t *testing.T) {
		repo := startTUF(t)
		repo.TamperTarget(replica.TargetTrustedRoot, trustedRootWith(t, true))
		_, err := trust.Load(opts(repo, t.TempDir()))
		if err == nil || !strings.Contains(err.Error(), replica.TargetTrustedRoot) {
			t.Errorf("Load of a tampered target = %v, want an error about %s", err, replica.TargetTrustedRoot)
		}
	})
}

// TestOfflineOptionNeverAsks: Options.Offline does not ask the repository
// even when it is up and has something new: an old cache is used and
// marked with ErrOffline; no cache of a private repository is an error;
// a cache younger than MaxAge is used unmarked.
func TestOfflineOptionNeverAsks(t *testing.T) {
	repo := startTUF(t)

	o := opts(repo, t.TempDir())
	o.Offline = true
	if m, err := trust.Load(o); !errors.Is(err, trust.ErrOffline) {
		t.Errorf("Offline Load without a cache = %+v, %v; want ErrOffline", m, err)
	}

	dir := t.TempDir()
	load(t, opts(repo, dir))
	if err := repo.Publish(targets(t, true)); err != nil {
		t.Fatal(err)
	}
	o = opts(repo, dir)
	o.Offline = true
	if m := load(t, o); m.Source != trust.SourceCache || m.Stale || current(t, m) != log2025 {
		t.Errorf("Offline Load with a fresh cache = %s stale=%v, want the cache unmarked", m.Source, m.Stale)
	}
	o.Now = func() time.Time { return time.Now().Add(trust.DefaultMaxAge + time.Hour) }
	m := load(t, o)
	if m.Source != trust.SourceCache || !m.Stale || m.RefreshError != trust.ErrOffline.Error() || m.TargetsVersion != 1 || current(t, m) != log2025 {
		t.Errorf("Offline Load with an old cache = %s stale=%v error %q targets %d; want the old cache (targets 1), marked offline",
			m.Source, m.Stale, m.RefreshError, m.TargetsVersion)
	}
	if !strings.HasSuffix(m.Marker(), ", not refreshed") {
		t.Errorf("Marker() = %q, want a not-refreshed marker", m.Marker())
	}
}
