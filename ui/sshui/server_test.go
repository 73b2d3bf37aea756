package sshui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

func TestTwoSessionsHaveIndependentState(t *testing.T) {
	h := newHarness(t, nil)
	a := h.openTUI(h.mustDial(h.keys[0]), 80, 24)
	b := h.openTUI(h.mustDial(h.keys[1]), 100, 30)
	keyA, keyB := fp(h.keys[0]), fp(h.keys[1])
	// Each model starts with its own client's size.
	h.waitSize(keyA, "80x24")
	h.waitSize(keyB, "100x30")
	h.settle(a, keyA)
	h.settle(b, keyB)

	a.press(t, "a")
	b.press(t, "b")
	if got := h.waitEvent(keyA, "key").text; got != "a" {
		t.Errorf("session A saw key %q, want %q", got, "a")
	}
	if got := h.waitEvent(keyB, "key").text; got != "b" {
		t.Errorf("session B saw key %q, want %q", got, "b")
	}
	waitFor(t, "A's view to show its selection", func() bool { return strings.Contains(a.out.Text(), "alpha") })
	waitFor(t, "B's view to show its selection", func() bool { return strings.Contains(b.out.Text(), "bravo") })
	if strings.Contains(a.out.Text(), "bravo") {
		t.Errorf("session A's screen shows B's selection:\n%s", a.out.Text())
	}
	if strings.Contains(b.out.Text(), "alpha") {
		t.Errorf("session B's screen shows A's selection:\n%s", b.out.Text())
	}
	// A session's own start-up size may arrive late (Bubble Tea and wish
	// each send one, unordered with the first keys); anything else is
	// extra.
	for _, e := range h.drainEvents(keyA) {
		if e != (probeEvent{keyA, "size", "80x24"}) {
			t.Errorf("unexpected extra event in session A %+v", e)
		}
	}
	for _, e := range h.drainEvents(keyB) {
		if e != (probeEvent{keyB, "size", "100x30"}) {
			t.Errorf("unexpected extra event in session B %+v", e)
		}
	}
}

func TestResizeReachesOnlyItsSession(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxWidth, c.MaxHeight = 300, 100 })
	a := h.openTUI(h.mustDial(h.keys[0]), 80, 24)
	b := h.openTUI(h.mustDial(h.keys[1]), 80, 24)
	keyA, keyB := fp(h.keys[0]), fp(h.keys[1])
	h.waitSize(keyA, "80x24")
	h.waitSize(keyB, "80x24")
	h.settle(a, keyA)
	h.settle(b, keyB)

	// A late copy of the start-up size (see TestTwoSessionsHaveIndependentState)
	// is skipped; any other size before the one asked for is wrong.
	nextSize := func(key string) string {
		t.Helper()
		for {
			if e := h.waitEvent(key, "size"); e.text != "80x24" {
				return e.text
			}
		}
	}
	if err := a.sess.WindowChange(40, 120); err != nil {
		t.Fatalf("WindowChange() = %v", err)
	}
	if got := nextSize(keyA); got != "120x40" {
		t.Errorf("session A size after resize = %s, want 120x40", got)
	}
	// An absurd size is clamped so the renderer's buffers stay bounded.
	if err := a.sess.WindowChange(60000, 60000); err != nil {
		t.Fatalf("WindowChange() = %v", err)
	}
	if got := nextSize(keyA); got != "300x100" {
		t.Errorf("session A size after huge resize = %s, want clamped 300x100", got)
	}
	// Round trip through B so anything misrouted would have arrived.
	b.press(t, "x")
	h.waitEvent(keyB, "key")
	for _, e := range h.drainEvents(keyB) {
		if e != (probeEvent{keyB, "size", "80x24"}) {
			t.Errorf("session B received %+v after A resized, want nothing", e)
		}
	}
}

