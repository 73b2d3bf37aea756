package sshui

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/colorprofile"

	"github.com/provscope/provscope/model"
)

// SessionInfo is what one session's model may know about its session. It is
// a value: each session gets its own, and nothing in it is shared with
// another session.
type SessionInfo struct {
	// ID identifies the session in the server's log lines.
	ID string
	// User is the SSH user name the client asked for (informational: the
	// key, not the name, is what was authorized).
	User string
	// KeyFingerprint is the SHA256 fingerprint of the authorized key.
	KeyFingerprint string
	// RemoteAddr is the client's host:port.
	RemoteAddr string
	// Term is the client's TERM; Width and Height its size at the start
	// (later sizes arrive as tea.WindowSizeMsg).
	Term          string
	Width, Height int
	// Environ is the client's filtered environment plus TERM.
	Environ []string
	// ColorProfile is the colour profile derived from Environ; the program
	// already downsamples to it. Ask for tea.RequestBackgroundColor to pick
	// light or dark styles.
	ColorProfile colorprofile.Profile
	// Context is cancelled when the session ends: quit, idle timeout,
	// disconnect or server shutdown. Tie the session's I/O to it.
	Context context.Context
	// Limits are the bounds the model must respect for memory.
	Limits Limits

	rec *sessionRecord
}

// Limits bound one session's memory.
type Limits struct {
	// MaxRows is the most rows the model should keep per list it caches
	// (log entries, tags, attachments); it should page beyond that.
	MaxRows int
	// MaxWidth and MaxHeight are the largest terminal size the session
	// will ever report.
	MaxWidth, MaxHeight int
}

// RecordVerification notes that the session verified subject with verdict v,
// for the session's log line. It is safe to call from any goroutine and does
// nothing on a zero SessionInfo.
func (s SessionInfo) RecordVerification(subject string, v model.Verdict) {
	if s.rec != nil {
		s.rec.recordVerification(subject, v)
	}
}

// Session end reasons, as logged.
const (
	endQuit       = "quit"
	endIdle       = "idle timeout"
	endDisconnect = "disconnect"
	endShutdown   = "server shutdown"
	endNoTerminal = "no terminal"
	endNoKey      = "key no longer authorized"
	endPanic      = "panic"
)

// sessionRecord is the mutable state of one session that outlives its model:
// traffic counters, last input time, end reason and verifications.
type sessionRecord struct {
	bytesIn, bytesOut atomic.Int64
	lastInput         atomic.Int64 // unix nanoseconds, by clock
	clock             clock

	mu            sync.Mutex
	end           string
	verifications []string
	verified      int
	maxVerified   int
}

func (r *sessionRecord) recordVerification(subject string, v model.Verdict) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.verified++
	if len(r.verifications) < r.maxVerified {
		r.verifications = append(r.verifications, subject+": "+v.String())
	}
}

// setEnd records why the session ended; the first reason wins.
func (r *sessionRecord) setEnd(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.end == "" {
		r.end = reason
	}
}

func (r *sessionRecord) endReason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.end
}

// trackedSession is an ssh.Session whose reads and writes are counted, and
// which carries its SessionInfo down the middleware chain.
type trackedSession struct {
	ssh.Session
	info   SessionInfo
	cancel context.CancelFunc // ends info.Context
}

// Read counts input and notes its time for the idle timeout. The end of
// input (the client closed the channel or sent EOF) ends the session: an
// interactive explorer without input has nothing left to do, and the
// connection may stay open for other sessions, so nothing else would stop
// the program.
func (t *trackedSession) Read(p []byte) (int, error) {
	n, err := t.Session.Read(p)
	if n > 0 {
		t.info.rec.bytesIn.Add(int64(n))
		t.info.rec.lastInput.Store(t.info.rec.clock.Now().UnixNano())
	}
	if err != nil {
		t.info.rec.setEnd(endDisconnect)
		t.cancel()
	}
	return n, err //nolint:wrapcheck // pass-through
}

func (t *trackedSession) Write(p []byte) (int, error) {
	n, err := t.Session.Write(p)
	t.info.rec.bytesOut.Add(int64(n))
	return n, err //nolint:wrapcheck // pass-through
}

// authenticate checks again that the session's key is authorized: the key
// may have been removed from the file since the connection authenticated
// (a multiplexed connection can open sessions long after).
func (s *Server) authenticate(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if !s.keys.Authorized(sess.PublicKey()) {
			s.logger.Info("ssh session refused", "reason", endNoKey, "remote", sess.RemoteAddr().String(),
				"key", keyFingerprint(sess.PublicKey()))
			fmt.Fprint(sess.Stderr(), "provscope: your key is not authorized\r\n")
			_ = sess.Exit(1)
			return
		}
		next(sess)
	}
}

// logging wraps the session in a trackedSession with its own context and
// idle timer, runs the rest of the chain, and then writes the session's one
// structured log line.
func (s *Server) logging(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		ctx, cancel := context.WithCancel(sess.Context())
		ts := s.track(sess, ctx, cancel)
		stopOnShutdown := context.AfterFunc(s.stop, func() { ts.info.rec.setEnd(endShutdown); cancel() })
		stopIdle := watchIdle(ts.info.rec, s.cfg.IdleTimeout, cancel)

		finished := false
		defer func() {
			stopIdle()
			stopOnShutdown()
			cancel()
			if !finished {
				// Panicking: wish's recover middleware logs the panic.
				ts.info.rec.setEnd(endPanic)
			}
			s.logSession(sess, ts, start)
		}()
		next(ts)
		finished = true
	}
}

