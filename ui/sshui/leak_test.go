package sshui

import (
	"context"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
)

// Bounds of TestDroppedSessionsWithPendingInputLeakNothing. A leaked session
// holds its program, renderer and model (about 2.4 MB at 80x24 before the
// input pump) and at least one goroutine, so 100 leaked sessions would be
// hundreds of goroutines and hundreds of MB; the tolerances allow for pools,
// caches and the server's own connection bookkeeping settling, not for one
// session in ten.
const (
	droppedSessions    = 100
	leakGoroutineSlack = 8
	leakHeapSlack      = 8 << 20
	// leakPolls bounds how often the test collects garbage and looks
	// again while the server's goroutines wind down (10 ms apart).
	leakPolls = 200
)

// TestDroppedSessionsWithPendingInputLeakNothing opens sessions, makes each
// quit with keystrokes still unread behind the quit key, drops the client,
// and checks that the server's goroutines and heap come back to where they
// were. Bubble Tea's own input reader blocks forever sending those
// keystrokes to a program that has exited; the server's input pump must
// not.
func TestDroppedSessionsWithPendingInputLeakNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 100 SSH sessions; skipped in -short mode")
	}
	h := newHarness(t, func(c *Config) {
		c.NewModel = func(info SessionInfo) tea.Model {
			return &probeModel{info: info, report: func(probeEvent) {}}
		}
	})
	// One session first, so that what every session shares once created
	// (key tables, terminfo, pools) is part of the baseline.
	dropSessionWithPendingInput(t, h)
	baseGoroutines, baseHeap := settledGoroutinesAndHeap()

	for range droppedSessions {
		dropSessionWithPendingInput(t, h)
	}

	var goroutines int
	var heap uint64
	for range leakPolls {
		goroutines, heap = settledGoroutinesAndHeap()
		if goroutines <= baseGoroutines+leakGoroutineSlack && heap <= baseHeap+leakHeapSlack {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("after %d dropped sessions: goroutines %d (baseline %d), heap %.1f MB (baseline %.1f MB)",
		droppedSessions, goroutines, baseGoroutines, float64(heap)/(1<<20), float64(baseHeap)/(1<<20))
	if goroutines > baseGoroutines+leakGoroutineSlack {
		t.Errorf("goroutines = %d after %d dropped sessions, want at most %d (baseline %d + %d)",
			goroutines, droppedSessions, baseGoroutines+leakGoroutineSlack, baseGoroutines, leakGoroutineSlack)
	}
	if heap > baseHeap+leakHeapSlack {
		t.Errorf("heap = %d bytes after %d dropped sessions, want at most %d (baseline %d + %d)",
			heap, droppedSessions, baseHeap+leakHeapSlack, baseHeap, leakHeapSlack)
	}
	if n := h.srv.ActiveSessions(); n != 0 {
		t.Errorf("ActiveSessions() = %d after every client left, want 0", n)
	}
}

// dropSessionWithPendingInput opens a session on a connection of its own,
// waits for the model's first screen, sends the quit key followed by
// keystrokes the model will never read, waits for the server to end the
// session, and closes the connection.
func dropSessionWithPendingInput(t *testing.T, h *harness) {
	t.Helper()
	c, err := h.dial(gossh.PublicKeys(h.keys[0]))
	if err != nil {
		t.Fatalf("dialing: %v", err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("NewSession() = %v", err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatalf("RequestPty() = %v", err)
	}
	out := &syncBuffer{}
	sess.Stdout, sess.Stderr = out, out
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatalf("Shell() = %v", err)
	}
	waitFor(t, "the first screen", func() bool { return strings.Contains(out.Text(), "probe alice") })
	if _, err := stdin.Write([]byte("q" + strings.Repeat("x", 4096))); err != nil {
		t.Fatalf("writing keys: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		// The session ends on q; how the server closes the channel (an
		// exit status or none) is not what this test is about.
		_ = err
	case <-time.After(testTimeout):
		t.Fatal("session did not end on q")
	}
}

// settledGoroutinesAndHeap collects garbage and returns the number of
// goroutines and the bytes of live heap objects.
func settledGoroutinesAndHeap() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

// quitAtOnce is a model that quits as it starts.
type quitAtOnce struct{}

func (quitAtOnce) Init() tea.Cmd                       { return tea.Quit }
func (quitAtOnce) Update(tea.Msg) (tea.Model, tea.Cmd) { return quitAtOnce{}, nil }
func (quitAtOnce) View() tea.View                      { return tea.NewView("") }

// TestInputPumpEndsAfterProgramExit feeds the pump keystrokes for a
// program that has already exited: it must drop them and end when its
// input ends, where Bubble Tea's own reader would block forever.
func TestInputPumpEndsAfterProgramExit(t *testing.T) {
	p := tea.NewProgram(quitAtOnce{}, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer())
	if _, err := p.Run(); err != nil {
		t.Fatalf("Run() = %v", err)
	}
	// The session's context is still live: this is the moment between the
	// program's exit and the end of its session.
	in := strings.NewReader("q" + strings.Repeat("x", 8192) + "\x1b[A")
	select {
	case <-pumpInput(context.Background(), in, "xterm-256color", p):
	case <-time.After(testTimeout):
		t.Fatal("input pump still running after its input ended, with the program gone")
	}
}

// TestInputPumpDeliversKeys checks the pump hands a running program the
// keys it decodes, in order.
func TestInputPumpDeliversKeys(t *testing.T) {
	got := make(chan string, 16)
	m := &keyRecorder{got: got}
	pr, pw := io.Pipe()
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := pumpInput(ctx, pr, "xterm-256color", p)
	runErr := make(chan error, 1)
	go func() { _, err := p.Run(); runErr <- err }()
	if _, err := pw.Write([]byte("ab\x1b[Aq")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for len(keys) < 4 {
		select {
		case k := <-got:
			keys = append(keys, k)
		case <-time.After(testTimeout):
			t.Fatalf("keys so far %q, want 4", keys)
		}
	}
	if want := []string{"a", "b", "up", "q"}; !slices.Equal(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run() = %v", err)
	}
	_ = pw.Close()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("input pump still running after its input closed")
	}
}

// keyRecorder reports each key press and quits on q.
type keyRecorder struct{ got chan<- string }

func (m *keyRecorder) Init() tea.Cmd { return nil }

func (m *keyRecorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		m.got <- k.String()
		if k.String() == "q" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m *keyRecorder) View() tea.View { return tea.NewView("") }