func TestAuthenticationRefusals(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name string
		auth []gossh.AuthMethod
	}{
		{"unknown key", []gossh.AuthMethod{gossh.PublicKeys(h.keys[2])}},
		{"password", []gossh.AuthMethod{gossh.Password("hunter2")}},
		{"keyboard-interactive", []gossh.AuthMethod{gossh.KeyboardInteractive(
			func(string, string, []string, []bool) ([]string, error) { return []string{"hunter2"}, nil })}},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := h.dial(tt.auth...)
			if err == nil {
				_ = c.Close()
				t.Fatalf("dial with %s succeeded, want refused", tt.name)
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Errorf("dial with %s: error %q, want an authentication failure", tt.name, err)
			}
		})
	}
	// The authorized keys still work.
	for i := range 2 {
		c := h.mustDial(h.keys[i])
		_ = c.Close()
	}
}

// TestPasswordsNeverOffered checks what the server advertises: a client
// (x/crypto/ssh, like OpenSSH) tries only the methods the server lists
// after "none", so callbacks that would send a password or answer a
// keyboard-interactive challenge must never run, and the client must give
// up having tried nothing but "none".
func TestPasswordsNeverOffered(t *testing.T) {
	h := newHarness(t, nil)
	var asked []string
	c, err := h.dial(
		gossh.PasswordCallback(func() (string, error) {
			asked = append(asked, "password")
			return "hunter2", nil
		}),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			asked = append(asked, "keyboard-interactive")
			return nil, nil
		}),
	)
	if err == nil {
		_ = c.Close()
		t.Fatal("dial without a key succeeded")
	}
	if len(asked) != 0 {
		t.Errorf("the server offered %v: the client was asked for them", asked)
	}
	if !strings.Contains(err.Error(), "attempted methods [none]") {
		t.Errorf("dial error = %q, want only the none method attempted", err)
	}
}

func TestAuthorizedKeysReReadOnChange(t *testing.T) {
	h := newHarness(t, nil)
	if c, err := h.dial(gossh.PublicKeys(h.keys[2])); err == nil {
		_ = c.Close()
		t.Fatal("key 2 accepted before it was added")
	}
	h.writeAuthorized(h.keys[2])
	c := h.mustDial(h.keys[2])
	_ = c.Close()
	if c, err := h.dial(gossh.PublicKeys(h.keys[0])); err == nil {
		_ = c.Close()
		t.Fatal("key 0 still accepted after it was removed")
	}
	// A missing file authorizes nobody.
	if err := os.Remove(h.authKey); err != nil {
		t.Fatal(err)
	}
	if c, err := h.dial(gossh.PublicKeys(h.keys[2])); err == nil {
		_ = c.Close()
		t.Fatal("key 2 accepted with the authorized keys file gone")
	}
}

func TestKeyRemovedAfterConnectCannotOpenSessions(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(h.keys[0])
	h.writeAuthorized(h.keys[1])
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	sess.Stdout, sess.Stderr = out, out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	var exit *gossh.ExitError
	if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("Wait() = %v, want exit status 1", err)
	}
	if !strings.Contains(out.String(), "not authorized") {
		t.Errorf("output %q, want the not-authorized message", out.String())
	}
}

