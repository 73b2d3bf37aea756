package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/internal/replica"
)

// TestMain keeps every test of this package off Sigstore's TUF repository:
// commands that load the trust root read the cache, else the embedded
// root. A test that wants TUF points $PROVSCOPE_TUF_URL at a replica and
// clears PROVSCOPE_TUF_OFFLINE.
func TestMain(m *testing.M) {
	if err := os.Setenv("PROVSCOPE_TUF_OFFLINE", "1"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// replicaWorld is a public-world replica: a catalog-less, token-authenticated
// registry with quota headers (internal/replica) holding one image signed
// by provscope sign into the demo world's Rekor log, and a Docker config
// whose credential helper gives the registry's credentials.
type replicaWorld struct {
	rep               *replica.Registry
	image, key        string
	logArgs           []string
	dockerConfig      string
	emptyDockerConfig string
}

func startReplicaWorld(t *testing.T, opts replica.RegistryOptions) *replicaWorld {
	t.Helper()
	dir := isolateEnv(t)
	t.Setenv("COSIGN_PASSWORD", "test-password")
	t.Setenv("COSIGN_REPOSITORY", "")
	w := startDemo(t)
	opts.Users = map[string]string{"ci": "s3cret"}
	rep := replica.StartRegistry(opts)
	t.Cleanup(rep.Close)

	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(rep.Backend() + "/team/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("pushing the image: %v", err)
	}
	rw := &replicaWorld{rep: rep, image: rep.Host() + "/team/app:v1", logArgs: []string{"--log", w.LogURL, "--log-key", w.LogPublicKeyPath}}
	keyDir := filepath.Join(dir, "keys")
	// The front takes pulls only (like a read token on ghcr.io): sign
	// through the unauthenticated backend of the same storage.
	if code, out, errs := runCLI(t, append([]string{"sign", rep.Backend() + "/team/app:v1", "--generate-key", "--key-dir", keyDir, "--entry-file", ""}, rw.logArgs...)...); code != exitOK {
		t.Fatalf("sign = %d\n%s%s", code, out, errs)
	}
	rw.key = filepath.Join(keyDir, "cosign.pub")

	// docker-credential-replica answers the front's credentials.
	bin := filepath.Join(dir, "bin")
	rw.dockerConfig = filepath.Join(dir, "docker")
	rw.emptyDockerConfig = filepath.Join(dir, "docker-empty")
	for _, p := range []string{bin, rw.dockerConfig, rw.emptyDockerConfig} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	helper := "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'\"$server\"'\",\"Username\":\"ci\",\"Secret\":\"s3cret\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-replica"), []byte(helper), 0o700); err != nil { //nolint:gosec // G306: the helper must be executable
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"credHelpers":{%q:"replica"}}`, rep.Host())
	if err := os.WriteFile(filepath.Join(rw.dockerConfig, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DOCKER_CONFIG", rw.dockerConfig)
	return rw
}

// requests returns the requests the front served since before, as
// "METHOD PATH" → count, and their total.
func requests(before, after map[string]int) (map[string]int, int) {
	diff := map[string]int{}
	total := 0
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			diff[k] = d
			total += d
		}
	}
	return diff, total
}

func logRequests(t *testing.T, what string, diff map[string]int, total, pulls int) {
	t.Helper()
	keys := make([]string, 0, len(diff))
	for k := range diff {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %3d %s", diff[k], k)
	}
	t.Logf("%s: %d requests, %d manifest GETs (pulls):%s", what, total, pulls, b.String())
}

// TestReplicaVerifyAndReport: provscope verify and report of an image on a
// ghcr.io-like registry (no catalog, bearer tokens per repository, basic
// credentials from a Docker credential helper, Docker Hub quota headers)
// verify its provscope-made signature; without credentials they fail. The
// requests each command costs are counted: the .sig tag is probed with
// HEAD and fetched once by digest, the image resolved with HEAD.
func TestReplicaVerifyAndReport(t *testing.T) {
	rw := startReplicaWorld(t, replica.RegistryOptions{Quota: 100})

	before, pulls := rw.rep.Counts(), rw.rep.Pulls()
	code, out, errs := runCLI(t, append([]string{"verify", rw.image, "--key", rw.key}, rw.logArgs...)...)
	if code != exitOK || !strings.Contains(out, "Verdict: verified") {
		t.Fatalf("verify %s = %d, want %d\n%s%s", rw.image, code, exitOK, out, errs)
	}
	diff, total := requests(before, rw.rep.Counts())
	verifyPulls := rw.rep.Pulls() - pulls
	logRequests(t, "verify", diff, total, verifyPulls)
	if diff["GET /token"] == 0 {
		t.Errorf("verify asked for no token: the registry's credentials were not used")
	}
	// One repository, one token: a registry client that authenticates each
	// request on its own spends the caller's quota on token round trips
	// (24 requests with 8 tokens before the shared puller, 10 with 1 now).
	if n := diff["GET /token"]; n > 1 {
		t.Errorf("verify asked for %d tokens for one repository, want 1", n)
	}
	if total > 12 {
		t.Errorf("verify made %d requests to the registry, want at most 12", total)
	}
	if diff["GET /v2/_catalog"] != 0 {
		t.Errorf("verify asked for the catalog")
	}
	if verifyPulls > 2 {
		t.Errorf("verify spent %d pulls, want at most 2 (the .sig manifest, the image manifest)", verifyPulls)
	}

	before, pulls = rw.rep.Counts(), rw.rep.Pulls()
	code, out, errs = runCLI(t, append([]string{"report", rw.image, "--key", rw.key, "--format", "json"}, rw.logArgs...)...)
	var rep struct {
		Images []struct {
			Verdict string `json:"verdict"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != exitOK || err != nil || len(rep.Images) != 1 || rep.Images[0].Verdict != "verified" {
		t.Fatalf("report %s = %d (%v), want one verified image\n%s%s", rw.image, code, err, out, errs)
	}
	diff, total = requests(before, rw.rep.Counts())
	logRequests(t, "report", diff, total, rw.rep.Pulls()-pulls)

	// Without the credential helper the token endpoint refuses.
	t.Setenv("DOCKER_CONFIG", rw.emptyDockerConfig)
	if code, out, errs := runCLI(t, append([]string{"verify", rw.image, "--key", rw.key}, rw.logArgs...)...); code == exitOK || code == exitUnpinned {
		t.Errorf("verify without credentials = %d, want a failure\n%s%s", code, out, errs)
	}
}

