// Package replica is a replica of the public world for tests: an OCI
// registry front that behaves like ghcr.io and Docker Hub, and a Sigstore
// TUF repository, both served on 127.0.0.1 by the test itself.
//
// The registry front (StartRegistry) wraps registry/embedded's in-memory
// registry and, like the hosted registries described in
// /work/shared/REGISTRIES.md:
//   - refuses GET /v2/_catalog (404 UNSUPPORTED like ghcr.io and Docker Hub,
//     or 401/403 with RegistryOptions.Catalog);
//   - demands bearer tokens: every /v2/ request without one gets 401 with
//     `WWW-Authenticate: Bearer realm="<url>/token",service="replica",scope="repository:<name>:pull"`;
//     the token endpoint issues tokens anonymously, or only for the
//     RegistryOptions.Users (HTTP basic), each token scoped to the
//     repositories it was asked for (a token for one repository does not
//     read another);
//   - counts requests per "METHOD PATH" (Count, Counts) and a manifest GET as
//     a pull;
//   - sends Docker Hub's `ratelimit-limit: N;w=21600` and
//     `ratelimit-remaining` headers when RegistryOptions.Quota is set, and
//     answers 429 toomanyrequests with Retry-After once the quota is spent
//     or when Throttle asks for it.
//
// Images are pushed without auth through Backend (the same storage), then
// read through Host as a client would out there.
//
// The TUF repository (NewTUF) serves a Sigstore-style TUF repository
// (trusted_root.json and signing_config.v0.2.json as targets, consistent
// snapshots, one ed25519 key per role) built with go-tuf/v2 and can publish
// new versions (a rotated Rekor v2 shard), or tamper with its metadata (a
// bad signature, a rolled-back version) to test that clients refuse it.
//
// To drive provscope end to end against the replica (explorer, verify,
// report): start both, push and sign an image through Backend, then run
// with the registry reference on Host, DOCKER_CONFIG pointing at a config
// with credentials when Users is set, and `--tuf-url TUF.URL --tuf-root
// <file with TUF.InitialRoot()>` for trust material.
package replica

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/provscope/provscope/registry/embedded"
)

// Catalog says how the front answers GET /v2/_catalog.
type Catalog int

// The catalog behaviours.
const (
	// CatalogUnsupported answers 404 UNSUPPORTED (ghcr.io, Docker Hub).
	CatalogUnsupported Catalog = iota
	// CatalogUnauthorized answers 401 UNAUTHORIZED whatever the token.
	CatalogUnauthorized
	// CatalogForbidden answers 403 DENIED.
	CatalogForbidden
	// CatalogAllowed passes the catalog through (a self-hosted registry).
	CatalogAllowed
)

// RegistryOptions configure the front. The zero value is ghcr.io-like:
// no catalog, anonymous tokens, no quota.
type RegistryOptions struct {
	Catalog Catalog
	// Users, when not empty, are the only basic credentials the token
	// endpoint accepts (user → password); anonymous token requests are
	// then refused.
	Users map[string]string
	// Quota, when positive, is the number of manifest GETs ("pulls")
	// allowed; each answer carries ratelimit headers with window
	// QuotaWindow seconds (default 21600) and pulls beyond it get 429.
	Quota       int
	QuotaWindow int
	// RetryAfter is the Retry-After value sent with a 429 ("" sends none).
	RetryAfter string
}

// Registry is a running registry front.
type Registry struct {
	opts    RegistryOptions
	front   *httptest.Server
	backend *httptest.Server
	inner   http.Handler

	mu       sync.Mutex
	counts   map[string]int
	tokens   map[string][]string // token → repositories it may pull
	pulls    int
	throttle int
}

// StartRegistry starts a front and its backend on 127.0.0.1. Close stops both.
func StartRegistry(opts RegistryOptions) *Registry {
	if opts.QuotaWindow <= 0 {
		opts.QuotaWindow = 21600
	}
	r := &Registry{
		opts:   opts,
		inner:  embedded.NewHandler(),
		counts: map[string]int{},
		tokens: map[string][]string{},
	}
	r.backend = httptest.NewServer(r.inner)
	r.front = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Host is the front's "127.0.0.1:port": read images through it.
func (r *Registry) Host() string { return strings.TrimPrefix(r.front.URL, "http://") }

// Backend is "127.0.0.1:port" of the same storage without auth, quota or
// counting: push images through it.
func (r *Registry) Backend() string { return strings.TrimPrefix(r.backend.URL, "http://") }

// Close stops the front and the backend.
func (r *Registry) Close() {
	r.front.Close()
	r.backend.Close()
}

// Count returns how many requests the front received for method and path
// (such as "GET", "/v2/app/manifests/sha256:…").
func (r *Registry) Count(method, path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[method+" "+path]
}

// Counts returns a copy of every "METHOD PATH" count.
func (r *Registry) Counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}

