// Package registry reads container images and what is attached to them from
// OCI registries: it resolves references (tag → digest, index → platform
// manifests), lists repositories and tags, summarises manifests and configs,
// and discovers and parses signatures, attestations and SBOMs stored in
// cosign's formats.
//
// It fetches and parses; it decides no trust. A parsed signature, bundle or
// attestation is handed to proof/, which verifies it; nothing here checks a
// signature, a SET or an inclusion proof.
//
// Specifications:
//   - OCI distribution spec v1.1 (catalog, tags, referrers API and the
//     referrers tag schema): https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md
//   - cosign's signature, attestation and SBOM storage (the sha256-<hex>.sig,
//     .att and .sbom tags and their layer annotations):
//     https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md
//   - Sigstore bundles stored as OCI 1.1 referrers (cosign --new-bundle-format):
//     https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto
//   - DSSE and in-toto statements: https://github.com/secure-systems-lab/dsse,
//     https://github.com/in-toto/attestation/tree/main/spec/v1
//
// Every read is bounded: manifests by Config.MaxManifestBytes, blobs by
// Config.MaxBlobBytes (a descriptor claiming more is refused before any byte
// is fetched; a body longer than it claims is cut off). Image layers are never
// downloaded: their sizes come from the manifest.
package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Default limits and timings used when a Config field is zero.
const (
	DefaultPageSize         = 100
	DefaultMaxManifestBytes = 4 << 20
	DefaultMaxBlobBytes     = 8 << 20
	DefaultTimeout          = 30 * time.Second
)

// Config says how a Client talks to registries. The zero value is usable.
type Config struct {
	// Transport carries every request; nil means a fresh http.Transport with
	// dial, TLS and response-header timeouts.
	Transport http.RoundTripper
	// Keychain supplies credentials; nil means authn.DefaultKeychain (the
	// Docker config file and its credential helpers).
	Keychain authn.Keychain
	// Insecure allows plain HTTP to any host. Without it plain HTTP is used
	// only for loopback hosts (127.0.0.0/8, ::1, localhost).
	Insecure bool
	// PageSize is the page size for catalog and tag listings.
	PageSize int
	// MaxManifestBytes bounds every manifest and referrers index read.
	MaxManifestBytes int64
	// MaxBlobBytes bounds every blob read (configs, signature payloads,
	// bundles, SBOMs).
	MaxBlobBytes int64
	// Timeout bounds each operation (one Resolve, one page, one Discover).
	Timeout time.Duration
	// Retry is the backoff for 5xx answers and transient network errors
	// (429 follows RateLimit); the zero value means 3 attempts starting at 250 ms.
	Retry remote.Backoff
	// UserAgent is sent with every request.
	UserAgent string
	// RateLimit says how 429 answers are waited out (see RateLimit).
	RateLimit RateLimit
	// ManifestCacheEntries bounds the per-client cache of manifests by
	// digest; zero means DefaultManifestCacheEntries, negative disables it.
	ManifestCacheEntries int
	// MaxTagPages bounds the pages ListTags follows; zero means
	// DefaultMaxTagPages.
	MaxTagPages int
	// SignatureRepository is the repository ("host/path") where signatures,
	// attestations, SBOMs and referrers are looked up instead of the image's
	// own, as cosign's COSIGN_REPOSITORY and --signature-repository say.
	// Empty means $COSIGN_REPOSITORY (read through Getenv), else the image's
	// repository.
	SignatureRepository string
	// Getenv reads the environment (COSIGN_REPOSITORY); nil means os.Getenv.
	Getenv func(string) string
}

