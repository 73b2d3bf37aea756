// Package demo starts provscope's offline demo world in-process: an embedded
// OCI registry (registry/embedded) and an embedded Rekor-compatible log
// (rekor/server), both on 127.0.0.1, seeded with a deterministic set of
// images, signatures, attestations and SBOMs that covers every case an
// investigator meets: valid signatures in cosign's legacy and new bundle
// formats, a key rotation, a SLSA provenance attestation, SBOMs, keyless
// signatures (Fulcio-style certificates for a person's email and for a CI
// workflow, from the demo's own CA and CT log: package internal/keyless), a
// tampered signature, a signature that was never logged ("stealth
// signing"), an unsigned image, a tag moved after signing and an entry
// logged twice.
//
// Everything is derived from fixed seeds (keys, the CA, image contents) and
// fixed times (the certificates' validity), and signed deterministically
// (RFC 6979), so a world re-seeded over a persisted log (Options.Dir) is
// byte-identical and finds its entries already logged; only the log's
// timestamps and key are the log's own. The registry lives in memory and is
// re-seeded at every start.
//
// The case table (World.Cases) says what verification must conclude for each
// image; tests hold cosign and provscope to it. Nothing here verifies.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	rekorclient "github.com/sigstore/rekor/pkg/client"

	"github.com/provscope/provscope/internal/httplimit"
	"github.com/provscope/provscope/internal/keyless"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/registry/embedded"
	"github.com/provscope/provscope/rekor/server"
)

// Options configures Start.
type Options struct {
	// Dir holds the log's data (key, tree ID, entries) and the files written
	// for the clients (public keys, trusted root). Empty means a temporary
	// directory removed by Close.
	Dir string
	// RegistryAddr and LogAddr fix the listen addresses (host:port on
	// loopback); empty means a random port on 127.0.0.1.
	RegistryAddr string
	LogAddr      string
}

// Key is one of the world's signing keys.
type Key struct {
	// Name is "2025" (the key rotated out) or "2026" (the current key).
	Name         string
	PublicKeyPEM []byte
	// Fingerprint is the hex SHA-256 of the DER SPKI.
	Fingerprint string
	// PublicKeyPath is where the PEM was written, inside the data directory.
	PublicKeyPath string
	signer        *cosignfmt.Signer
}

// Case is one row of the world's table: an image, what is special about it
// and what verification must say.
type Case struct {
	// Name is a short stable identifier, such as "tampered".
	Name string
	// Image is the reference by tag; Digest is the manifest digest the tag
	// points to now.
	Image  string
	Digest string
	// Special says in a few words what is special about the image.
	Special string
	// Key names the key to verify with (Key.Name); "" when no key applies,
	// as for a keyless signature.
	Key string
	// Identity and Issuer are a keyless signature's certificate identity
	// (its SAN: an email address or a URI) and OIDC issuer, what
	// cosign verify --certificate-identity and --certificate-oidc-issuer
	// take with the demo trusted root; "" for key-signed images.
	Identity string
	Issuer   string
	// Format is "legacy" (.sig tag, cosign's default), "bundle" (a Sigstore
	// bundle referrer: verify with --new-bundle-format) or "" when unsigned.
	Format string
	// Expect is the verdict verification must reach; Expectation adds the
	// details in plain words.
	Expect      model.Verdict
	Expectation string
	// Attestation names a predicate type (cosign verify-attestation --type
	// value) that must verify as well; "" when none.
	Attestation string
	// LogEntries is how many log entries are about this image's signatures.
	LogEntries int
	// Untrusted marks an image signed and logged by a key outside the
	// world's trust policy (TrustedSigners): it fails under that policy
	// and under Key, and without a pinned signer it is unpinned.
	Untrusted bool
}

// World is a running demo world.
type World struct {
	// RegistryHost is "127.0.0.1:<port>".
	RegistryHost string
	// LogURL is "http://127.0.0.1:<port>".
	LogURL string
	// LogPublicKeyPEM is the log's key; LogPublicKeyPath where it was written.
	LogPublicKeyPEM  []byte
	LogPublicKeyPath string
	// TrustedRootPath is a Sigstore trusted root naming the log and the
	// demo CA with its CT log, for cosign verify --trusted-root (bundles,
	// keyless signatures).
	TrustedRootPath string
	// FulcioRootPath is the demo CA's certificate and CTLogPublicKeyPath its
	// CT log's key (PEM), for the cosign commands that take no trusted root
	// for the legacy format (verify-attestation): SIGSTORE_ROOT_FILE and
	// SIGSTORE_CT_LOG_PUBLIC_KEY_FILE.
	FulcioRootPath     string
	CTLogPublicKeyPath string
	// Dir is the data directory.
	Dir   string
	Keys  []Key
	Cases []Case
	// RogueKeyFingerprint is the fingerprint of the key that signed the
	// Untrusted case, which no policy of the world trusts.
	RogueKeyFingerprint string
	// ReadyIn is how long Start took.
	ReadyIn time.Duration

	ca      *keyless.CA
	reg     *embedded.Registry
	logSrv  *http.Server
	logDone chan error
	log     *server.Log
	tempDir bool
	// upload logs entries into the world's log (the seeder's and Append's).
	upload cosignfmt.Uploader
	// stopGrow stops the goroutines Grow started and waits for them.
	stopGrow []func()
}