// Pulls returns the number of manifest GETs served (what Docker Hub counts).
func (r *Registry) Pulls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pulls
}

// Throttle makes the next n /v2/ requests (after authentication) answer
// 429 with RetryAfter.
func (r *Registry) Throttle(n int) {
	r.mu.Lock()
	r.throttle = n
	r.mu.Unlock()
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.counts[req.Method+" "+req.URL.Path]++
	r.mu.Unlock()
	if req.URL.Path == "/token" {
		r.serveToken(w, req)
		return
	}
	if !strings.HasPrefix(req.URL.Path, "/v2/") {
		http.NotFound(w, req)
		return
	}
	if req.URL.Path == "/v2/_catalog" {
		r.serveCatalog(w, req)
		return
	}
	repo := repoOf(req.URL.Path)
	if !r.authorised(req, repo) {
		scope := ""
		if repo != "" {
			scope = fmt.Sprintf(",scope=\"repository:%s:pull\"", repo)
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q,service=\"replica\"%s", r.front.URL+"/token", scope))
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	isPull := req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/")
	r.mu.Lock()
	throttled := r.throttle > 0
	if throttled {
		r.throttle--
	}
	overQuota := r.opts.Quota > 0 && isPull && r.pulls >= r.opts.Quota
	if isPull && !throttled && !overQuota {
		r.pulls++
	}
	remaining := r.opts.Quota - r.pulls
	r.mu.Unlock()
	if r.opts.Quota > 0 {
		w.Header().Set("Ratelimit-Limit", fmt.Sprintf("%d;w=%d", r.opts.Quota, r.opts.QuotaWindow))
		w.Header().Set("Ratelimit-Remaining", fmt.Sprintf("%d;w=%d", max(remaining, 0), r.opts.QuotaWindow))
		w.Header().Set("Docker-Ratelimit-Source", "127.0.0.1")
	}
	if throttled || overQuota {
		if r.opts.RetryAfter != "" {
			w.Header().Set("Retry-After", r.opts.RetryAfter)
		}
		writeError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "you have reached your pull rate limit")
		return
	}
	r.inner.ServeHTTP(w, req)
}

func (r *Registry) serveCatalog(w http.ResponseWriter, req *http.Request) {
	switch r.opts.Catalog {
	case CatalogUnauthorized:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q,service=\"replica\",scope=\"registry:catalog:*\"", r.front.URL+"/token"))
		writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
	case CatalogForbidden:
		writeError(w, http.StatusForbidden, "DENIED", "requested access to the resource is denied")
	case CatalogAllowed:
		r.inner.ServeHTTP(w, req)
	default:
		writeError(w, http.StatusNotFound, "UNSUPPORTED", "The operation is unsupported.")
	}
}

// repoOf returns the repository name of a /v2/<name>/{manifests,blobs,tags,referrers}/… path.
func repoOf(path string) string {
	rest := strings.TrimPrefix(path, "/v2/")
	for _, sep := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(rest, sep); i > 0 {
			return rest[:i]
		}
	}
	return ""
}

// authorised reports whether req carries a token that may pull repo (any
// valid token for "/v2/").
func (r *Registry) authorised(req *http.Request, repo string) bool {
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	repos, ok := r.tokens[tok]
	if !ok {
		return false
	}
	if repo == "" {
		return true
	}
	for _, p := range repos {
		if p == repo {
			return true
		}
	}
	return false
}

func (r *Registry) serveToken(w http.ResponseWriter, req *http.Request) {
	if len(r.opts.Users) > 0 {
		u, p, ok := req.BasicAuth()
		if want, known := r.opts.Users[u]; !ok || !known || want != p {
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "incorrect username or password")
			return
		}
	}
	var repos []string
	for _, s := range req.URL.Query()["scope"] {
		for one := range strings.FieldsSeq(s) {
			parts := strings.Split(one, ":")
			if len(parts) == 3 && parts[0] == "repository" && strings.Contains(parts[2], "pull") {
				repos = append(repos, parts[1])
			}
		}
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	r.mu.Lock()
	r.tokens[tok] = repos
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"errors":[{"code":%s,"message":%s}]}`, strconv.Quote(code), strconv.Quote(msg))
}
