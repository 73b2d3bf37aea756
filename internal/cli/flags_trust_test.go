package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/proof"
)

// rotatedTrustedRoot returns the public-good trusted root with only its
// Rekor v1 log, plus, when shard is not empty, the demo world's CA, CT log
// and log key with the log published as the Rekor v2 shard at shard.
func rotatedTrustedRoot(t *testing.T, demoRootPath, shard string) []byte {
	t.Helper()
	var tr map[string]any
	if err := json.Unmarshal(proof.PublicGoodTrustedRoot(), &tr); err != nil {
		t.Fatal(err)
	}
	var v1 []any
	for _, l := range tr["tlogs"].([]any) {
		if l.(map[string]any)["baseUrl"] == "https://rekor.sigstore.dev" {
			v1 = append(v1, l)
		}
	}
	tr["tlogs"] = v1
	if shard != "" {
		b, err := os.ReadFile(demoRootPath)
		if err != nil {
			t.Fatal(err)
		}
		var demo map[string]any
		if err := json.Unmarshal(b, &demo); err != nil {
			t.Fatal(err)
		}
		for _, l := range demo["tlogs"].([]any) {
			l.(map[string]any)["baseUrl"] = shard
			tr["tlogs"] = append(tr["tlogs"].([]any), l)
		}
		for _, k := range []string{"certificateAuthorities", "ctlogs"} {
			if d, ok := demo[k].([]any); ok {
				tr[k] = append(tr[k].([]any), d...)
			}
		}
	}
	out, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signingConfigNaming names shard as the current Rekor v2 log.
func signingConfigNaming(shard string) []byte {
	return []byte(`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
	  "caUrls":[],"oidcUrls":[],
	  "rekorTlogUrls":[{"url":"https://rekor.sigstore.dev","majorApiVersion":1,"validFor":{"start":"2021-01-12T11:53:27Z"},"operator":"sigstore.dev"},
	    {"url":"` + shard + `","majorApiVersion":2,"validFor":{"start":"2021-01-12T11:53:27Z"},"operator":"test"}],
	  "tsaUrls":[],"rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}`)
}

// TestVerifyFollowsTUFRotation: the trust root comes from a TUF repository
// (a replica on 127.0.0.1). A new Rekor v2 shard published there with a
// signing config naming it current is followed by verify after
// --refresh-trust, without a rebuild: --log rekor-v2 finds it and a bundle
// logged on it verifies with the key the trusted root gives. Before the
// refresh the cached root answers; offline, the cache is used and the
// output says the root was not refreshed.
func TestVerifyFollowsTUFRotation(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	shard := w.LogURL + "/api/v2"
	repo, err := replica.NewTUF(map[string][]byte{replica.TargetTrustedRoot: rotatedTrustedRoot(t, w.TrustedRootPath, "")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	rootFile := filepath.Join(dir, "tuf-root.json")
	if err := os.WriteFile(rootFile, repo.InitialRoot(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROVSCOPE_TUF_OFFLINE", "")
	t.Setenv("PROVSCOPE_TUF_URL", repo.URL())
	t.Setenv("PROVSCOPE_TUF_ROOT", rootFile)

	var img, key string
	for _, c := range w.Cases {
		if c.Name == "signed-bundle" {
			img, key = c.Image, demoKeyPath(w, c.Key)
		}
	}
	if img == "" {
		t.Fatal("the demo world has no signed-bundle case")
	}
	verify := func(extra ...string) (int, string) {
		t.Helper()
		code, out, errs := runCLI(t, append([]string{"verify", img, "--key", key, "--log", "rekor-v2"}, extra...)...)
		return code, out + errs
	}

	if code, out := verify(); code != exitUsageErr || !strings.Contains(out, `unknown log "rekor-v2"`) {
		t.Fatalf("before the rotation: verify --log rekor-v2 = %d, want %d (no current shard)\n%s", code, exitUsageErr, out)
	}
	if err := repo.Publish(map[string][]byte{
		replica.TargetTrustedRoot:   rotatedTrustedRoot(t, w.TrustedRootPath, shard),
		replica.TargetSigningConfig: signingConfigNaming(shard),
	}); err != nil {
		t.Fatal(err)
	}
	// The cache is a day fresh: the new shard is not known yet.
	if code, out := verify(); code != exitUsageErr {
		t.Fatalf("after the rotation, before a refresh: verify --log rekor-v2 = %d, want %d\n%s", code, exitUsageErr, out)
	}
	var errs string
	code, out := verify("--refresh-trust")
	if code != exitOK || !strings.Contains(out, "Verdict: verified") {
		t.Fatalf("after --refresh-trust: verify --log rekor-v2 = %d, want %d\n%s", code, exitOK, out)
	}
	if strings.Contains(out, "not refreshed") {
		t.Errorf("a fresh trust root is marked not refreshed\n%s", out)
	}
	// Offline, a fresh cache answers unmarked.
	t.Setenv("PROVSCOPE_TUF_OFFLINE", "1")
	if code, out := verify(); code != exitOK || strings.Contains(out, "not refreshed") {
		t.Errorf("offline with a fresh cache: verify = %d, want %d unmarked\n%s", code, exitOK, out)
	}
	// Offline with no cache: the embedded public-good root, which does not
	// list the demo log, and the output says it was not refreshed.
	t.Setenv("PROVSCOPE_TUF_URL", "")
	t.Setenv("PROVSCOPE_TUF_ROOT", "")
	t.Setenv("HOME", t.TempDir())
	code, out, errs = runCLI(t, "verify", img, "--key", key, "--log", w.LogURL, "--log-key", w.LogPublicKeyPath)
	if code != exitFailed || !strings.Contains(out, "Note: trust root as of 2025-09-22, not refreshed") {
		t.Errorf("offline without a cache: verify = %d, want %d with the embedded root's marker\n%s%s", code, exitFailed, out, errs)
	}
}

// TestExplorerTrustFromTUF: without --trusted-root the explorer's backend
// takes its trust root from TUF too: offline with no cache it has only the
// embedded root (marked for the header, and the demo log not trusted);
// with the demo log published through a TUF replica the marker is gone and
// the log is trusted.
func TestExplorerTrustFromTUF(t *testing.T) {
	dir := isolateEnv(t)
	w := startDemo(t)
	logID, err := inspect.KeyFingerprint(w.LogPublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	open := func() explorerConfig {
		t.Helper()
		cfg := explorerConfig{RegistryHost: w.RegistryHost, LogURL: w.LogURL, ForgetCheckpoints: true}
		if _, _, err := openBackend(context.Background(), &cfg); err != nil {
			t.Fatalf("openBackend: %v", err)
		}
		return cfg
	}
	cfg := open()
	if cfg.TrustMarker != "trust root as of 2025-09-22, not refreshed" {
		t.Errorf("offline, embedded root: TrustMarker = %q", cfg.TrustMarker)
	}
	if ok, _ := logTrust(cfg)(logID); ok {
		t.Errorf("the embedded root trusts the demo log")
	}

	repo, err := replica.NewTUF(map[string][]byte{replica.TargetTrustedRoot: rotatedTrustedRoot(t, w.TrustedRootPath, w.LogURL+"/api/v2")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	rootFile := filepath.Join(dir, "tuf-root.json")
	if err := os.WriteFile(rootFile, repo.InitialRoot(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROVSCOPE_TUF_OFFLINE", "")
	t.Setenv("PROVSCOPE_TUF_URL", repo.URL())
	t.Setenv("PROVSCOPE_TUF_ROOT", rootFile)
	cfg = open()
	if cfg.TrustMarker != "" {
		t.Errorf("fresh TUF root: TrustMarker = %q, want none", cfg.TrustMarker)
	}
	if ok, why := logTrust(cfg)(logID); !ok {
		t.Errorf("the TUF root lists the demo log but the explorer does not trust it: %s", why)
	}
}