// Start starts the registry and the log, seeds the world and returns it.
// Close it when done.
func Start(ctx context.Context, opts Options) (_ *World, err error) {
	start := time.Now()
	w := &World{Dir: opts.Dir}
	defer func() {
		if err != nil {
			_ = w.Close()
		}
	}()
	if w.Dir == "" {
		d, err := os.MkdirTemp("", "provscope-demo-")
		if err != nil {
			return nil, fmt.Errorf("creating temporary directory: %w", err)
		}
		w.Dir, w.tempDir = d, true
	}
	if err := os.MkdirAll(w.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	if !w.tempDir {
		opts = rememberAddrs(ctx, w.Dir, opts)
	}
	if w.log, err = server.Open(ctx, server.Config{Dir: filepath.Join(w.Dir, "log")}); err != nil {
		return nil, fmt.Errorf("opening the demo log: %w", err)
	}
	if err := w.serveLog(ctx, opts.LogAddr); err != nil {
		return nil, err
	}
	if w.reg, err = embedded.Start(opts.RegistryAddr); err != nil {
		return nil, fmt.Errorf("starting the demo registry: %w", err)
	}
	w.RegistryHost = w.reg.Host()
	w.LogPublicKeyPEM = w.log.PublicKeyPEM()
	if !w.tempDir {
		if err := saveAddrs(w.Dir, w.RegistryHost, strings.TrimPrefix(w.LogURL, "http://")); err != nil {
			return nil, err
		}
	}
	if err := w.writeClientFiles(); err != nil {
		return nil, err
	}
	rc, err := rekorclient.GetRekorClient(w.LogURL, rekorclient.WithRetryCount(2), rekorclient.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		return nil, fmt.Errorf("creating log client: %w", err)
	}
	w.upload = cosignfmt.RekorUploader(rc)
	s := &seeder{
		w:      w,
		upload: w.upload,
		ctx:    ctx,
		ropts:  []remote.Option{remote.WithContext(ctx), remote.WithAuth(authn.Anonymous)},
	}
	if err := s.seed(); err != nil {
		return nil, fmt.Errorf("seeding the demo world: %w", err)
	}
	w.ReadyIn = time.Since(start)
	return w, nil
}

func (w *World) serveLog(ctx context.Context, addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listening for the demo log on %s: %w", addr, err)
	}
	w.LogURL = "http://" + ln.Addr().String()
	// The same connection limits and timeouts as `provscope serve`; the
	// log applies its own body limits.
	srv, lln := httplimit.Default().Server(ln, w.log.Handler())
	srv.ErrorLog = log.New(io.Discard, "", 0)
	w.logSrv = srv
	w.logDone = make(chan error, 1)
	go func() { w.logDone <- w.logSrv.Serve(lln) }()
	return nil
}

// writeClientFiles writes the log key, the signing public keys, the demo
// CA's certificate and CT log key, and a trusted root into the data
// directory, for cosign and rekor-cli.
func (w *World) writeClientFiles() error {
	w.LogPublicKeyPath = filepath.Join(w.Dir, "log.pub")
	if err := os.WriteFile(w.LogPublicKeyPath, w.LogPublicKeyPEM, 0o644); err != nil { //nolint:gosec // G306: a public key, meant to be read by others
		return fmt.Errorf("writing log key: %w", err)
	}
	for _, k := range keySeeds {
		key, err := cosignfmt.KeyFromSeed(k.seed)
		if err != nil {
			return err
		}
		s, err := cosignfmt.NewSigner(key)
		if err != nil {
			return err
		}
		p := filepath.Join(w.Dir, "key-"+k.name+".pub")
		if err := os.WriteFile(p, s.PublicKeyPEM(), 0o644); err != nil { //nolint:gosec // G306: a public key, meant to be read by others
			return fmt.Errorf("writing public key: %w", err)
		}
		w.Keys = append(w.Keys, Key{Name: k.name, PublicKeyPEM: s.PublicKeyPEM(), Fingerprint: s.KeyFingerprint(), PublicKeyPath: p, signer: s})
	}
	ca, err := keyless.NewCA(caConfig())
	if err != nil {
		return err
	}
	w.ca = ca
	ctKey, err := ca.CTLogPublicKeyPEM()
	if err != nil {
		return err
	}
	w.FulcioRootPath, w.CTLogPublicKeyPath = filepath.Join(w.Dir, "fulcio.crt.pem"), filepath.Join(w.Dir, "ctfe.pub")
	for p, b := range map[string][]byte{w.FulcioRootPath: ca.RootPEM(), w.CTLogPublicKeyPath: ctKey} {
		if err := os.WriteFile(p, b, 0o644); err != nil { //nolint:gosec // G306: a certificate and a public key, meant to be read by others
			return fmt.Errorf("writing the demo ca's files: %w", err)
		}
	}
	tr, err := ca.TrustedRoot(w.LogURL, w.LogPublicKeyPEM)
	if err != nil {
		return err
	}
	w.TrustedRootPath = filepath.Join(w.Dir, "trusted_root.json")
	if err := os.WriteFile(w.TrustedRootPath, tr, 0o644); err != nil { //nolint:gosec // G306: a trusted root holds public keys only, meant to be read by others
		return fmt.Errorf("writing trusted root: %w", err)
	}
	return nil
}

