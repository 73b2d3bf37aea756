package registry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
)

// fakeSleep records the waits asked for and returns at once.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeSleep) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

func replicaClient(cfg registry.Config) *registry.Client {
	if cfg.Keychain == nil {
		cfg.Keychain = authn.NewMultiKeychain()
	}
	cfg.Timeout = 10 * time.Second
	cfg.Retry = remote.Backoff{Duration: 10 * time.Millisecond, Factor: 2, Steps: 3}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	return registry.New(cfg)
}

func startReplica(t *testing.T, opts replica.RegistryOptions) *replica.Registry {
	t.Helper()
	r := replica.StartRegistry(opts)
	t.Cleanup(r.Close)
	return r
}

// TestCatalogLessRegistry: a ghcr.io-like registry refuses _catalog; the
// listing says why, and a named repository still lists all its tags
// through tags/list pages linked by Link headers, bounded in page count.
func TestCatalogLessRegistry(t *testing.T) {
	for _, tc := range []struct {
		catalog     replica.Catalog
		wantStatus  int
		wantRefused bool
	}{
		{replica.CatalogUnsupported, http.StatusNotFound, false},
		{replica.CatalogUnauthorized, http.StatusUnauthorized, true},
		{replica.CatalogForbidden, http.StatusForbidden, true},
	} {
		t.Run(fmt.Sprint(tc.wantStatus), func(t *testing.T) {
			rep := startReplica(t, replica.RegistryOptions{Catalog: tc.catalog})
			c := replicaClient(registry.Config{PageSize: 2})
			_, err := c.Repositories(context.Background(), rep.Host(), "")
			var ce *registry.CatalogUnavailableError
			if !errors.As(err, &ce) {
				t.Fatalf("Repositories = %v, want a *CatalogUnavailableError", err)
			}
			if ce.StatusCode != tc.wantStatus || ce.Refused() != tc.wantRefused || ce.Host != rep.Host() {
				t.Errorf("CatalogUnavailableError = %+v refused=%v, want status %d refused=%v", ce, ce.Refused(), tc.wantStatus, tc.wantRefused)
			}
		})
	}

	rep := startReplica(t, replica.RegistryOptions{})
	want := []string{"a", "b", "c", "d", "e"}
	for _, tag := range want {
		pushImage(t, rep.Backend()+"/team/app:"+tag, "app", "amd64")
	}
	c := replicaClient(registry.Config{PageSize: 2})
	l, err := c.ListTags(context.Background(), rep.Host()+"/team/app")
	if err != nil {
		t.Fatalf("ListTags: %v", err)
	}
	if !slices.Equal(l.Tags, want) || l.Pages != 3 || l.Truncated {
		t.Errorf("ListTags = %+v, want %v in 3 pages, not truncated", l, want)
	}
	if got := rep.Count("GET", "/v2/_catalog"); got != 0 {
		t.Errorf("ListTags asked for the catalog %d times", got)
	}

	c = replicaClient(registry.Config{PageSize: 2, MaxTagPages: 2})
	l, err = c.ListTags(context.Background(), rep.Host()+"/team/app")
	if err != nil {
		t.Fatalf("ListTags with 2 pages: %v", err)
	}
	if !slices.Equal(l.Tags, want[:4]) || l.Pages != 2 || !l.Truncated {
		t.Errorf("ListTags bounded to 2 pages = %+v, want %v truncated", l, want[:4])
	}

	// The page-by-page API works without the catalog too.
	p, err := c.Tags(context.Background(), rep.Host()+"/team/app", "")
	if err != nil || len(p.Items) != 2 || p.Items[0].Digest == "" || p.Next != "b" {
		t.Errorf("Tags = %+v, %v; want 2 resolved tags and next \"b\"", p, err)
	}
}

