package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/mirror"
	"github.com/provscope/provscope/rekor/state"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
	"github.com/provscope/provscope/ui/fakebackend"
	"github.com/provscope/provscope/ui/theme"
)

// explorerConfig says what the explorer opens on.
type explorerConfig struct {
	// RegistryHost is the registry to browse (host[:port]).
	RegistryHost string
	// LogURL is the Rekor log's base URL or a log name; empty means the
	// configured log ($PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config file,
	// else the public-good log).
	LogURL string
	// LogPublicKeyPEM pins the log's key; nil means fetch/configured.
	LogPublicKeyPEM []byte
	// LogKeyPath is --log-key: a file with the log's key (PEM, or a note
	// verifier key) that startExplorer reads into LogPublicKeyPEM.
	LogKeyPath string
	// Image preselects an image reference.
	Image string
	// Insecure allows plain HTTP to a non-loopback registry.
	Insecure bool
	// Registry holds --signature-repository.
	Registry registryFlags
	// Trust says where the trust root comes from without TrustedRootPath
	// (TUF through the cache, else the embedded root).
	Trust trustFlags
	// TrustMarker is set by openBackend: "trust root as of DATE, not
	// refreshed" when the trust root in use is stale or embedded only.
	TrustMarker string
	// trustRoot is the TUF-fetched trusted_root.json openBackend verifies
	// with (nil: TrustedRootPath, else the embedded one).
	trustRoot []byte
	// LogName labels the log in the header ("demo", a host name).
	LogName string
	// TrustedRootPath is a trusted_root.json for Sigstore bundles (the demo
	// world's, for its --new-bundle-format signatures).
	TrustedRootPath string
	// ExportDir is where `e` writes evidence (default: the working folder).
	ExportDir string
	// Fake opens the built-in fake world (for development and screenshots).
	Fake bool
	// ForgetCheckpoints keeps the log's checkpoints out of the state
	// directory (a throw-away log, such as the demo's temporary one).
	ForgetCheckpoints bool
	// Policy pins the signer (KeyPEM, Identity or Trusted); its
	// TrustedRoot is read from TrustedRootPath.
	Policy inspect.Policy
	// HostFiles is what the explorer's backend lets its user do with this
	// host's files (search by key file, export, pin a key file): all of it
	// for the local explorer, nothing (the zero value) in SSH sessions.
	HostFiles backend.Capabilities
}

// runExplorer opens the TUI on cfg and returns when the user quits.
func runExplorer(cmd *cobra.Command, cfg explorerConfig) error {
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	// The libraries underneath log to stderr by default; the TUI owns the
	// terminal now.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))

	// The local explorer's user owns this host.
	cfg.HostFiles = backend.AllCapabilities()
	b, logsCfg, err := openBackend(ctx, &cfg)
	if err != nil {
		return err
	}
	c := ui.NewCommon(b, true, theme.NoColor())
	c.Ctx = ctx
	c.RegistryHost = cfg.RegistryHost
	c.LogName = cfg.LogName
	c.Signer = signerLabel(cfg.Policy)
	c.TrustMarker = cfg.TrustMarker
	c.LogTrusted = logTrust(cfg)
	if !cfg.Fake {
		c.PinSigner = func(_ context.Context, b ui.Backend, spec string) (ui.Backend, string, error) {
			return pinSigner(b, spec, true)
		}
	}
	c.ExportDir = cfg.ExportDir
	if c.ExportDir == "" {
		c.ExportDir = "."
	}
	if !cfg.Fake {
		c.Logs = append(c.Logs, ui.LogChoice{Name: cfg.LogName, URL: cfg.LogURL})
		for _, l := range logs.All(logsCfg) {
			if l.URL == cfg.LogURL {
				continue
			}
			c.Logs = append(c.Logs, ui.LogChoice{Name: l.Name, URL: l.URL})
		}
		base := cfg
		c.OpenLog = func(ctx context.Context, choice ui.LogChoice) (ui.Backend, error) {
			nc := base
			nc.LogURL, nc.LogName, nc.LogPublicKeyPEM = choice.URL, choice.Name, nil
			if choice.URL == base.LogURL {
				nc.LogName, nc.LogPublicKeyPEM = base.LogName, base.LogPublicKeyPEM
			}
			b, _, err := openBackend(ctx, &nc)
			return b, err
		}
	}
	var opts []ui.Option
	if cfg.Image != "" {
		opts = append(opts, ui.WithImage(cfg.Image))
	}
	if !cfg.Fake {
		opts = append(opts, ui.WithRegistryOpener(openRegistry))
		if path, err := recentPath(os.Getenv); err == nil {
			opts = append(opts, ui.WithRecent(readRecent(path), func(ref string) { _ = rememberRecent(path, ref) }))
		}
	}
	app := ui.New(c, opts...)
	p := tea.NewProgram(app, tea.WithContext(ctx), tea.WithInput(cmd.InOrStdin()), tea.WithOutput(terminalOut(cmd)))
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("running the explorer: %w", err)
	}
	return nil
}