// logSession tells the client why the server ended its session, if it did,
// and writes the session's log line.
func (s *Server) logSession(sess ssh.Session, ts *trackedSession, start time.Time) {
	end := ts.info.rec.endReason()
	switch {
	case end == endIdle:
		fmt.Fprintf(sess.Stderr(), "provscope: session closed after %s without input\r\n", s.cfg.IdleTimeout)
	case end == endShutdown:
		fmt.Fprint(sess.Stderr(), "provscope: server shutting down\r\n")
	case end != "":
	case sess.Context().Err() != nil:
		end = endDisconnect
	default:
		end = endQuit
	}
	rec := ts.info.rec
	rec.mu.Lock()
	verifications, verified := append([]string(nil), rec.verifications...), rec.verified
	rec.mu.Unlock()
	s.logger.Info("ssh session",
		"session", ts.info.ID,
		"user", ts.info.User,
		"key", ts.info.KeyFingerprint,
		"remote", ts.info.RemoteAddr,
		"term", ts.info.Term,
		"size", fmt.Sprintf("%dx%d", ts.info.Width, ts.info.Height),
		"duration", time.Since(start).Round(time.Millisecond),
		"end", end,
		"bytes_in", rec.bytesIn.Load(),
		"bytes_out", rec.bytesOut.Load(),
		"verified", verified,
		"verifications", verifications,
	)
}

// track builds the session's SessionInfo and wraps sess.
func (s *Server) track(sess ssh.Session, ctx context.Context, cancel context.CancelFunc) *trackedSession {
	pty, _, _ := sess.Pty()
	env := sess.Environ()
	if pty.Term != "" {
		env = append(env, "TERM="+pty.Term)
	}
	sid := sess.Context().SessionID()
	if len(sid) > 8 {
		sid = sid[:8]
	}
	rec := &sessionRecord{maxVerified: s.cfg.MaxVerifications, clock: s.cfg.clock}
	rec.lastInput.Store(rec.clock.Now().UnixNano())
	return &trackedSession{Session: sess, cancel: cancel, info: SessionInfo{
		ID:             fmt.Sprintf("%s-%d", sid, s.seq.Add(1)),
		User:           sess.User(),
		KeyFingerprint: keyFingerprint(sess.PublicKey()),
		RemoteAddr:     sess.RemoteAddr().String(),
		Term:           pty.Term,
		Width:          pty.Window.Width,
		Height:         pty.Window.Height,
		Environ:        env,
		ColorProfile:   colorprofile.Env(env),
		Limits:         Limits{MaxRows: s.cfg.MaxRows, MaxWidth: s.cfg.MaxWidth, MaxHeight: s.cfg.MaxHeight},
		Context:        ctx,
		rec:            rec,
	}}
}

// watchIdle cancels the session once no input has arrived for timeout (by
// rec.clock), and returns a function that stops watching. One timer per
// session, re-armed for the remaining time rather than reset on every key
// press.
func watchIdle(rec *sessionRecord, timeout time.Duration, cancel context.CancelFunc) (stop func()) {
	var (
		mu sync.Mutex
		t  timer
	)
	check := func() {
		mu.Lock()
		defer mu.Unlock()
		idle := rec.clock.Now().Sub(time.Unix(0, rec.lastInput.Load()))
		if idle >= timeout {
			rec.setEnd(endIdle)
			cancel()
			return
		}
		t.Reset(timeout - idle)
	}
	mu.Lock()
	t = rec.clock.AfterFunc(timeout, check)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		t.Stop()
	}
}

// requireTerminal is the activeterm step: a session without a PTY (ssh -T,
// a pipe) gets a one-line explanation and is closed before any model is
// built. It replaces wish's activeterm only to say what provscope is and
// how to connect.
func requireTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); ok {
			next(sess)
			return
		}
		if ts, ok := sess.(*trackedSession); ok {
			ts.info.rec.setEnd(endNoTerminal)
		}
		fmt.Fprint(sess.Stderr(), "provscope: the explorer needs a terminal; connect with ssh -t (commands and pipes are not served)\n")
		_ = sess.Exit(1)
	}
}

// filterMsg replaces the filter bm.MakeOptions installs (a program has one):
// it keeps that filter's rule (a client cannot suspend the server's program:
// SuspendMsg becomes ResumeMsg) and drops 0x0 sizes, which wish's resize
// loop sends once the client has closed the channel, so no model ever lays
// itself out for an empty screen.
func filterMsg(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg := msg.(type) {
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	case tea.WindowSizeMsg:
		if msg.Width <= 0 || msg.Height <= 0 {
			return nil
		}
	}
	return msg
}

// newProgram is the bubbletea middleware's program handler: one model from
// Config.NewModel and one tea.Program per session, told to quit when the
// session's context ends (idle timeout, shutdown, disconnect). The session's
// input reaches the program through pumpInput, not Bubble Tea's own reader,
// so that input left unread when the session ends cannot keep the program
// alive (see input.go).
func (s *Server) newProgram(sess ssh.Session) *tea.Program {
	ts, ok := sess.(*trackedSession)
	if !ok {
		// A broken invariant of New's middleware order, not client input.
		panic("sshui: session reached the bubbletea middleware untracked")
	}
	m := s.cfg.NewModel(ts.info)
	if m == nil {
		fmt.Fprint(sess.Stderr(), "provscope: no explorer to serve\r\n")
		return nil
	}
	ctx := ts.info.Context
	p := tea.NewProgram(m, append(bm.MakeOptions(sess), tea.WithFilter(filterMsg), tea.WithInput(idleInput{ctx}))...)
	pumpInput(ctx, ts, ts.info.Term, p)
	go func() {
		<-ctx.Done()
		p.Quit()
	}()
	return p
}
