package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/internal/httplimit"
	"github.com/provscope/provscope/rekor/server"
)

// serveOptions are the flags of `provscope serve`.
type serveOptions struct {
	data      string
	addr      string
	hostname  string
	rateLimit float64
	maxBody   int64
	maxFlight int64
	init      bool
	verbose   bool
	limits    httplimit.Limits
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the embedded Rekor-compatible transparency log",
		Long: `serve runs provscope's own transparency log: the Rekor v1 REST API that
cosign and rekor-cli use unmodified, the tlog-tiles read API under /api/v2/,
and /healthz. Everything lives in one SQLite database in --data; the log key
and tree ID are created on first start and kept.

The log is append-only: there is no delete and no retention purge. On every
start the tree is recomputed from the stored entries and checked against the
last signed checkpoint; a damaged log is refused (exit 1) with the damaged
index range. A new log (with a new key) starts only in an empty data
directory, or with --init: a missing or empty log.db next to other files
(such as log-public-key.pem) is refused (exit 2), and log-public-key.pem is
never overwritten.

Limits (see rekor/server/limits.go and internal/httplimit): request bodies
(--max-body per entry, 100 entries per batch, --max-inflight-bytes across
all requests), connections (--max-conns, --max-conns-per-client; idle
keep-alive connections are closed first when a limit is reached, then new
connections get 503) and read, write and idle timeouts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), o, nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", defaultDataDir(), "data directory (one SQLite database)")
	f.StringVar(&o.addr, "addr", "127.0.0.1:3000", "listen address")
	f.StringVar(&o.hostname, "hostname", server.DefaultHostname, "checkpoint origin host name (no spaces)")
	f.Float64Var(&o.rateLimit, "rate-limit", 0, "requests per second allowed per client address (0 = off)")
	f.Int64Var(&o.maxBody, "max-body", server.DefaultMaxBodyBytes, "largest proposed entry and request body in bytes (413 beyond; a batch may hold 100 such entries)")
	f.Int64Var(&o.maxFlight, "max-inflight-bytes", server.DefaultMaxInFlightBytes, "request body bytes read or held at once across all clients (503 beyond)")
	f.BoolVar(&o.init, "init", false, "allow starting a new log (new key) in a data directory that is not empty")
	o.limits = httplimit.Default()
	f.IntVar(&o.limits.MaxConns, "max-conns", o.limits.MaxConns, "open connections at most (idle ones are closed first, then 503)")
	f.IntVar(&o.limits.MaxConnsPerClient, "max-conns-per-client", o.limits.MaxConnsPerClient, "open connections at most per client IP address")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log every lifecycle event to stderr")
	return cmd
}

// writeKeyFile writes the log public key to path unless it exists (never
// overwriting it: O_EXCL). An existing file must hold the same key.
func writeKeyFile(path string, pem []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644) //nolint:gosec // a public key
	if errors.Is(err, fs.ErrExist) {
		old, rerr := os.ReadFile(path) //nolint:gosec // the operator's own data directory
		if rerr != nil {
			return fmt.Errorf("reading the existing log public key: %w", rerr)
		}
		if !bytes.Equal(old, pem) {
			return fmt.Errorf("%s holds another key than the log's: refusing to overwrite it (move it away if the log was started anew on purpose)", path)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing the log public key: %w", err)
	}
	if _, err := f.Write(pem); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing the log public key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing the log public key: %w", err)
	}
	return nil
}

// defaultDataDir is $XDG_DATA_HOME/provscope/log, else
// ~/.local/share/provscope/log, else ./provscope-log.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "provscope", "log")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "provscope", "log")
	}
	return "provscope-log"
}

// runServe opens the log, serves it until ctx ends and shuts down
// gracefully. When ready is non-nil it receives the base URL once listening.
func runServe(ctx context.Context, stdout, stderr io.Writer, o serveOptions, ready chan<- string) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	l, err := server.Open(ctx, server.Config{
		Dir: o.data, Hostname: o.hostname, Logger: logger,
		RateLimit: o.rateLimit, MaxBodyBytes: o.maxBody, MaxInFlightBytes: o.maxFlight, Init: o.init,
	})
	var de *server.DamageError
	if errors.As(err, &de) {
		return failed(fmt.Errorf("refusing to serve: %w", err))
	}
	if err != nil {
		return usageErr(fmt.Errorf("opening the log in %s: %w", o.data, err))
	}
	defer func() { _ = l.Close() }()

	keyPath := filepath.Join(o.data, "log-public-key.pem")
	if err := writeKeyFile(keyPath, l.PublicKeyPEM()); err != nil {
		return usageErr(err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", o.addr)
	if err != nil {
		return usageErr(fmt.Errorf("listening on %s: %w", o.addr, err))
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, `provscope transparency log (Rekor v1 API + tlog-tiles)
  URL:        %s
  tree ID:    %d
  origin:     %s
  entries:    %d
  data:       %s
  log key:    %s
%s
Point the Sigstore clients at it:
  # cosign (v2): trust this log key and use this log
  export SIGSTORE_REKOR_PUBLIC_KEY=%s
  cosign sign-blob --rekor-url %s ...
  # rekor-cli: pin the log key (PEM text, not a path)
  export REKOR_REKOR_SERVER_PUBLIC_KEY="$(cat %s)"
  rekor-cli loginfo --rekor_server %s

Ctrl-C stops it.
`, url, l.TreeID(), l.Origin(), l.Size(), o.data, keyPath, l.PublicKeyPEM(), keyPath, url, keyPath, url)

	srv, lln := o.limits.Server(ln, l.Handler()) // zero fields take the defaults
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lln) }()
	if ready != nil {
		ready <- url
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(stdout, "stopped; every acknowledged entry is stored")
	return nil
}