// WritePrivateKeys writes the signing keys in cosign's encrypted format
// (key-<name>.key, password pw) into the data directory, so that cosign can
// sign with them too. It takes a moment (scrypt), so Start does not do it.
func (w *World) WritePrivateKeys(pw []byte) ([]string, error) {
	var paths []string
	for _, k := range w.Keys {
		b, err := k.signer.EncryptedPrivateKeyPEM(pw)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(w.Dir, "key-"+k.Name+".key")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return nil, fmt.Errorf("writing private key: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Key returns the key named name.
func (w *World) Key(name string) (Key, bool) {
	for _, k := range w.Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// TrustedSigners is the world's own trust policy: its signing keys (2025,
// rotated out, and 2026) and the keyless identities of its CA (alice and
// the release workflow). `provscope demo` pins it, so the world's images
// verify and the rogue key's image fails.
func (w *World) TrustedSigners() []proof.TrustedSigner {
	ts := make([]proof.TrustedSigner, 0, len(w.Keys)+2)
	for _, k := range w.Keys {
		ts = append(ts, proof.TrustedSigner{Name: "key " + k.Name, KeyFingerprint: k.Fingerprint, KeyPEM: k.PublicKeyPEM})
	}
	return append(ts,
		proof.TrustedSigner{Name: "alice", Identity: aliceIdentity, Issuer: aliceIssuer},
		proof.TrustedSigner{Name: "release workflow", Identity: ciIdentity, Issuer: ciIssuer})
}

// Close stops the registry and the log and removes a temporary data
// directory.
func (w *World) Close() error {
	var errs []error
	for _, stop := range w.stopGrow {
		stop()
	}
	w.stopGrow = nil
	if w.reg != nil {
		errs = append(errs, w.reg.Close())
	}
	if w.logSrv != nil {
		// Close, not Shutdown: clients may hold connections they opened and
		// never used, which Shutdown would wait on for seconds.
		errs = append(errs, w.logSrv.Close())
		if err := <-w.logDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if w.log != nil {
		errs = append(errs, w.log.Close())
	}
	if w.tempDir {
		errs = append(errs, os.RemoveAll(w.Dir))
	}
	return errors.Join(errs...)
}

// addrsFile remembers the ports of a persisted world: the simple-signing
// payloads name the registry host, so the same host keeps the re-seeded
// world byte-identical (and its log entries already present), and clients
// keep finding the log at the same URL.
const addrsFile = "addresses.json"

type addrs struct {
	Registry string `json:"registry"`
	Log      string `json:"log"`
}

// rememberAddrs fills empty addresses in opts from the data directory when
// those ports are free again.
func rememberAddrs(ctx context.Context, dir string, opts Options) Options {
	b, err := os.ReadFile(filepath.Join(dir, addrsFile)) //nolint:gosec // G304: the data directory is the user's
	if err != nil {
		return opts
	}
	var a addrs
	if json.Unmarshal(b, &a) != nil {
		return opts
	}
	free := func(addr string) bool {
		ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		ln.Close()
		return true
	}
	if opts.RegistryAddr == "" && a.Registry != "" && free(a.Registry) {
		opts.RegistryAddr = a.Registry
	}
	if opts.LogAddr == "" && a.Log != "" && free(a.Log) {
		opts.LogAddr = a.Log
	}
	return opts
}

func saveAddrs(dir, registry, log string) error {
	b, _ := json.Marshal(addrs{Registry: registry, Log: log})
	if err := os.WriteFile(filepath.Join(dir, addrsFile), b, 0o600); err != nil {
		return fmt.Errorf("saving addresses: %w", err)
	}
	return nil
}

// Keyless reports whether the case is signed keyless (Identity and Issuer
// set, no key).
func (c Case) Keyless() bool { return c.Identity != "" }

// MarkdownTable renders the case table as Markdown (image without the
// registry host, what is special, the key or the keyless identity and
// issuer, what verification must say), for the README; a test keeps
// README.md in step with it.
func (w *World) MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| image | what is special | key or identity | verification must say |\n|---|---|---|---|\n")
	for _, c := range w.Cases {
		key := c.Key
		switch {
		case c.Keyless():
			key = fmt.Sprintf("keyless: `%s` from `%s`", c.Identity, c.Issuer)
		case c.Format == "":
			key = "—"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | **%s**: %s |\n", strings.TrimPrefix(c.Image, w.RegistryHost+"/"), c.Special, key, c.Expect, c.Expectation)
	}
	return b.String()
}
