package ui_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/server"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
	"github.com/provscope/provscope/ui/fakebackend"
)

// startDemo starts the real demo world (the test is skipped under -short)
// and returns a context bounded to two minutes, the world and its trusted
// root; both end with the test.
func startDemo(t *testing.T) (context.Context, *demo.World, []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the demo world")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	w, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatalf("starting the demo world: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, w, tr
}

// openDemo opens the real backend on the demo world's registry and log
// under pol.
func openDemo(ctx context.Context, t *testing.T, w *demo.World, pol inspect.Policy) *backend.Backend {
	t.Helper()
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.RegistryHost,
		Log:          logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1},
		KeyPEM:       w.LogPublicKeyPEM, Policy: pol,
	})
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
	return b
}

// loggedArtifact starts provscope's embedded log on loopback, logs a
// hashedrekord entry for artifact signed with the key seeded by seed, and
// opens the real backend on that log with every capability. It returns the
// backend, the signature and the signer's and the log's PEM public keys.
func loggedArtifact(t *testing.T, seed string, artifact []byte) (b *backend.Backend, sig, signerPEM, logPEM []byte) {
	t.Helper()
	ctx := context.Background()
	sl, err := server.Open(ctx, server.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sl.Handler())
	t.Cleanup(func() { srv.Close(); _ = sl.Close() })
	rc, err := client.New(client.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	key, err := cosignfmt.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cosignfmt.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	sig, err = s.SignMessage(bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rc.Upload(ctx, cosignfmt.HashedRekordEntry(artifact, sig, s.PublicKeyPEM())); err != nil {
		t.Fatal(err)
	}
	b, err = backend.Open(ctx, backend.Config{
		Log:          logs.Log{Name: "test", URL: srv.URL, Kind: logs.KindRekorV1},
		KeyPEM:       sl.PublicKeyPEM(),
		Capabilities: backend.AllCapabilities(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, sig, s.PublicKeyPEM(), sl.PublicKeyPEM()
}

var fixedNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// newTestApp returns an App on a fresh fake world at w×h, initialised and
// with every start-up command run.
func newTestApp(t testing.TB, w, h int, opts ...ui.Option) (*ui.App, *fakebackend.Backend) {
	t.Helper()
	fb := fakebackend.New()
	a := startWith(t, fb, w, h, func(c *ui.Common) {
		c.ExportDir = t.TempDir()
		c.LogName = "fake"
		c.RegistryHost = "127.0.0.1:5000"
	}, opts...)
	return a, fb
}

// startWith opens the explorer on b at w×h, with the clock pinned and no
// head refresh timer (heads are refreshed by hand), and runs its start-up
// commands; edit, when set, adjusts the session's Common first.
func startWith(t testing.TB, b ui.Backend, w, h int, edit func(*ui.Common), opts ...ui.Option) *ui.App {
	t.Helper()
	c := ui.NewCommon(b, true, false)
	c.Now = func() time.Time { return fixedNow }
	c.RefreshInterval = 0
	if edit != nil {
		edit(&c)
	}
	a := ui.New(c, opts...)
	run(t, a, a.Init())
	send(t, a, tea.WindowSizeMsg{Width: w, Height: h})
	return a
}

// run executes cmd and everything it leads to, synchronously, feeding each
// message back into the App. Timers (spinner ticks) are skipped.
func run(t testing.TB, a *ui.App, cmd tea.Cmd) { runWatched(t, a, cmd, nil, nil) }

// runWatched is run with a say over each message: hold (when not nil)
// returning true keeps a message from the App; after (when not nil) runs
// after each message the App took.
func runWatched(t testing.TB, a *ui.App, cmd tea.Cmd, hold func(tea.Msg) bool, after func()) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("command loop did not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch m := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, m...)
		case spinner.TickMsg, tea.QuitMsg:
		default:
			if hold != nil && hold(m) {
				continue
			}
			_, next := a.Update(m)
			if after != nil {
				after()
			}
			queue = append(queue, next)
		}
	}
}

// send delivers msg and runs the commands it returns.
func send(t testing.TB, a *ui.App, msg tea.Msg) tea.Cmd {
	t.Helper()
	_, cmd := a.Update(msg)
	run(t, a, cmd)
	return cmd
}

// press sends the first key of a binding.
func press(t testing.TB, a *ui.App, b key.Binding) tea.Cmd {
	t.Helper()
	return send(t, a, keyMsg(b.Keys()[0]))
}

// typeText sends each rune as a key press.
func typeText(t testing.TB, a *ui.App, s string) {
	t.Helper()
	for _, r := range s {
		send(t, a, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// keyMsg builds the key press whose String() is k.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	if strings.HasPrefix(k, "ctrl+") {
		return tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	if r >= 'A' && r <= 'Z' {
		return tea.KeyPressMsg{Code: r + 32, ShiftedCode: r, Text: k, Mod: tea.ModShift}
	}
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the App's view with ANSI stripped, after checking its size.
func screen(t testing.TB, a *ui.App, w, h int) string {
	t.Helper()
	v := a.View().Content
	if gw, gh := lipgloss.Size(v); gw != w || gh != h {
		t.Fatalf("view is %d×%d, want %d×%d:\n%s", gw, gh, w, h, ansi.Strip(v))
	}
	return ansi.Strip(v)
}

// openImage expands repo and moves the cursor to its tag.
func openImage(t testing.TB, a *ui.App, repo, tag string) {
	t.Helper()
	k := ui.DefaultKeyMap()
	press(t, a, k.Top)
	for range 20 {
		if strings.Contains(currentRow(a), repo) {
			break
		}
		press(t, a, k.Down)
	}
	press(t, a, k.Enter)
	for range 20 {
		if a.SelectedImage() == repo+":"+tag {
			return
		}
		press(t, a, k.Down)
	}
	t.Fatalf("could not select %s:%s (selected %q)", repo, tag, a.SelectedImage())
}

func currentRow(a *ui.App) string { return a.CurrentImageRow() }

func keyMsgSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
