package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/proof"
)

// TestTrustCommand runs `provscope trust` against a TUF repository on
// loopback: the text names the repository, its versions and the current
// Rekor v2 log; --output json carries the same; with the repository gone,
// --refresh falls back to the cache and says it was not refreshed.
func TestTrustCommand(t *testing.T) {
	sc := `{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[],"oidcUrls":[],
	  "rekorTlogUrls":[{"url":"https://log2025-1.rekor.sigstore.dev","majorApiVersion":2,"validFor":{"start":"2025-09-23T00:00:00Z"},"operator":"sigstore.dev"}],
	  "tsaUrls":[],"rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}`
	repo, err := replica.NewTUF(map[string][]byte{
		replica.TargetTrustedRoot:   proof.PublicGoodTrustedRoot(),
		replica.TargetSigningConfig: []byte(sc),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	rootFile := filepath.Join(dir, "root.json")
	if err := os.WriteFile(rootFile, repo.InitialRoot(), 0o600); err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	if code := run([]string{"trust", "--tuf-url", repo.URL(), "--tuf-root", rootFile}, &out, &errb); code != exitOK {
		t.Fatalf("trust exited %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"trust root: tuf " + repo.URL(),
		"TUF root v1, targets v1, snapshot v1, timestamp v1",
		"current Rekor v2: https://log2025-1.rekor.sigstore.dev (from the signing config)",
		"rekor   https://log2025-1.rekor.sigstore.dev",
		"tuf targets v1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("trust output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := run([]string{"trust", "--tuf-url", repo.URL(), "--tuf-root", rootFile, "--output", "json"}, &out, &errb); code != exitOK {
		t.Fatalf("trust --output json exited %d: %s", code, errb.String())
	}
	var rep struct {
		Material struct {
			Source         string `json:"source"`
			TargetsVersion int    `json:"targetsVersion"`
		} `json:"material"`
		CurrentRekorV2 struct{ URL string } `json:"currentRekorV2"`
		Keys           []struct{ Kind, URL, From string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("trust --output json: %v\n%s", err, out.String())
	}
	if rep.Material.Source != "cache" || rep.Material.TargetsVersion != 1 || rep.CurrentRekorV2.URL != "https://log2025-1.rekor.sigstore.dev" || len(rep.Keys) == 0 || rep.Keys[0].From != "cache targets v1" {
		t.Errorf("trust --output json = %+v", rep)
	}

	repo.Close()
	out.Reset()
	if code := run([]string{"trust", "--refresh", "--tuf-url", repo.URL(), "--tuf-root", rootFile}, &out, &errb); code != exitOK {
		t.Fatalf("offline trust --refresh exited %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "trust root: cache ") || !strings.Contains(out.String(), ", not refreshed: ") {
		t.Errorf("offline trust --refresh output lacks the cache and the not-refreshed marker:\n%s", out.String())
	}

	if code := run([]string{"trust", "--tuf-url", repo.URL()}, &out, &errb); code != exitUsageErr {
		t.Errorf("trust --tuf-url without --tuf-root exited %d, want %d", code, exitUsageErr)
	}
}