// logTrust is the explorer's ui.Common.LogTrusted: proof.LogTrusted
// decides, with the trusted root (cfg.TrustedRootPath, else the
// public-good one) and the pinned log key; this says so in words. Answers
// are cached per log ID (the proof pane asks on every redraw).
func logTrust(cfg explorerConfig) func(logID string) (bool, string) {
	var tr []byte
	if cfg.TrustedRootPath != "" {
		tr, _ = os.ReadFile(cfg.TrustedRootPath) // openBackend has read and parsed it
	} else if cfg.trustRoot != nil {
		tr = cfg.trustRoot
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(logID string) (bool, string) {
		mu.Lock()
		ok, cached := seen[logID]
		if !cached {
			ok = proof.LogTrusted(tr, cfg.LogPublicKeyPEM, logID)
			seen[logID] = ok
		}
		mu.Unlock()
		if ok {
			return true, ""
		}
		short := []rune(safetext.Line(logID))
		short = short[:min(8, len(short))]
		return false, fmt.Sprintf("this entry comes from log %s…, which your trusted root does not list and whose key is not pinned: pass --trusted-root FILE", string(short))
	}
}

// openBackend builds the explorer's backend for cfg, filling in the log's
// name.
func openBackend(ctx context.Context, cfg *explorerConfig) (ui.Backend, *logs.Config, error) {
	if cfg.Fake {
		if cfg.LogName == "" {
			cfg.LogName = "fake"
		}
		return fakebackend.New(), nil, nil
	}
	var logsCfg *logs.Config
	if p, err := logs.ConfigPath(os.Getenv); err == nil {
		if lc, err := logs.LoadConfig(p); err == nil {
			logsCfg = lc
		}
	}
	pol := cfg.Policy
	if cfg.TrustedRootPath == "" {
		m, err := cfg.Trust.load()
		if err != nil {
			return nil, logsCfg, err
		}
		var trusted []logs.Log
		if pol.TrustedRoot, trusted, err = trustedRoot(m, time.Now()); err != nil {
			return nil, logsCfg, err
		}
		if len(trusted) > 0 {
			if logsCfg == nil {
				logsCfg = &logs.Config{}
			}
			logsCfg.Trusted = trusted
		}
		cfg.TrustMarker, cfg.trustRoot = m.Marker(), pol.TrustedRoot
	}
	sel, err := logs.Resolve(cfg.LogURL, os.Getenv, logsCfg)
	if err != nil {
		return nil, logsCfg, usageErr(fmt.Errorf("choosing the log: %w", err))
	}
	if cfg.LogName == "" {
		cfg.LogName = sel.Log.Name
		if cfg.LogName == "" {
			cfg.LogName = sel.Log.URL
		}
	}
	if cfg.TrustedRootPath != "" {
		tr, err := os.ReadFile(cfg.TrustedRootPath)
		if err != nil {
			return nil, logsCfg, usageErr(fmt.Errorf("reading the trusted root: %w", err))
		}
		if _, err := proof.ParseTrustedRoot(tr); err != nil {
			return nil, logsCfg, usageErr(fmt.Errorf("reading the trusted root %s: %w", cfg.TrustedRootPath, err))
		}
		pol.TrustedRoot = tr
	}
	bc := backend.Config{
		RegistryHost: cfg.RegistryHost, Insecure: cfg.Insecure,
		SignatureRepository: cfg.Registry.signatureRepository,
		Log:                 sel.Log, KeyPEM: cfg.LogPublicKeyPEM, Policy: pol,
		Capabilities: cfg.HostFiles,
	}
	// The explorer recalls and remembers checkpoints here, as loginfo
	// does (ui.CheckpointMemory); a throw-away log is not remembered.
	if dir, err := state.DefaultDir(os.Getenv); err == nil && !cfg.ForgetCheckpoints {
		bc.Store = &state.Store{Dir: dir}
	}
	// A tiles log has no search API: the explorer's search answers from
	// its mirror, where `provscope mirror` keeps it by default.
	if sel.Log.Kind == logs.KindTiles {
		if dir, err := mirror.DefaultDir(os.Getenv, sel.Log.TilesPrefix()); err == nil {
			bc.MirrorDir = dir
		}
	}
	b, err := backend.Open(ctx, bc)
	if err != nil {
		return nil, logsCfg, failed(err)
	}
	return b, logsCfg, nil
}

// parseSignerSpec reads what was typed after the explorer's P key: "none"
// unpins; "key FILE" pins a PEM public key (refused unless keyFiles: in an
// SSH session the file would be the server's); "IDENTITY ISSUER" pins a
// certificate identity and its OIDC issuer, either written ~REGEXP for a
// regular expression. The checks are verify's (policyFlags.policy).
func parseSignerSpec(spec string, keyFiles bool, readKey func(path string) ([]byte, error)) (inspect.Policy, error) {
	f := strings.Fields(spec)
	var pf policyFlags
	switch {
	case len(f) == 1 && strings.EqualFold(f[0], "none"):
		return inspect.Policy{}, nil
	case len(f) >= 1 && f[0] == "key":
		if !keyFiles {
			return inspect.Policy{}, errors.New("key files are not read in SSH sessions (the file would be the server's); pin an identity")
		}
		if len(f) != 2 {
			return inspect.Policy{}, errors.New(`want "key FILE"`)
		}
		// The backend reads the file, if its session may (its
		// Capabilities.PinKeyFiles).
		pem, err := readKey(f[1])
		if err != nil {
			return inspect.Policy{}, fmt.Errorf("reading --key: %w", err)
		}
		if err := checkPublicKey(f[1], pem); err != nil {
			return inspect.Policy{}, err
		}
		return inspect.Policy{KeyPEM: pem}, nil
	case len(f) == 2:
		if r, ok := strings.CutPrefix(f[0], "~"); ok {
			pf.identityRegexp = r
		} else {
			pf.identity = f[0]
		}
		if r, ok := strings.CutPrefix(f[1], "~"); ok {
			pf.issuerRegexp = r
		} else {
			pf.issuer = f[1]
		}
	case len(f) == 1:
		return inspect.Policy{}, fmt.Errorf("a certificate identity needs its OIDC issuer: %q ISSUER", f[0])
	default:
		return inspect.Policy{}, errors.New(`want "IDENTITY ISSUER", "key FILE" or "none"`)
	}
	pol, err := pf.policy()
	if err != nil {
		return inspect.Policy{}, errors.Unwrap(err) // the usage wrapping is for exit codes
	}
	for _, re := range []string{pf.identityRegexp, pf.issuerRegexp} {
		if _, err := regexp.Compile(re); err != nil {
			return inspect.Policy{}, fmt.Errorf("regular expression %q: %w", re, err)
		}
	}
	return pol, nil
}

// pinSigner is the explorer's PinSigner: b, requiring the signer spec
// names (parseSignerSpec), and the header label for it.
func pinSigner(b ui.Backend, spec string, keyFiles bool) (ui.Backend, string, error) {
	if h, ok := b.(headCheckingBackend); ok { // an SSH session's, with its head watcher
		nb, label, err := pinSigner(h.Backend, spec, keyFiles)
		if err != nil {
			return nil, "", err
		}
		return newReportingBackend(nb, h.info), label, nil
	}
	if r, ok := b.(*reportingBackend); ok { // an SSH session's
		nb, label, err := pinSigner(r.Backend, spec, keyFiles)
		if err != nil {
			return nil, "", err
		}
		return &reportingBackend{Backend: nb, info: r.info}, label, nil
	}
	bb, ok := b.(*backend.Backend)
	readKey := func(path string) ([]byte, error) {
		if !ok {
			return nil, errors.New("this world reads no key files")
		}
		return bb.ReadSignerKey(path)
	}
	pol, err := parseSignerSpec(spec, keyFiles, readKey)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", errors.New("this world cannot change its signer")
	}
	return bb.WithSigner(pol), signerLabel(pol), nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// signerLabel names the signer pol requires, for the header: the key's
// fingerprint, or the certificate identity (~ before a regular
// expression), or the names of the trusted signers (the demo's policy);
// "" when pol pins none.
func signerLabel(pol inspect.Policy) string {
	switch {
	case len(pol.KeyPEM) == 0 && pol.Identity == nil && len(pol.Trusted) > 0:
		names := make([]string, 0, len(pol.Trusted))
		for _, t := range pol.Trusted {
			names = append(names, firstNonEmpty(t.Name, t.String()))
		}
		return strings.Join(names, ", ")
	case len(pol.KeyPEM) > 0:
		fp, err := inspect.KeyFingerprint(pol.KeyPEM)
		if err != nil {
			return "key (unreadable)"
		}
		return "key " + fp[:16]
	case pol.Identity != nil && pol.Identity.SAN != "":
		return pol.Identity.SAN
	case pol.Identity != nil:
		return "~" + pol.Identity.SANRegexp
	}
	return ""
}

// startExplorer checks the signer and registry flags and opens the
// explorer (provscope tui, provscope IMAGE).
func startExplorer(cmd *cobra.Command, cfg explorerConfig, signer policyFlags) error {
	pol, err := signer.policy()
	if err != nil {
		return err
	}
	cfg.Policy = pol
	if err := cfg.Registry.check(cfg.Insecure); err != nil {
		return err
	}
	if cfg.LogKeyPath != "" {
		if cfg.LogPublicKeyPEM, err = readLogKey(cfg.LogKeyPath); err != nil {
			return err
		}
	}
	return runExplorer(cmd, cfg)
}

// splitImageHost splits "HOST/REPO[:TAG|@DIGEST]" when its first part
// names a registry host (a dot or a port, or localhost) and registry is
// empty or that host; otherwise the reference is a repository path of
// registry (ok false).
func splitImageHost(ref, registry string) (host, rest string, ok bool) {
	host, rest, found := strings.Cut(ref, "/")
	if !found || rest == "" || (!strings.ContainsAny(host, ".:") && host != "localhost") {
		return "", "", false
	}
	if registry != "" && registry != host {
		return "", "", false
	}
	return host, rest, true
}

// registerExplorerFlags registers the explorer's flags on cmd: provscope
// tui and provscope IMAGE share them.
func registerExplorerFlags(cmd *cobra.Command, cfg *explorerConfig, signer *policyFlags) {
	f := cmd.Flags()
	f.StringVar(&cfg.RegistryHost, "registry", "", "browse the registry at `HOST[:PORT]` (default $PROVSCOPE_REGISTRY)")
	f.StringVar(&cfg.LogURL, "log", "", "transparency log: a `NAME` (public-good, local) or a URL")
	f.StringVar(&cfg.LogKeyPath, "log-key", "", "`FILE` with the log's public key, PEM or a note verifier key (pins it; a tlog-tiles log needs one)")
	f.BoolVar(&cfg.Insecure, "insecure", false, "allow plain HTTP to a non-loopback registry")
	f.StringVar(&cfg.TrustedRootPath, "trusted-root", "", "verify Sigstore bundles with the trusted root in `FILE` (trusted_root.json)")
	cfg.Registry.register(cmd)
	cfg.Trust.register(cmd)
	f.StringVar(&cfg.ExportDir, "export-dir", "", "e writes evidence into `DIR` (default: the working folder)")
	signer.registerSigner(cmd)
	f.BoolVar(&cfg.Fake, "fake", false, "open a built-in fake world (development, screenshots)")
	_ = f.MarkHidden("fake")
}