// TestNextLinkStaysOnHost: a Link header pointing at another host is not
// followed (no credential leaves the registry); the listing says it stopped.
func TestNextLinkStaysOnHost(t *testing.T) {
	host := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") {
				w.Header().Set("Link", `<http://evil.example/v2/x/tags/list?last=a>; rel="next"`)
				_, _ = w.Write([]byte(`{"name":"x","tags":["a"]}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	l, err := testClient().ListTags(context.Background(), host+"/x")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Tags, []string{"a"}) || !l.Truncated || l.Pages != 1 {
		t.Errorf("ListTags = %+v, want [a] truncated after 1 page", l)
	}
}

// TestRetryAfter429: a 429 is waited out for as long as Retry-After says,
// a bounded number of times, and not at all when it asks for too long.
func TestRetryAfter429(t *testing.T) {
	rep := startReplica(t, replica.RegistryOptions{RetryAfter: "7"})
	d := pushImage(t, rep.Backend()+"/app:v1", "app", "amd64")
	ref := rep.Host() + "/app@" + d.DigestStr()

	var fs fakeSleep
	c := replicaClient(registry.Config{RateLimit: registry.RateLimit{Sleep: fs.Sleep}})
	rep.Throttle(2)
	if _, err := c.Resolve(context.Background(), ref); err != nil {
		t.Fatalf("Resolve after two 429s: %v", err)
	}
	if got := fs.Waits(); !slices.Equal(got, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("waits = %v, want [7s 7s]", got)
	}

	fs = fakeSleep{}
	c = replicaClient(registry.Config{RateLimit: registry.RateLimit{Sleep: fs.Sleep, MaxRetries: 2}})
	rep.Throttle(10)
	_, err := c.Resolve(context.Background(), ref)
	var se *registry.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("Resolve under a lasting 429 = %v, want a 429 StatusError", err)
	}
	if got := len(fs.Waits()); got != 2 {
		t.Errorf("waited %d times, want 2 (MaxRetries)", got)
	}

	fs = fakeSleep{}
	c = replicaClient(registry.Config{RateLimit: registry.RateLimit{Sleep: fs.Sleep, MaxWait: 5 * time.Second}})
	rep.Throttle(1)
	if _, err := c.Resolve(context.Background(), ref); !errors.As(err, &se) || se.StatusCode != http.StatusTooManyRequests {
		t.Errorf("Resolve with Retry-After over MaxWait = %v, want a 429 StatusError", err)
	}
	if got := fs.Waits(); len(got) != 0 {
		t.Errorf("waited %v for a Retry-After over MaxWait", got)
	}
	rep.Throttle(0)

	// A cancelled context ends the wait.
	ctx, cancel := context.WithCancel(context.Background())
	c = replicaClient(registry.Config{RateLimit: registry.RateLimit{Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}})
	rep.Throttle(1)
	if _, err := c.Resolve(ctx, ref); !errors.Is(err, context.Canceled) {
		t.Errorf("Resolve cancelled during a wait = %v, want context.Canceled", err)
	}
}

// TestQuotaHeaders: Docker Hub's ratelimit headers show up in Quota.
func TestQuotaHeaders(t *testing.T) {
	rep := startReplica(t, replica.RegistryOptions{Quota: 10, QuotaWindow: 21600, RetryAfter: "1"})
	d := pushImage(t, rep.Backend()+"/app:v1", "app", "amd64")
	c := replicaClient(registry.Config{})
	if _, ok := c.Quota(); ok {
		t.Fatal("Quota known before any request")
	}
	if _, err := c.Resolve(context.Background(), rep.Host()+"/app@"+d.DigestStr()); err != nil {
		t.Fatal(err)
	}
	q, ok := c.Quota()
	want := registry.Quota{Host: rep.Host(), Limit: 10, Remaining: 9, Window: 6 * time.Hour, Source: "127.0.0.1"}
	if !ok || q != want {
		t.Errorf("Quota = %+v, %v; want %+v", q, ok, want)
	}
}

// TestManifestFetchedOncePerDigest: resolving a tag, then the same image by
// digest (as inspect does before Discover), costs one manifest GET — one
// Docker Hub pull — and so does resolving an index twice.
func TestManifestFetchedOncePerDigest(t *testing.T) {
	rep := startReplica(t, replica.RegistryOptions{})
	d := pushImage(t, rep.Backend()+"/app:v1", "app", "amd64")
	c := replicaClient(registry.Config{})
	ctx := context.Background()
	if _, err := c.Resolve(ctx, rep.Host()+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.Resolve(ctx, rep.Host()+"/app@"+d.DigestStr()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Discover(ctx, rep.Host()+"/app@"+d.DigestStr()); err != nil {
		t.Fatal(err)
	}
	if got := rep.Count("GET", "/v2/app/manifests/v1") + rep.Count("GET", "/v2/app/manifests/"+d.DigestStr()); got != 1 {
		t.Errorf("image manifest fetched %d times, want 1; requests: %v", got, rep.Counts())
	}
	// Another client has its own cache.
	if _, err := replicaClient(registry.Config{}).Resolve(ctx, rep.Host()+"/app@"+d.DigestStr()); err != nil {
		t.Fatal(err)
	}
	if got := rep.Count("GET", "/v2/app/manifests/"+d.DigestStr()); got != 1 {
		t.Errorf("a second client fetched the manifest %d times, want 1", got)
	}
	// The cache is per repository: the digest is not found in another one.
	if _, err := c.Resolve(ctx, rep.Host()+"/other@"+d.DigestStr()); !registry.IsNotFound(errors.Unwrap(err)) && err == nil {
		t.Errorf("Resolve of the digest in a repository without it = %v, want an error", err)
	}
}

// TestDockerConfigCredentialHelper: with no Keychain, credentials come from
// the Docker config named by DOCKER_CONFIG, here through a credential helper
// program found on PATH; the registry's bearer-token flow is then followed.
func TestDockerConfigCredentialHelper(t *testing.T) {
	rep := startReplica(t, replica.RegistryOptions{Users: map[string]string{"alice": "s3cret"}})
	d := pushImage(t, rep.Backend()+"/private/app:v1", "app", "amd64")
	ref := rep.Host() + "/private/app@" + d.DigestStr()

	for _, tc := range []struct{ name, config string }{
		{"credHelpers", fmt.Sprintf(`{"credHelpers":{%q:"test"}}`, rep.Host())},
		{"credsStore", `{"credsStore":"test"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			cfgDir := filepath.Join(dir, "docker")
			called := filepath.Join(dir, "called")
			for _, p := range []string{bin, cfgDir} {
				if err := os.MkdirAll(p, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			script := fmt.Sprintf("#!/bin/sh\nread server\necho \"$1 $server\" >> %q\necho '{\"ServerURL\":\"'\"$server\"'\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}'\n", called)
			if err := os.WriteFile(filepath.Join(bin, "docker-credential-test"), []byte(script), 0o700); err != nil { //nolint:gosec // G306: the helper must be executable
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(tc.config), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("DOCKER_CONFIG", cfgDir)
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

			c := registry.New(registry.Config{Timeout: 10 * time.Second, Getenv: func(string) string { return "" }})
			img, err := c.Resolve(context.Background(), ref)
			if err != nil {
				t.Fatalf("Resolve with the credential helper: %v", err)
			}
			if img.Digest != d.DigestStr() {
				t.Errorf("Resolve = %s, want %s", img.Digest, d.DigestStr())
			}
			log, err := os.ReadFile(called)
			if err != nil || !strings.Contains(string(log), "get "+rep.Host()) {
				t.Errorf("credential helper log = %q, %v; want a get for %s", log, err, rep.Host())
			}
		})
	}

	// Without credentials the token endpoint refuses and so does the read.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	c := registry.New(registry.Config{Timeout: 10 * time.Second, Getenv: func(string) string { return "" }})
	_, err := c.Resolve(context.Background(), ref)
	var se *registry.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
		t.Errorf("Resolve without credentials = %v, want a 401 StatusError", err)
	}
}

// TestAnonymousTokensPerRepository: anonymous bearer tokens, scoped to one
// repository each, as ghcr.io and Docker Hub hand them out; one client reads
// two repositories (a token per repository).
func TestAnonymousTokensPerRepository(t *testing.T) {
	rep := startReplica(t, replica.RegistryOptions{})
	d1 := pushImage(t, rep.Backend()+"/one:v1", "one", "amd64")
	d2 := pushImage(t, rep.Backend()+"/two:v1", "two", "arm64")
	c := replicaClient(registry.Config{})
	for _, ref := range []string{rep.Host() + "/one@" + d1.DigestStr(), rep.Host() + "/two@" + d2.DigestStr()} {
		if _, err := c.Resolve(context.Background(), ref); err != nil {
			t.Fatalf("Resolve %s: %v", ref, err)
		}
	}
	if rep.Count("GET", "/token") < 2 {
		t.Errorf("token endpoint asked %d times, want a token per repository", rep.Count("GET", "/token"))
	}
	// A raw request with no token is challenged.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+rep.Host()+"/v2/one/manifests/v1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer realm=") {
		t.Errorf("unauthenticated GET = %d %q, want 401 with a Bearer challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestSignatureRepository signs with real cosign and COSIGN_REPOSITORY set,
// and finds the signature through Config.SignatureRepository and through
// $COSIGN_REPOSITORY, and not beside the image.
func TestSignatureRepository(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	dir := t.TempDir()
	rep := startReplica(t, replica.RegistryOptions{})
	d := pushImage(t, rep.Backend()+"/team/app:v1", "app", "amd64")
	env := toolEnv(dir)
	runTool(t, dir, env, cosign, "generate-key-pair")
	runTool(t, dir, append(env, "COSIGN_REPOSITORY="+rep.Backend()+"/sigs"), cosign,
		"sign", "--key", "cosign.key", "--tlog-upload=false", rep.Backend()+"/team/app@"+d.DigestStr())

	ref := rep.Host() + "/team/app@" + d.DigestStr()
	sigTag := registry.CosignTag(d.DigestStr(), registry.SuffixSignature)
	for _, tc := range []struct {
		name string
		cfg  registry.Config
	}{
		{"config", registry.Config{SignatureRepository: rep.Host() + "/sigs"}},
		{"env", registry.Config{Getenv: func(k string) string {
			if k == "COSIGN_REPOSITORY" {
				return rep.Host() + "/sigs"
			}
			return ""
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := replicaClient(tc.cfg)
			atts, err := c.Discover(context.Background(), ref)
			if err != nil {
				t.Fatalf("Discover: %v", err)
			}
			var sigs []model.Attachment
			for _, a := range atts {
				if a.Kind == model.AttachSignature {
					sigs = append(sigs, a)
				}
			}
			wantSource := "tag:" + rep.Host() + "/sigs:" + sigTag
			if len(sigs) != 1 || sigs[0].Source != wantSource || sigs[0].SignedDigest != d.DigestStr() || sigs[0].Err != "" {
				t.Fatalf("signatures = %+v, want one from %s signing %s", sigs, wantSource, d.DigestStr())
			}
		})
	}
	atts, err := replicaClient(registry.Config{}).Discover(context.Background(), ref)
	if err != nil || len(atts) != 0 {
		t.Errorf("Discover beside the image = %v, %v; want nothing (the signature is elsewhere)", atts, err)
	}
}

// TestAttachmentTagsProbedWithHead: cosign's .sig/.att/.sbom tags are probed
// with HEAD (not a Docker Hub pull); only a tag that exists is fetched, by
// digest.
func TestAttachmentTagsProbedWithHead(t *testing.T) {
	rep := startReplica(t, replica.RegistryOptions{})
	d := pushImage(t, rep.Backend()+"/app:v1", "app", "amd64")
	signed := pushImage(t, rep.Backend()+"/app:"+registry.CosignTag(d.DigestStr(), registry.SuffixSignature), "not really a signature", "amd64")
	c := replicaClient(registry.Config{})
	if _, err := c.Discover(context.Background(), rep.Host()+"/app@"+d.DigestStr()); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{registry.SuffixSignature, registry.SuffixAttestation, registry.SuffixSBOM} {
		path := "/v2/app/manifests/" + registry.CosignTag(d.DigestStr(), suffix)
		if rep.Count("HEAD", path) != 1 || rep.Count("GET", path) != 0 {
			t.Errorf("%s: %d HEAD, %d GET; want 1 HEAD, 0 GET", suffix, rep.Count("HEAD", path), rep.Count("GET", path))
		}
	}
	if got := rep.Count("GET", "/v2/app/manifests/"+signed.DigestStr()); got != 1 {
		t.Errorf("existing .sig fetched by digest %d times, want 1", got)
	}
}
