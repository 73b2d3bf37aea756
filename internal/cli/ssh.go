package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
	"github.com/provscope/provscope/ui/fakebackend"
	"github.com/provscope/provscope/ui/sshui"
	"github.com/provscope/provscope/ui/theme"
)

// sshHostFiles is what an SSH session may do with the server's files:
// nothing. Searching by key file, exporting evidence and pinning a key file
// would all touch the server's disk, not the user's.
func sshHostFiles() backend.Capabilities { return backend.Capabilities{} }

// sshShutdownGrace is how long `provscope ssh` waits for sessions to end
// after SIGINT/SIGTERM before closing their connections.
const sshShutdownGrace = 5 * time.Second

// sshOptions are the flags of `provscope ssh`.
type sshOptions struct {
	explorer       explorerConfig
	signer         policyFlags
	listen         string
	authorizedKeys string
	hostKey        string
	idleTimeout    time.Duration
	maxSessions    int
	jsonLogs       bool
}

// newSSHCmd is `provscope ssh`: the explorer served over SSH.
func newSSHCmd() *cobra.Command {
	var o sshOptions
	cmd := &cobra.Command{
		Use:   "ssh",
		Short: "Serve the explorer over SSH to authorized keys, one private read-only session each",
		Long: `ssh serves the explorer over SSH, so responders can inspect provenance from
the hosts where things happen with nothing installed: ssh -p 2222 host.

Only public keys listed in --authorized-keys (OpenSSH format, re-read when it
changes) get in; passwords are refused. Each session has its own explorer and
state. Sessions are read-only: no port forwarding, no commands, no agent or
X11 forwarding, and nothing is written to any log or registry (verified log
heads are remembered in the server's state directory, as loginfo does, and
each session proves new heads consistent with them). A session reads and
writes none of the server's files: searching by a key file, exporting
evidence and pinning a key file are refused. The host key is
generated (ed25519) on first start and kept in --host-key.

--key or --certificate-identity/--certificate-oidc-issuer pin the signer
every session verifies against (shown in each session's header), as for
provscope tui and verify.

One log line per session goes to stderr: key fingerprint, remote address,
duration, why it ended and what was verified.`,
		Example: `  provscope ssh --authorized-keys ~/.ssh/authorized_keys --log public-good --registry ghcr.io
  ssh -p 2222 127.0.0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSSH(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:2222", "`HOST:PORT` to listen on")
	f.StringVar(&o.authorizedKeys, "authorized-keys", "", "OpenSSH authorized_keys file of the keys allowed in (required)")
	f.StringVar(&o.hostKey, "host-key", "", "host private key, generated when missing (default: provscope/ssh_host_ed25519_key in the user config dir)")
	f.StringVar(&o.explorer.LogURL, "log", "", "transparency log: a `NAME` (public-good, local) or a URL")
	f.StringVar(&o.explorer.RegistryHost, "registry", "", "registry to browse (`HOST[:PORT]`)")
	f.BoolVar(&o.explorer.Insecure, "insecure", false, "allow plain HTTP to a non-loopback registry")
	f.StringVar(&o.explorer.TrustedRootPath, "trusted-root", "", "trusted_root.json for Sigstore bundles (`FILE`)")
	o.explorer.Registry.register(cmd)
	o.explorer.Trust.register(cmd)
	o.signer.registerSigner(cmd)
	f.DurationVar(&o.idleTimeout, "idle-timeout", sshui.DefaultIdleTimeout, "end a session after this long without input")
	f.IntVar(&o.maxSessions, "max-sessions", sshui.DefaultMaxSessions, "most sessions open at once; more are refused")
	f.BoolVar(&o.jsonLogs, "json-logs", false, "write the log lines as JSON")
	f.BoolVar(&o.explorer.Fake, "fake", false, "serve the built-in fake world (development, screenshots)")
	_ = f.MarkHidden("fake")
	return cmd
}

func runSSH(cmd *cobra.Command, o sshOptions) error {
	if o.authorizedKeys == "" {
		return usageErr(errors.New("--authorized-keys is required: only the keys it lists may connect"))
	}
	if o.maxSessions < 1 {
		return usageErr(fmt.Errorf("--max-sessions %d, want at least 1", o.maxSessions))
	}
	if o.idleTimeout <= 0 {
		return usageErr(fmt.Errorf("--idle-timeout %s, want a positive duration", o.idleTimeout))
	}
	pol, err := o.signer.policy()
	if err != nil {
		return err
	}
	o.explorer.Policy = pol
	if err := o.explorer.Registry.check(o.explorer.Insecure); err != nil {
		return err
	}
	if o.hostKey == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return usageErr(fmt.Errorf("finding a place for the host key (pass --host-key): %w", err))
		}
		o.hostKey = filepath.Join(dir, "provscope", "ssh_host_ed25519_key")
	}
	var handler slog.Handler = slog.NewTextHandler(cmd.ErrOrStderr(), nil)
	if o.jsonLogs {
		handler = slog.NewJSONHandler(cmd.ErrOrStderr(), nil)
	}
	logger := slog.New(handler)
	// Libraries underneath (charm.land/ssh among them) log through the
	// default logger: send them to the same place, in the same format.
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(contextOf(cmd), os.Interrupt, syscall.SIGTERM)
	defer stop()
	explorer, err := openSSHExplorer(ctx, o.explorer, logger)
	if err != nil {
		return err
	}

	srv, err := sshui.New(sshui.Config{
		Addr:               o.listen,
		HostKeyPath:        o.hostKey,
		AuthorizedKeysPath: o.authorizedKeys,
		IdleTimeout:        o.idleTimeout,
		MaxSessions:        o.maxSessions,
		Logger:             logger,
		NewModel:           explorer.newModel,
	})
	if err != nil {
		return usageErr(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("provscope ssh listening", "addr", o.listen, "host_key", srv.HostKeyFingerprint(),
		"authorized_keys", o.authorizedKeys, "log", explorer.cfg.LogName, "registry", o.explorer.RegistryHost)

	select {
	case err := <-errc:
		return fmt.Errorf("serving ssh: %w", err)
	case <-ctx.Done():
	}
	logger.Info("provscope ssh shutting down", "sessions", srv.ActiveSessions())
	sctx, cancel := context.WithTimeout(context.Background(), sshShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("serving ssh: %w", err)
	}
	return nil
}

func contextOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// sshExplorer is what every session's explorer opens on. The real backend
// is opened once, at start, and shared: it holds only clients and settings
// and is safe for concurrent use, so sessions share nothing mutable through
// it. The fake world is mutable, so each session gets its own.
type sshExplorer struct {
	cfg    explorerConfig
	shared ui.Backend // nil with --fake
	logs   []ui.LogChoice
	logger *slog.Logger
}

// openSSHExplorer opens the backend for cfg (failing early when the log is
// unknown or unreachable) and the log picker's choices.
func openSSHExplorer(ctx context.Context, cfg explorerConfig, logger *slog.Logger) (*sshExplorer, error) {
	// A session's user does not own this host: no backend opened for the
	// sessions (this one, nor one a session's log picker opens from cfg)
	// may read or write its files.
	cfg.HostFiles = sshHostFiles()
	b, logsCfg, err := openBackend(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	e := &sshExplorer{cfg: cfg, logger: logger}
	if cfg.Fake {
		return e, nil
	}
	e.shared = b
	e.logs = append(e.logs, ui.LogChoice{Name: cfg.LogName, URL: cfg.LogURL})
	for _, l := range logs.All(logsCfg) {
		if l.URL != cfg.LogURL {
			e.logs = append(e.logs, ui.LogChoice{Name: l.Name, URL: l.URL})
		}
	}
	return e, nil
}

// newModel builds one session's explorer: its own Common (size, colours
// from the client's terminal, a context that ends with the session, no
// evidence export since files would land on the server) over a backend that
// reports every verification to the session's log line.
func (e *sshExplorer) newModel(info sshui.SessionInfo) tea.Model {
	b := sessionBackend(e.shared)
	if b == nil {
		b = fakebackend.New()
	}
	noColor := info.ColorProfile <= colorprofile.ASCII || theme.NoColorIn(info.Environ)
	c := ui.NewCommon(newReportingBackend(b, info), true, noColor)
	c.Ctx = info.Context
	c.Width, c.Height = info.Width, info.Height
	c.MaxRows = info.Limits.MaxRows
	c.Logger = e.logger.With("session", info.ID)
	c.RegistryHost = e.cfg.RegistryHost
	c.LogName = e.cfg.LogName
	c.Signer = signerLabel(e.cfg.Policy)
	c.TrustMarker = e.cfg.TrustMarker
	if e.shared != nil {
		c.PinSigner = func(_ context.Context, b ui.Backend, spec string) (ui.Backend, string, error) {
			return pinSigner(b, spec, false)
		}
	}
	c.ExportDir = ""
	if len(e.logs) > 0 {
		c.Logs = e.logs
		base := e.cfg
		c.OpenLog = func(ctx context.Context, choice ui.LogChoice) (ui.Backend, error) {
			if choice.URL == base.LogURL {
				return newReportingBackend(sessionBackend(e.shared), info), nil
			}
			nc := base
			nc.LogURL, nc.LogName, nc.LogPublicKeyPEM = choice.URL, choice.Name, nil
			b, _, err := openBackend(ctx, &nc)
			if err != nil {
				return nil, err
			}
			return newReportingBackend(sessionBackend(b), info), nil
		}
	}
	return ui.New(c)
}

// sessionBackend is b for one SSH session: a real backend becomes the
// session's own copy with the session's capability set (sshHostFiles()),
// whatever b was opened with; nil stays nil.
func sessionBackend(b ui.Backend) ui.Backend {
	if bb, ok := b.(*backend.Backend); ok {
		return bb.WithCapabilities(sshHostFiles())
	}
	return b
}