// TestReplicaRateLimit: a 429 with a short Retry-After is waited out and
// the request repeated, so verify still verifies; one whose Retry-After is
// beyond provscope's bound is reported, not waited for.
func TestReplicaRateLimit(t *testing.T) {
	rw := startReplicaWorld(t, replica.RegistryOptions{RetryAfter: "1"})
	verify := func() (int, string, map[string]int, int, int) {
		t.Helper()
		before, pulls := rw.rep.Counts(), rw.rep.Pulls()
		code, out, errs := runCLI(t, append([]string{"verify", rw.image, "--key", rw.key}, rw.logArgs...)...)
		diff, total := requests(before, rw.rep.Counts())
		return code, out + errs, diff, total, rw.rep.Pulls() - pulls
	}
	code, out, _, plain, _ := verify()
	if code != exitOK {
		t.Fatalf("verify = %d\n%s", code, out)
	}
	rw.rep.Throttle(1)
	code, out, diff, throttled, pulls := verify()
	logRequests(t, "verify with one 429 (Retry-After: 1)", diff, throttled, pulls)
	if code != exitOK || !strings.Contains(out, "Verdict: verified") {
		t.Fatalf("verify after a 429 = %d, want %d\n%s", code, exitOK, out)
	}
	if throttled != plain+1 {
		t.Errorf("verify after one 429 made %d requests, want %d (the same %d plus the one repeated)", throttled, plain+1, plain)
	}

	long := startReplicaWorld(t, replica.RegistryOptions{RetryAfter: "3600"})
	long.rep.Throttle(100)
	code, out, errs := runCLI(t, append([]string{"verify", long.image, "--key", long.key}, long.logArgs...)...)
	if code != exitFailed || !strings.Contains(out+errs, "TOOMANYREQUESTS") {
		t.Errorf("verify under a 1 h Retry-After = %d, want %d reporting the 429\n%s%s", code, exitFailed, out, errs)
	}
}