func TestRefusedRequests(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(h.keys[0])

	t.Run("local port forward", func(t *testing.T) {
		conn, err := c.Dial("tcp", h.addr)
		if err == nil {
			_ = conn.Close()
			t.Fatal("direct-tcpip channel opened, want refused")
		}
		var oce *gossh.OpenChannelError
		if !errors.As(err, &oce) || oce.Reason != gossh.UnknownChannelType {
			t.Errorf("Dial error = %v, want an unknown channel type rejection", err)
		}
	})
	t.Run("reverse port forward", func(t *testing.T) {
		l, err := c.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			_ = l.Close()
			t.Fatal("tcpip-forward accepted, want refused")
		}
	})
	newSession := func(t *testing.T) *gossh.Session {
		t.Helper()
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Run("exec", func(t *testing.T) {
		s := newSession(t)
		if out, err := s.CombinedOutput("cat /etc/passwd"); err == nil {
			t.Fatalf("exec ran, output %q; want refused", out)
		}
	})
	t.Run("exec with pty", func(t *testing.T) {
		s := newSession(t)
		if err := s.RequestPty("xterm", 24, 80, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Start("ls"); err == nil {
			t.Fatal("exec with a pty started, want refused")
		}
	})
	t.Run("subsystem", func(t *testing.T) {
		s := newSession(t)
		if err := s.RequestSubsystem("sftp"); err == nil {
			t.Fatal("sftp subsystem accepted, want refused")
		}
	})
	t.Run("agent forwarding", func(t *testing.T) {
		s := newSession(t)
		if err := agent.RequestAgentForwarding(s); err == nil {
			t.Fatal("agent forwarding accepted, want refused")
		}
	})
	t.Run("x11", func(t *testing.T) {
		s := newSession(t)
		payload := gossh.Marshal(struct {
			Single   bool
			Protocol string
			Cookie   string
			Screen   uint32
		}{false, "MIT-MAGIC-COOKIE-1", "00", 0})
		ok, err := s.SendRequest("x11-req", true, payload)
		if err != nil || ok {
			t.Fatalf("x11-req = %v, %v; want refused", ok, err)
		}
	})
	t.Run("env outside the allow-list", func(t *testing.T) {
		s := newSession(t)
		if err := s.Setenv("LD_PRELOAD", "/tmp/x.so"); err == nil {
			t.Fatal("env LD_PRELOAD accepted, want refused")
		}
		if err := s.Setenv("COLORTERM", "truecolor"); err != nil {
			t.Fatalf("env COLORTERM refused: %v", err)
		}
	})
	// The connection is still good for a real session afterwards.
	u := h.openTUI(c, 80, 24)
	u.press(t, "z")
	if got := h.waitEvent(fp(h.keys[0]), "key").text; got != "z" {
		t.Errorf("key after refusals = %q, want z", got)
	}
}

func TestSessionWithoutPTYIsExplainedAndClosed(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(h.keys[0])
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var stdout, stderr bytes.Buffer
	s.Stdout, s.Stderr = &stdout, &stderr
	if err := s.Shell(); err != nil {
		t.Fatalf("Shell() = %v", err)
	}
	var exit *gossh.ExitError
	if err := s.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("Wait() = %v, want exit status 1", err)
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "needs a terminal") {
		t.Errorf("stderr = %q, want one line explaining a terminal is needed", msg)
	}
	if len(h.infos) != 0 {
		t.Errorf("a model was built for a session without a PTY")
	}
	waitFor(t, "the session log line", func() bool { return strings.Contains(h.log.String(), `end="no terminal"`) })
}

func TestMaxSessions(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxSessions = 1 })
	u := h.openTUI(h.mustDial(h.keys[0]), 80, 24)
	h.waitSize(fp(h.keys[0]), "80x24")

	c2 := h.mustDial(h.keys[1])
	_, err := c2.NewSession()
	if err == nil {
		t.Fatal("second session opened with MaxSessions 1")
	}
	var oce *gossh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != gossh.ResourceShortage || !strings.Contains(oce.Message, "too many sessions") {
		t.Errorf("NewSession() error = %v, want a resource-shortage rejection saying too many sessions", err)
	}
	// When the first session ends its slot frees up.
	u.press(t, "q")
	select {
	case err := <-u.done:
		_ = err // only that the session ended matters here; the freed slot is checked next
	case <-time.After(testTimeout):
		t.Fatal("session did not end on q")
	}
	waitFor(t, "the slot to free", func() bool { return h.srv.ActiveSessions() == 0 })
	h.openTUI(c2, 80, 24)
	h.waitSize(fp(h.keys[1]), "80x24")
}