func (c Config) withDefaults() Config {
	if c.Keychain == nil {
		c.Keychain = authn.DefaultKeychain
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.MaxManifestBytes <= 0 {
		c.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if c.MaxBlobBytes <= 0 {
		c.MaxBlobBytes = DefaultMaxBlobBytes
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Retry.Steps == 0 {
		c.Retry = remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}
	}
	if c.UserAgent == "" {
		c.UserAgent = "provscope"
	}
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	if c.SignatureRepository == "" {
		c.SignatureRepository = strings.TrimSpace(c.Getenv("COSIGN_REPOSITORY"))
	}
	if c.ManifestCacheEntries == 0 {
		c.ManifestCacheEntries = DefaultManifestCacheEntries
	}
	if c.MaxTagPages <= 0 {
		c.MaxTagPages = DefaultMaxTagPages
	}
	c.RateLimit = c.RateLimit.withDefaults()
	if c.Transport == nil {
		c.Transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 20 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   8,
		}
	}
	return c
}

// Client reads registries. It holds no per-request state and is safe for
// concurrent use.
type Client struct {
	cfg   Config
	rt    http.RoundTripper
	rate  *rateTransport
	cache *manifestCache
	// puller keeps one authenticated transport per repository, so that a
	// registry's bearer token is fetched once per repository and reused,
	// not once per request (Docker Hub and ghcr.io count token requests
	// against the caller's quota too).
	puller *remote.Puller
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	cfg = cfg.withDefaults()
	rate := &rateTransport{next: cfg.Transport, cfg: cfg.RateLimit, fallback: max(cfg.Retry.Duration, time.Millisecond)}
	c := &Client{
		cfg: cfg,
		rt: &guardTransport{
			next:     rate,
			insecure: cfg.Insecure,
			limit:    max(cfg.MaxManifestBytes, cfg.MaxBlobBytes),
		},
		rate:  rate,
		cache: newManifestCache(cfg.ManifestCacheEntries),
	}
	// NewPuller only fails on invalid options, which baseOptions never
	// makes; without a puller every operation authenticates on its own.
	if p, err := remote.NewPuller(c.baseOptions()...); err == nil {
		c.puller = p
	}
	return c
}

// options returns the go-containerregistry options for one operation: the
// shared puller (and so its cached per-repository tokens) with ctx.
func (c *Client) options(ctx context.Context) []remote.Option {
	opts := append(c.baseOptions(), remote.WithContext(ctx))
	if c.puller != nil {
		opts = append(opts, remote.Reuse(c.puller))
	}
	return opts
}

// baseOptions are the options every operation shares. The referrers tag
// fallback is among them because a shared puller carries its own options.
func (c *Client) baseOptions() []remote.Option {
	return []remote.Option{
		remote.WithReferrersTagFallback(true),
		remote.WithTransport(c.rt),
		remote.WithAuthFromKeychain(c.cfg.Keychain),
		remote.WithUserAgent(c.cfg.UserAgent),
		remote.WithPageSize(c.cfg.PageSize),
		remote.WithRetryBackoff(c.cfg.Retry),
		remote.WithRetryStatusCodes(retryStatusCodes...),
	}
}

// retryStatusCodes are retried with Config.Retry's backoff. 429 is not among
// them: rateTransport waits those out as Retry-After asks, within RateLimit.
var retryStatusCodes = []int{
	http.StatusInternalServerError, http.StatusBadGateway,
	http.StatusServiceUnavailable, http.StatusGatewayTimeout,
}

// nameOptions are the options for parsing references: plain HTTP is allowed
// by go-containerregistry for loopback and RFC 1918 hosts; guardTransport
// then refuses it for anything but loopback unless Insecure is set.
func (c *Client) nameOptions() []name.Option {
	if c.cfg.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// ParseReference parses an image reference such as
// "127.0.0.1:5000/app:v1" or "ghcr.io/o/r@sha256:…".
func (c *Client) ParseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s, c.nameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("parsing reference %q: %w", s, err)
	}
	return ref, nil
}

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.Timeout)
}

// IsLoopback reports whether host (with or without a port) is a loopback
// address or "localhost".
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// InsecureSchemeError reports a refused plain-HTTP request to a host that is
// not loopback.
type InsecureSchemeError struct{ Host string }

func (e *InsecureSchemeError) Error() string {
	return fmt.Sprintf("refusing plain http to non-loopback host %q (allow it with the insecure option)", e.Host)
}

// TooLargeError reports a manifest or blob over its limit.
type TooLargeError struct {
	What  string
	Size  int64
	Limit int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s exceeds the %d-byte limit", e.What, e.Limit)
	}
	return fmt.Sprintf("%s is %d bytes, limit %d", e.What, e.Size, e.Limit)
}

// StatusError is a registry answer with an HTTP error status.
type StatusError struct {
	StatusCode int
	Err        error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// IsNotFound reports whether err is a registry 404 (or a NAME/MANIFEST/BLOB
// UNKNOWN error code).
func IsNotFound(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		if te.StatusCode == http.StatusNotFound {
			return true
		}
		for _, d := range te.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return true
			}
		}
	}
	return false
}

// classify turns go-containerregistry transport errors into StatusError so
// callers need not import transport.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var te *transport.Error
	if errors.As(err, &te) {
		return &StatusError{StatusCode: te.StatusCode, Err: err}
	}
	return err
}

// guardTransport refuses plain HTTP to non-loopback hosts and cuts off
// response bodies beyond limit bytes.
type guardTransport struct {
	next     http.RoundTripper
	insecure bool
	limit    int64
}

func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.insecure && !IsLoopback(req.URL.Host) {
		return nil, &InsecureSchemeError{Host: req.URL.Host}
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > g.limit && req.Method == http.MethodGet {
		resp.Body.Close()
		return nil, &TooLargeError{What: "response from " + req.URL.Path, Size: resp.ContentLength, Limit: g.limit}
	}
	resp.Body = &limitedBody{rc: resp.Body, left: g.limit, what: "response from " + req.URL.Path, limit: g.limit}
	return resp, nil
}

// limitedBody fails a read once more than limit bytes have come.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	what  string
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &TooLargeError{What: l.what, Size: -1, Limit: l.limit}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n - int(-l.left), &TooLargeError{What: l.what, Size: -1, Limit: l.limit}
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }
