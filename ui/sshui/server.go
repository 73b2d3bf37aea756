// Package sshui serves provscope's explorer over SSH: every authorized key
// gets its own private, read-only Bubble Tea session, with nothing installed
// on the client's side.
//
// The server is charm.land/wish/v2 on charm.land/ssh (SSH connection protocol:
// RFC 4254). Authentication is by public key only, against an OpenSSH
// authorized_keys file (sshd(8), "AUTHORIZED_KEYS FILE FORMAT") that is
// re-read whenever it changes; password and keyboard-interactive
// authentication are not offered. Only "session" channels are accepted, and
// only the "shell" request on them: port forwarding (local and reverse), exec,
// subsystems, agent and X11 forwarding are all refused. A session without a
// PTY gets a one-line explanation and is closed.
//
// Each session runs its own model, built by Config.NewModel from a
// SessionInfo (user, key fingerprint, terminal, size, colour profile, a
// context cancelled at session end). Nothing mutable is shared between
// sessions. Limits: MaxSessions concurrent sessions (extra ones are refused
// with a message), an idle timeout on user input, and per-session memory.
//
// Memory per session is dominated by the renderer's cell buffers, about
// 230 bytes per cell: a 120x40 session holds about 1.3 MB in all (measured by
// BenchmarkSSHSessionMemory in package main, 10 concurrent sessions, client
// included). So the terminal size a client may claim is clamped (default
// 320x120, at most about 9 MB per session); env variables, TERM and recorded
// verifications are capped; and the model gets Limits.MaxRows as the most
// rows it may cache per list. A session's input reaches its program through
// the server's own pump rather than Bubble Tea's reader, so a session that
// ends with input unread leaves no goroutine or program behind (input.go).
// Every session ends
// with one structured slog line: who, from where, how long, bytes each way,
// why it ended and what was verified (SessionInfo.RecordVerification).
package sshui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	rm "charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"
)

// Defaults for the zero values of Config's limits.
const (
	DefaultIdleTimeout      = 15 * time.Minute
	DefaultMaxSessions      = 16
	DefaultMaxWidth         = 320
	DefaultMaxHeight        = 120
	DefaultMaxRows          = 10_000
	DefaultMaxVerifications = 64
	// handshakeTimeout bounds how long an unauthenticated connection may
	// hold a goroutine and its buffers.
	handshakeTimeout = 30 * time.Second
	// connIdleGrace is how much longer than a session a connection may sit
	// without traffic: long enough that an idle session is ended (and told
	// why) before its connection is cut, short enough that connections
	// without sessions (ssh -N) do not linger.
	connIdleGrace = time.Minute
)

// Config configures a Server. HostKeyPath, AuthorizedKeysPath and NewModel
// are required; zero limits take the Default… values.
type Config struct {
	// Addr is the host:port ListenAndServe listens on.
	Addr string
	// HostKeyPath is the server's OpenSSH private key; an ed25519 key is
	// generated there (mode 0600, with a .pub) when the file does not exist.
	HostKeyPath string
	// AuthorizedKeysPath is an OpenSSH authorized_keys file, re-read when
	// its modification time or size changes.
	AuthorizedKeysPath string
	// NewModel builds the root model of one session. It is called once per
	// session, on that session's goroutine.
	NewModel func(SessionInfo) tea.Model

	// IdleTimeout ends a session after this long without input from the
	// client (and a connection a minute later without any traffic).
	IdleTimeout time.Duration
	// MaxSessions is the most sessions open at once across all clients.
	MaxSessions int
	// MaxWidth and MaxHeight clamp the terminal size a client may ask for.
	MaxWidth, MaxHeight int
	// MaxRows is handed to the model (SessionInfo.Limits) as the most rows
	// it should cache per list.
	MaxRows int
	// MaxVerifications is how many verifications a session records for
	// its log line; later ones are counted but not listed.
	MaxVerifications int
	// Logger receives the per-session lines and server events; nil means
	// slog.Default().
	Logger *slog.Logger

	// clock times the idle timeout; nil means the wall clock (tests set a
	// fake one).
	clock clock
}

func (c *Config) withDefaults() {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxWidth <= 0 {
		c.MaxWidth = DefaultMaxWidth
	}
	if c.MaxHeight <= 0 {
		c.MaxHeight = DefaultMaxHeight
	}
	if c.MaxRows <= 0 {
		c.MaxRows = DefaultMaxRows
	}
	if c.MaxVerifications <= 0 {
		c.MaxVerifications = DefaultMaxVerifications
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
}

// Server is a running or ready provscope SSH server.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	keys    *authorizedKeys
	srv     *ssh.Server
	hostKey gossh.PublicKey

	active atomic.Int64  // open session channels
	seq    atomic.Uint64 // session numbers for IDs

	// stop is cancelled by Shutdown and Close to end every session.
	stop    context.Context
	stopAll context.CancelFunc
}

