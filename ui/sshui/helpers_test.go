package sshui

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/wish/v2/testsession"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/provscope/provscope/model"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// probeEvent is what a probeModel reports from its Update.
type probeEvent struct {
	key  string // KeyFingerprint of the session
	kind string // "key" or "size"
	text string // the key pressed, or WIDTHxHEIGHT
}

// probeModel is a minimal root model that reports every key press and size
// to the test and shows the last key as a word on its own line.
type probeModel struct {
	info     SessionInfo
	report   func(probeEvent)
	selected string
	w, h     int
}

func (m *probeModel) Init() tea.Cmd { return nil }

func (m *probeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch k := msg.String(); k {
		case "q":
			return m, tea.Quit
		case "v":
			m.info.RecordVerification("demo/signed:v1", model.VerdictVerified)
			m.report(probeEvent{m.info.KeyFingerprint, "key", k})
		default:
			m.selected = k
			m.report(probeEvent{m.info.KeyFingerprint, "key", k})
		}
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.report(probeEvent{m.info.KeyFingerprint, "size", fmt.Sprintf("%dx%d", msg.Width, msg.Height)})
	}
	return m, nil
}

// probeWord names the selection on screen. No two words share a letter at
// the same position, so the renderer, which sends only changed cells, writes
// each word whole and the tests can find it in the stream.
func probeWord(key string) string {
	switch key {
	case "":
		return ""
	case "a":
		return "alpha"
	case "b":
		return "bravo"
	case "s":
		return "sierra"
	}
	return "other"
}

func (m *probeModel) View() tea.View {
	return tea.NewView("probe " + m.info.User + "\n\n" + probeWord(m.selected) + "\n")
}

// harness is a server on loopback with a set of client keys, a log buffer
// and the events of every probe model it built.
type harness struct {
	t       *testing.T
	srv     *Server
	addr    string
	dir     string
	keys    []gossh.Signer // keys[0], keys[1] authorized; keys[2] not
	log     *syncBuffer
	infos   chan SessionInfo
	authKey string

	mu     sync.Mutex
	events map[string]chan probeEvent // by key fingerprint
}

// eventsFor returns the channel of events from sessions authenticated with
// the key whose fingerprint is key.
func (h *harness) eventsFor(key string) chan probeEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.events[key]
	if !ok {
		ch = make(chan probeEvent, 256)
		h.events[key] = ch
	}
	return ch
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	h := &harness{
		t:      t,
		dir:    t.TempDir(),
		log:    &syncBuffer{},
		events: map[string]chan probeEvent{},
		infos:  make(chan SessionInfo, 16),
	}
	for range 3 {
		h.keys = append(h.keys, newSigner(t))
	}
	h.authKey = filepath.Join(h.dir, "authorized_keys")
	h.writeAuthorized(h.keys[0], h.keys[1])
	cfg := Config{
		HostKeyPath:        filepath.Join(h.dir, "host_key"),
		AuthorizedKeysPath: h.authKey,
		Logger:             slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		NewModel: func(info SessionInfo) tea.Model {
			h.infos <- info
			return &probeModel{info: info, report: func(e probeEvent) { h.eventsFor(e.key) <- e }}
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	h.srv = srv
	h.addr = testsession.Listen(t, srv.srv)
	return h
}

// writeAuthorized rewrites the authorized_keys file with keys, moving its
// mtime forward so the change is seen even on coarse clocks.
func (h *harness) writeAuthorized(keys ...gossh.Signer) {
	h.t.Helper()
	var b bytes.Buffer
	b.WriteString("# test keys\n")
	for _, k := range keys {
		b.Write(gossh.MarshalAuthorizedKey(k.PublicKey()))
	}
	if err := os.WriteFile(h.authKey, b.Bytes(), 0o600); err != nil {
		h.t.Fatal(err)
	}
	next := time.Now().Add(time.Duration(len(keys)+1) * time.Second)
	if fi, err := os.Stat(h.authKey); err == nil && !fi.ModTime().Before(next) {
		next = fi.ModTime().Add(time.Second)
	}
	if err := os.Chtimes(h.authKey, next, next); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) dial(auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", h.addr, &gossh.ClientConfig{
		User:            "alice",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(h.srv.hostKey),
		Timeout:         testTimeout,
	})
}

func (h *harness) mustDial(k gossh.Signer) *gossh.Client {
	h.t.Helper()
	c, err := h.dial(gossh.PublicKeys(k))
	if err != nil {
		h.t.Fatalf("dialing with an authorized key: %v", err)
	}
	h.t.Cleanup(func() { _ = c.Close() })
	return c
}

// tui is one client session with a PTY and a shell.
type tui struct {
	sess  *gossh.Session
	stdin io.WriteCloser
	out   *syncBuffer
	done  chan error
}

func (h *harness) openTUI(c *gossh.Client, w, ht int) *tui {
	h.t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		h.t.Fatalf("NewSession() = %v", err)
	}
	h.t.Cleanup(func() { _ = sess.Close() })
	if err := sess.RequestPty("xterm-256color", ht, w, gossh.TerminalModes{}); err != nil {
		h.t.Fatalf("RequestPty() = %v", err)
	}
	u := &tui{sess: sess, out: &syncBuffer{}, done: make(chan error, 1)}
	sess.Stdout = u.out
	sess.Stderr = u.out
	if u.stdin, err = sess.StdinPipe(); err != nil {
		h.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		h.t.Fatalf("Shell() = %v", err)
	}
	go func() { u.done <- sess.Wait() }()
	return u
}

func (u *tui) press(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(u.stdin, keys); err != nil {
		t.Fatalf("writing keys %q: %v", keys, err)
	}
}

// waitEvent returns the next event of kind from sessions of key, skipping
// other kinds, and fails after testTimeout.
func (h *harness) waitEvent(key, kind string) probeEvent {
	h.t.Helper()
	ch := h.eventsFor(key)
	deadline := time.After(testTimeout)
	for {
		select {
		case e := <-ch:
			if e.kind == kind {
				return e
			}
		case <-deadline:
			h.t.Fatalf("no %s event from %s within %s", kind, key, testTimeout)
		}
	}
}

// waitSize waits until a session of key reports size want (the initial
// size may arrive more than once).
func (h *harness) waitSize(key, want string) {
	h.t.Helper()
	ch := h.eventsFor(key)
	deadline := time.After(testTimeout)
	var seen []string
	for {
		select {
		case e := <-ch:
			if e.kind == "size" && e.text == want {
				return
			}
			seen = append(seen, e.kind+" "+e.text)
		case <-deadline:
			h.t.Fatalf("no size %s from %s within %s; saw %v", want, key, testTimeout, seen)
		}
	}
}

// settle presses a key the probe ignores for size checks and waits for it,
// so every earlier event of that session has been delivered, then drops
// them.
func (h *harness) settle(u *tui, key string) {
	h.t.Helper()
	u.press(h.t, "s")
	h.waitEvent(key, "key")
	h.drainEvents(key)
}

// drainEvents returns the events of key received so far.
func (h *harness) drainEvents(key string) []probeEvent {
	ch := h.eventsFor(key)
	var evs []probeEvent
	for {
		select {
		case e := <-ch:
			evs = append(evs, e)
		default:
			return evs
		}
	}
}

// waitFor polls cond until it holds or testTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fp(k gossh.Signer) string { return gossh.FingerprintSHA256(k.PublicKey()) }

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Text is the output with ANSI sequences removed.
func (s *syncBuffer) Text() string { return ansi.Strip(s.String()) }