// TestIdleTimeoutEndsSessionAndLogs drives the idle timeout with a fake
// clock: input keeps a session open however long it lasts, and a full
// timeout without input ends it, with a message and a log line.
func TestIdleTimeoutEndsSessionAndLogs(t *testing.T) {
	const idle = 10 * time.Minute
	clk := newFakeClock()
	h := newHarness(t, func(c *Config) { c.IdleTimeout, c.clock = idle, clk })
	u := h.openTUI(h.mustDial(h.keys[0]), 80, 24)
	key := fp(h.keys[0])
	info := <-h.infos
	h.waitSize(key, "80x24") // the session's idle timer is armed before its model is built
	if n := clk.Armed(); n != 1 {
		t.Fatalf("%d idle timers armed, want 1", n)
	}
	// The timer runs inside Advance and cancels the session's context
	// there, so whether the session is ending is known when Advance
	// returns.
	alive := func(when string) {
		t.Helper()
		if info.Context.Err() != nil {
			t.Fatalf("session ended %s", when)
		}
	}
	// Input just before each deadline keeps the session open: at 3 times
	// the timeout in all, it has never been idle for one.
	for i := range 3 {
		clk.Advance(idle - time.Second)
		alive(fmt.Sprintf("after %d×(timeout-1s) with input in between", i+1))
		h.settle(u, key) // input, read before settle returns
	}
	u.press(t, "v") // records a verification
	h.waitEvent(key, "key")
	clk.Advance(idle - time.Second)
	alive("one second before its timeout")
	clk.Advance(time.Second)
	if info.Context.Err() == nil {
		t.Fatal("session context live after a whole timeout without input")
	}
	select {
	case err := <-u.done:
		_ = err // the server closes the channel; the idle message and log line are checked below
	case <-time.After(testTimeout):
		t.Fatal("session idle for its whole timeout was not closed")
	}
	if !strings.Contains(u.out.Text(), "session closed after 10m0s without input") {
		t.Errorf("client output lacks the idle message:\n%q\nlog:\n%s", u.out.Text(), h.log.String())
	}
	waitFor(t, "the session log line", func() bool { return strings.Contains(h.log.String(), "msg=\"ssh session\"") })
	line := ""
	for _, l := range strings.Split(h.log.String(), "\n") {
		if strings.Contains(l, `msg="ssh session"`) {
			line = l
		}
	}
	for _, want := range []string{
		"key=" + fp(h.keys[0]),
		"remote=127.0.0.1:",
		`end="idle timeout"`,
		"verified=1",
		"demo/signed:v1: verified",
		"duration=",
		"user=alice",
		"term=xterm-256color",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q:\n%s", want, line)
		}
	}
}

func TestQuitLogsQuit(t *testing.T) {
	h := newHarness(t, nil)
	u := h.openTUI(h.mustDial(h.keys[1]), 80, 24)
	h.waitSize(fp(h.keys[1]), "80x24")
	u.press(t, "q")
	if err := <-u.done; err != nil {
		t.Errorf("session ended with %v, want a clean exit", err)
	}
	waitFor(t, "the session log line", func() bool { return strings.Contains(h.log.String(), "end=quit") })
}

func TestShutdownEndsSessions(t *testing.T) {
	h := newHarness(t, nil)
	u := h.openTUI(h.mustDial(h.keys[0]), 80, 24)
	h.waitSize(fp(h.keys[0]), "80x24")
	ctx, cancel := contextWithTimeout(testTimeout)
	defer cancel()
	go func() { _ = h.srv.Shutdown(ctx) }()
	select {
	case err := <-u.done:
		_ = err // the server closes the channel; the end reason is checked in the log below
	case <-time.After(testTimeout):
		t.Fatal("session survived shutdown")
	}
	waitFor(t, "the session log line", func() bool { return strings.Contains(h.log.String(), `end="server shutdown"`) })
}