// New checks cfg, loads (or creates) the host key, reads the authorized keys
// and returns a server ready to Serve.
func New(cfg Config) (*Server, error) {
	cfg.withDefaults()
	switch {
	case cfg.NewModel == nil:
		return nil, errors.New("configuring ssh server: no model factory")
	case cfg.HostKeyPath == "":
		return nil, errors.New("configuring ssh server: no host key path")
	case cfg.AuthorizedKeysPath == "":
		return nil, errors.New("configuring ssh server: no authorized keys path")
	}
	signer, err := loadOrCreateHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	keys, err := newAuthorizedKeys(cfg.AuthorizedKeysPath, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, logger: cfg.Logger, keys: keys, hostKey: signer.PublicKey()}
	s.stop, s.stopAll = context.WithCancel(context.Background())

	s.srv, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		wish.WithAddress(cfg.Addr),
		wish.WithVersion("provscope"),
		wish.WithPublicKeyAuth(func(_ ssh.Context, key ssh.PublicKey) bool {
			return s.keys.Authorized(key)
		}),
		wish.WithIdleTimeout(cfg.IdleTimeout+connIdleGrace),
		// Middleware runs last-listed first (wish options.go), all of it
		// inside recover: authenticate → logging → activeterm → bubbletea.
		wish.WithMiddleware(
			rm.MiddlewareWithLogger(printfLogger{s.logger},
				bm.MiddlewareWithProgramHandler(s.newProgram),
				requireTerminal,
				s.logging,
				s.authenticate,
			),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("configuring ssh server: %w", err)
	}
	s.srv.HandshakeTimeout = handshakeTimeout
	// Only interactive sessions: no direct-tcpip (local forwarding), no
	// global requests (tcpip-forward: reverse forwarding), no subsystems.
	s.srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannelHandler()}
	s.srv.RequestHandlers = map[string]ssh.RequestHandler{}
	s.srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	s.srv.LocalPortForwardingCallback = nil
	s.srv.ReversePortForwardingCallback = nil
	s.srv.SessionRequestCallback = s.allowSessionRequest
	s.srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{
			AuthLogCallback: func(conn gossh.ConnMetadata, method string, err error) {
				if err != nil && method != "none" {
					s.logger.Debug("ssh auth refused", "user", conn.User(), "remote", conn.RemoteAddr().String(), "method", method)
				}
			},
		}
	}
	return s, nil
}

// HostKeyFingerprint is the SHA256 fingerprint of the server's host key, as
// ssh-keygen -l prints it; show it so users can check it on first connect.
func (s *Server) HostKeyFingerprint() string { return gossh.FingerprintSHA256(s.hostKey) }

// ActiveSessions is the number of session channels open right now.
func (s *Server) ActiveSessions() int { return int(s.active.Load()) }

// ListenAndServe listens on Config.Addr and serves until Shutdown or Close.
func (s *Server) ListenAndServe() error {
	l, err := new(net.ListenConfig).Listen(context.Background(), "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening for ssh: %w", err)
	}
	return s.Serve(l)
}

// Serve serves SSH on l until Shutdown or Close; it then returns
// ssh.ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	return s.srv.Serve(l) //nolint:wrapcheck // callers compare with ssh.ErrServerClosed
}

// Shutdown stops accepting connections, ends every session (each model is
// told to quit, so terminals are restored) and waits for the connections to
// close or ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopAll()
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutting down ssh server: %w", err)
	}
	return nil
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.stopAll()
	return s.srv.Close() //nolint:wrapcheck
}

// allowSessionRequest lets "shell" through and refuses exec and subsystem
// requests, telling the client why on the channel's stderr.
func (s *Server) allowSessionRequest(sess ssh.Session, requestType string) bool {
	if requestType == "shell" {
		return true
	}
	fmt.Fprintf(sess.Stderr(), "provscope: %s requests are refused; this server only serves the interactive explorer (ssh -t)\r\n", requestType)
	s.logger.Info("ssh request refused", "type", requestType, "remote", sess.RemoteAddr().String(),
		"key", keyFingerprint(sess.PublicKey()))
	return false
}

// printfLogger adapts slog to the Printf logger wish's recover middleware
// takes.
type printfLogger struct{ l *slog.Logger }

func (p printfLogger) Printf(format string, v ...any) {
	p.l.Error("ssh session panic", "detail", fmt.Sprintf(format, v...))
}

func keyFingerprint(k ssh.PublicKey) string {
	if k == nil {
		return ""
	}
	return gossh.FingerprintSHA256(k)
}