func TestSessionInfo(t *testing.T) {
	h := newHarness(t, nil)
	c := h.mustDial(h.keys[0])
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Setenv("COLORTERM", "truecolor"); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 33, 111, nil); err != nil {
		t.Fatal(err)
	}
	// Keep input open: the end of input ends a session.
	if _, err := s.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	var info SessionInfo
	select {
	case info = <-h.infos:
	case <-time.After(testTimeout):
		t.Fatal("no model built")
	}
	if info.User != "alice" || info.KeyFingerprint != fp(h.keys[0]) || info.Term != "xterm-256color" ||
		info.Width != 111 || info.Height != 33 || !strings.HasPrefix(info.RemoteAddr, "127.0.0.1:") {
		t.Errorf("SessionInfo = %+v, want alice, key 0, xterm-256color 111x33 from loopback", info)
	}
	if info.ColorProfile.String() != "TrueColor" {
		t.Errorf("ColorProfile = %v, want TrueColor from COLORTERM=truecolor", info.ColorProfile)
	}
	if info.Limits.MaxRows != DefaultMaxRows {
		t.Errorf("Limits.MaxRows = %d, want %d", info.Limits.MaxRows, DefaultMaxRows)
	}
	if info.Context.Err() != nil {
		t.Error("session context done while the session runs")
	}
	_ = s.Close()
	waitFor(t, "the session context to end", func() bool { return info.Context.Err() != nil })
}

func TestHostKeyGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "host_ed25519")
	k1, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("generated key type %s, want %s", k1.PublicKey().Type(), gossh.KeyAlgoED25519)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	k2, err := loadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) {
		t.Error("second start produced a different host key")
	}
	if _, err := os.Stat(path + ".pub"); err != nil {
		t.Errorf("no public key written: %v", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("loading a world-readable host key: err = %v, want refused", err)
	}
}

func TestNewRejectsIncompleteConfig(t *testing.T) {
	dir := t.TempDir()
	ak := filepath.Join(dir, "ak")
	if err := os.WriteFile(ak, gossh.MarshalAuthorizedKey(newSigner(t).PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nobody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	factory := func(SessionInfo) tea.Model { return nil }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no factory", Config{HostKeyPath: filepath.Join(dir, "h1"), AuthorizedKeysPath: ak}, "no model factory"},
		{"no host key", Config{AuthorizedKeysPath: ak, NewModel: factory}, "no host key path"},
		{"no authorized keys", Config{HostKeyPath: filepath.Join(dir, "h2"), NewModel: factory}, "no authorized keys path"},
		{"missing authorized keys", Config{HostKeyPath: filepath.Join(dir, "h3"), AuthorizedKeysPath: filepath.Join(dir, "nope"), NewModel: factory}, "no such file"},
		{"empty authorized keys", Config{HostKeyPath: filepath.Join(dir, "h4"), AuthorizedKeysPath: empty, NewModel: factory}, "no usable key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%s) = %v, want error containing %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestPanickingModelFactoryEndsOnlyItsSession(t *testing.T) {
	var h *harness
	h = newHarness(t, func(c *Config) {
		next := c.NewModel
		c.NewModel = func(info SessionInfo) tea.Model {
			if info.KeyFingerprint == fp(h.keys[1]) {
				panic("model factory broke")
			}
			return next(info)
		}
	})
	bad := h.openTUI(h.mustDial(h.keys[1]), 80, 24)
	select {
	case err := <-bad.done:
		_ = err // the client's exit status is not the contract; the logged panic is checked below
	case <-time.After(testTimeout):
		t.Fatal("session with a panicking factory did not end")
	}
	waitFor(t, "the panic to be logged", func() bool {
		return strings.Contains(h.log.String(), "ssh session panic") && strings.Contains(h.log.String(), "end=panic")
	})
	good := h.openTUI(h.mustDial(h.keys[0]), 80, 24)
	good.press(t, "g")
	if got := h.waitEvent(fp(h.keys[0]), "key").text; got != "g" {
		t.Errorf("key in the healthy session = %q, want g", got)
	}
}
