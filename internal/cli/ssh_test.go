package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
	"github.com/provscope/provscope/ui/fakebackend"
	"github.com/provscope/provscope/ui/sshui"
)

// TestSSHSessionCommon checks what one session's explorer gets from its
// SessionInfo: size, the row limit, no export, the session's context.
func TestSSHSessionCommon(t *testing.T) {
	e := &sshExplorer{cfg: explorerConfig{Fake: true, LogName: "fake"}, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := e.newModel(sshui.SessionInfo{ID: "s1", Width: 90, Height: 30, Context: ctx, Limits: sshui.Limits{MaxRows: 1234, MaxWidth: 320, MaxHeight: 120}})
	a, ok := m.(*ui.App)
	if !ok {
		t.Fatalf("newModel returned %T, want *ui.App", m)
	}
	c := a.Common()
	if c.MaxRows != 1234 || c.Width != 90 || c.Height != 30 || c.ExportDir != "" || c.Ctx != ctx {
		t.Errorf("session Common: MaxRows %d, %d×%d, export %q, ctx %v; want 1234, 90×30, no export, the session's", c.MaxRows, c.Width, c.Height, c.ExportDir, c.Ctx)
	}
	e.cfg.Policy = inspect.Policy{Identity: &proof.IdentityPolicy{SAN: "alice@provscope.example", Issuer: "https://accounts.provscope.example"}}
	if got := e.newModel(sshui.SessionInfo{ID: "s1b", Context: ctx}).(*ui.App).Common().Signer; got != "alice@provscope.example" {
		t.Errorf("session Common.Signer = %q, want the pinned identity", got)
	}
	e.cfg.Policy = inspect.Policy{}
	if c.PinSigner != nil {
		t.Error("a session on the fake world offers P, whose backend has no signer to change")
	}

	// Sessions on a shared backend remember checkpoints through it.
	fb := fakebackend.New()
	head, err := fb.LogInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.shared = fb
	mem, ok := e.newModel(sshui.SessionInfo{ID: "s2", Context: ctx}).(*ui.App).Common().Backend.(ui.CheckpointMemory)
	if !ok {
		t.Fatal("a session's backend is no CheckpointMemory")
	}
	if stored, err := mem.Remember(ctx, nil, head); !stored || err != nil {
		t.Fatalf("Remember through the session = %v, %v", stored, err)
	}
	if r, err := mem.Recall(ctx, head.TreeID); err != nil || r == nil || r.TreeSize != head.TreeSize || fb.Remembered() == nil {
		t.Errorf("Recall through the session = %+v, %v; want size %d from the shared backend", r, err, head.TreeSize)
	}
	// and may pin a signer, but never a key file (it would be the server's).
	sc := e.newModel(sshui.SessionInfo{ID: "s3", Context: ctx}).(*ui.App).Common()
	if sc.PinSigner == nil {
		t.Fatal("a session on a real backend offers no P")
	}
	if _, _, err := sc.PinSigner(ctx, sc.Backend, "key /etc/hostname"); err == nil || !strings.Contains(err.Error(), "not read in SSH sessions") {
		t.Errorf("PinSigner(key FILE) in an SSH session = %v, want it refused", err)
	}
}

func TestSSHUsageErrors(t *testing.T) {
	dir := t.TempDir()
	ak := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(ak, []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hk := filepath.Join(dir, "host_key")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no authorized keys", []string{"ssh", "--fake"}, "--authorized-keys is required"},
		{"zero sessions", []string{"ssh", "--fake", "--authorized-keys", ak, "--max-sessions", "0"}, "--max-sessions 0"},
		{"bad idle timeout", []string{"ssh", "--fake", "--authorized-keys", ak, "--idle-timeout", "0s"}, "--idle-timeout"},
		{"missing authorized keys file", []string{"ssh", "--fake", "--host-key", hk, "--authorized-keys", filepath.Join(dir, "nope")}, "no such file"},
		{"unknown log", []string{"ssh", "--authorized-keys", ak, "--host-key", hk, "--log", "no-such-log"}, "unknown log"},
		{"arguments", []string{"ssh", "extra"}, "unknown command"},
		{"half an identity", []string{"ssh", "--fake", "--authorized-keys", ak, "--certificate-identity", "alice@provscope.example"}, "needs both"},
		{"unreadable key", []string{"ssh", "--fake", "--authorized-keys", ak, "--key", filepath.Join(dir, "nope.pub")}, "reading --key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != exitUsageErr {
				t.Fatalf("run(%q) = %d, want %d (stderr %q)", tt.args, code, exitUsageErr, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, errb.String(), tt.want)
			}
		})
	}
}

// TestSSHEndToEnd runs scripts/ssh-e2e.sh: real OpenSSH clients in tmux
// against a freshly built provscope ssh serving the demo world on loopback
// (two concurrent sessions, refusals, resize, log lines). It skips when ssh,
// ssh-keygen or tmux is missing (Debian: apt-get install -y openssh-client
// tmux) and in -short mode.
func TestSSHEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds provscope and drives OpenSSH; skipped in -short mode")
	}
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found; install openssh-client and tmux to run the SSH end-to-end test", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "provscope")
	if out, err := exec.Command("go", "build", "-o", bin, testenv.ModulePath).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	outDir := filepath.Join(dir, "out")
	cmd := exec.Command("bash", filepath.Join(testenv.RepoRoot(), "scripts", "ssh-e2e.sh"), outDir)
	// The sessions remember checkpoints: keep them out of the user's state.
	cmd.Env = append(os.Environ(), "PROVSCOPE_BIN="+bin, "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	out, err := cmd.CombinedOutput()
	t.Logf("ssh-e2e.sh:\n%s", out)
	if err != nil {
		if log, rerr := os.ReadFile(filepath.Join(outDir, "server.log")); rerr == nil {
			t.Logf("server.log:\n%s", log)
		}
		t.Fatalf("ssh-e2e.sh failed: %v", err)
	}
	// The script asserts as it goes; check the captured screens here too.
	screens := map[string][]string{
		"01-alice-start.txt":    {"Images", "demo/web", "demo/worker"},
		"03-alice-verified.txt": {"Entries · demo/web:latest", "Inclusion proof", "demo/web:latest: verified"},
		"03-bob-selected.txt":   {"Entries · demo/worker:latest", "not logged"},
		"06-alice-quit.txt":     {"SSH-EXITED-0"},
		"06-bob-quit.txt":       {"SSH-EXITED-0"},
	}
	for name, wants := range screens {
		b, err := os.ReadFile(filepath.Join(outDir, name))
		if err != nil {
			t.Fatalf("reading capture: %v", err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q:\n%s", name, w, b)
			}
		}
	}
	ansi, err := os.ReadFile(filepath.Join(outDir, "03-alice-verified.ansi"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(ansi, []byte("\x1b[")) {
		t.Error("the -e capture carries no colour: styles did not reach the SSH client")
	}
}

// BenchmarkSSHSessionMemory measures the heap held per session with 10
// concurrent sessions (120x40 PTY): "explorer" is the real explorer on the
// fake world after a short flow (expand an image, move, verify), "minimal" a
// model that only prints its size, i.e. the SSH + Bubble Tea overhead. The
// in-process gossh clients are counted too, so the figures are upper bounds
// for the server. It also reports the bytes sent for the first full frame and
// for one key press that moves the selection afterwards: the renderer sends
// only what changed, which keeps a slow link usable.
//
//	go test -run '^$' -bench SSHSessionMemory -benchtime 3x .
func BenchmarkSSHSessionMemory(b *testing.B) {
	for _, kind := range []string{"minimal", "explorer"} {
		b.Run(kind, func(b *testing.B) {
			// Warm up: the first sessions pay one-time initialisation
			// (package-level caches, tables) that no later session does.
			measureSSHSessions(b, kind, 2)
			var firstFrame, perSession, perKey, goroutines float64
			for range b.N {
				m := measureSSHSessions(b, kind, 10)
				firstFrame += m.firstFrame
				perSession += m.heapPerSession
				perKey += m.bytesPerKey
				goroutines += m.goroutinesPerSession
			}
			n := float64(b.N)
			b.ReportMetric(perSession/n, "B/session")
			b.ReportMetric(perKey/n, "out-B/keypress")
			b.ReportMetric(firstFrame/n, "out-B/first-frame")
			b.ReportMetric(goroutines/n, "goroutines/session")
		})
	}
}

type sshMeasure struct {
	firstFrame, heapPerSession, bytesPerKey, goroutinesPerSession float64
}

func measureSSHSessions(b *testing.B, kind string, sessions int) sshMeasure {
	b.Helper()
	dir := b.TempDir()
	var ak bytes.Buffer
	signers := make([]gossh.Signer, sessions)
	for i := range signers {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if signers[i], err = gossh.NewSignerFromKey(priv); err != nil {
			b.Fatal(err)
		}
		ak.Write(gossh.MarshalAuthorizedKey(signers[i].PublicKey()))
	}
	if err := os.WriteFile(filepath.Join(dir, "ak"), ak.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	newModel := func(info sshui.SessionInfo) tea.Model { return sizeModel{info: info} }
	if kind == "explorer" {
		e := &sshExplorer{cfg: explorerConfig{Fake: true, LogName: "fake"}, logger: logger}
		newModel = e.newModel
	}
	srv, err := sshui.New(sshui.Config{
		HostKeyPath:        filepath.Join(dir, "hk"),
		AuthorizedKeysPath: filepath.Join(dir, "ak"),
		MaxSessions:        sessions,
		Logger:             logger,
		NewModel:           newModel,
	})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	// Let the previous run's sessions finish tearing down first, or the
	// memory they free lands in this run's measurement.
	idle := runtime.NumGoroutine()
	var clients []*gossh.Client
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
		_ = srv.Close()
		for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > idle && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}()
	go func() { _ = srv.Serve(l) }()

	before := heapInUse()
	goroutinesBefore := runtime.NumGoroutine()
	outs := make([]*countingWriter, sessions)
	stdins := make([]io.WriteCloser, sessions)
	for i, s := range signers {
		c, err := gossh.Dial("tcp", l.Addr().String(), &gossh.ClientConfig{
			User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(s)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // loopback server started above
		})
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
		sess, err := c.NewSession()
		if err != nil {
			b.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", 40, 120, nil); err != nil {
			b.Fatal(err)
		}
		outs[i] = &countingWriter{}
		sess.Stdout = outs[i]
		if stdins[i], err = sess.StdinPipe(); err != nil {
			b.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			b.Fatal(err)
		}
	}
	// Walk a short flow in every session: expand the first image, move to
	// its first tag, verify it.
	waitQuiet(outs)
	firstFrame := outs[0].n.Load()
	for _, keys := range []string{"\r", "j", "v"} {
		for _, in := range stdins {
			_, _ = io.WriteString(in, keys)
		}
		waitQuiet(outs)
	}
	after := heapInUse()
	goroutinesAfter := runtime.NumGoroutine()

	// One key press that moves the selection, in session 0 only.
	sent := outs[0].n.Load()
	_, _ = io.WriteString(stdins[0], "k")
	waitQuiet(outs)
	perKey := outs[0].n.Load() - sent

	return sshMeasure{
		firstFrame:           float64(firstFrame),
		heapPerSession:       float64(after-before) / float64(sessions),
		bytesPerKey:          float64(perKey),
		goroutinesPerSession: float64(goroutinesAfter-goroutinesBefore) / float64(sessions),
	}
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc) //nolint:gosec // heap sizes fit
}

// waitQuiet waits until no session has received output for 300ms.
func waitQuiet(outs []*countingWriter) {
	total := func() (n int64) {
		for _, o := range outs {
			n += o.n.Load()
		}
		return n
	}
	last, quietSince := total(), time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if n := total(); n != last {
			last, quietSince = n, time.Now()
		} else if time.Since(quietSince) > 300*time.Millisecond {
			return
		}
	}
}

type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// sizeModel is the smallest useful root model: it shows the session's size.
type sizeModel struct {
	info sshui.SessionInfo
	w, h int
}

func (m sizeModel) Init() tea.Cmd { return nil }

func (m sizeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		if msg.String() == "q" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m sizeModel) View() tea.View {
	v := tea.NewView(fmt.Sprintf("%s %dx%d", m.info.KeyFingerprint, m.w, m.h))
	v.AltScreen = true
	return v
}

// TestSSHSessionTouchesNoHostFiles: an SSH session on a real log cannot
// read or write the server's files by any path the explorer has (search by
// key file, evidence export, pinning a key file, a log switched to), and
// the backend itself refuses, not only the key handlers: the session's
// backend refuses when called directly, and pinning refuses even when told
// key files are allowed. Then the same over the wire: keys typed into a
// real SSH session get the refusals on screen.
func TestSSHSessionTouchesNoHostFiles(t *testing.T) {
	isolateEnv(t)
	w := startDemo(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	e, err := openSSHExplorer(ctx, explorerConfig{
		RegistryHost: w.RegistryHost, LogURL: w.LogURL, LogPublicKeyPEM: w.LogPublicKeyPEM,
		TrustedRootPath: w.TrustedRootPath, ForgetCheckpoints: true,
		HostFiles: backend.AllCapabilities(), // whatever the caller passes, sessions get none
	}, logger)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := demoKeyPath(w, "2026")
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatalf("the demo world's key file: %v", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sc := e.newModel(sshui.SessionInfo{ID: "s1", Context: sctx}).(*ui.App).Common()
	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, backend.ErrNotPermitted) {
			t.Errorf("%s in an SSH session = %v, want it refused as not permitted", what, err)
		}
	}

	_, err = sc.Backend.Search(ctx, keyPath)
	refused("Search(key file)", err)
	hw, ok := sc.Backend.(ui.HostWriter)
	if !ok {
		t.Fatalf("the session's backend %T is no ui.HostWriter: export would write with the os package", sc.Backend)
	}
	dir := t.TempDir()
	refused("MkdirAll", hw.MkdirAll(filepath.Join(dir, "evidence"), 0o750))
	refused("WriteFile", hw.WriteFile(filepath.Join(dir, "report.json"), []byte("{}"), 0o600))
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the session wrote %v on the server", ents)
	}
	if sc.ExportDir != "" {
		t.Errorf("session ExportDir = %q, want export disabled", sc.ExportDir)
	}
	if _, _, err := sc.PinSigner(ctx, sc.Backend, "key "+keyPath); err == nil {
		t.Error("PinSigner(key FILE) in an SSH session succeeded")
	}
	// Even a caller that allowed key files is refused by the backend.
	_, _, err = pinSigner(sc.Backend, "key "+keyPath, true)
	refused("pinSigner(key FILE, keyFiles true)", err)
	// A pinned identity keeps the session's capabilities.
	pinned, _, err := sc.PinSigner(ctx, sc.Backend, "alice@provscope.example https://accounts.provscope.example")
	if err != nil {
		t.Fatalf("PinSigner(identity): %v", err)
	}
	_, err = pinned.Search(ctx, keyPath)
	refused("Search(key file) after pinning a signer", err)
	// So does the log picker's backend.
	switched, err := sc.OpenLog(ctx, sc.Logs[0])
	if err != nil {
		t.Fatalf("OpenLog(%s): %v", sc.Logs[0].Name, err)
	}
	_, err = switched.Search(ctx, keyPath)
	refused("Search(key file) after switching logs", err)

	// The local explorer's backend, for contrast, reads the same file.
	local := explorerConfig{
		RegistryHost: w.RegistryHost, LogURL: w.LogURL, LogPublicKeyPEM: w.LogPublicKeyPEM,
		TrustedRootPath: w.TrustedRootPath, ForgetCheckpoints: true, HostFiles: backend.AllCapabilities(),
	}
	lb, _, err := openBackend(ctx, &local)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Search(ctx, keyPath); err != nil {
		t.Errorf("Search(key file) in the local explorer = %v, want it read", err)
	}

	// Over the wire.
	screen := openSSHScreen(t, e.newModel)
	screen.waitFor("Images")
	for _, step := range []struct{ keys, want string }{
		{"/" + keyPath + "\r", "not permitted in this session"},
		{"P" + "key " + keyPath + "\r", "not read in SSH sessions"},
		{"e", "export is disabled in this session"},
	} {
		screen.press(step.keys)
		screen.waitFor(step.want)
	}
	if ents, _ := os.ReadDir("."); slices.ContainsFunc(ents, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "provscope-evidence-") }) {
		t.Error("an SSH session exported evidence into the server's working folder")
	}

	// A session whose export key were let through (an export folder set
	// by mistake) still writes nothing: the backend refuses the writes.
	exportDir := t.TempDir()
	screen = openSSHScreen(t, func(info sshui.SessionInfo) tea.Model {
		c := e.newModel(info).(*ui.App).Common()
		c.ExportDir = exportDir
		return ui.New(c)
	})
	screen.waitFor("demo/web")
	screen.press("jjjj\r") // expand demo/web, as scripts/ssh-e2e.sh does
	screen.waitFor("demo/web (")
	screen.press("j") // its first tag
	// e until the tag's image has resolved (before, export asks for one).
	for i := 0; !screen.shows("not permitted in this session", 5); i++ {
		if i == 100 {
			t.Fatalf("export was never refused as not permitted; last redraw:\n%s", screen.last)
		}
		screen.press("e")
	}
	if ents, _ := os.ReadDir(exportDir); len(ents) != 0 {
		t.Errorf("an SSH session exported %v into the server's folder", ents)
	}
}

// openSSHScreen serves sessions built by newModel over SSH on loopback and
// opens one, 250x40, closing it all when t ends.
func openSSHScreen(t *testing.T, newModel func(sshui.SessionInfo) tea.Model) *redrawnScreen {
	t.Helper()
	addr, signer := startSSHExplorer(t, newModel)
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // loopback server started above
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	if err := sess.RequestPty("xterm-256color", 40, 250, nil); err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	sess.Stdout = out
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return &redrawnScreen{t: t, sess: sess, stdin: stdin, out: out, w: 250, h: 40}
}

// startSSHExplorer serves sessions built by newModel over SSH on loopback
// to one fresh key, and returns the server's address and the key.
func startSSHExplorer(t *testing.T, newModel func(sshui.SessionInfo) tea.Model) (string, gossh.Signer) {
	t.Helper()
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ak"), gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := sshui.New(sshui.Config{
		HostKeyPath:        filepath.Join(dir, "hk"),
		AuthorizedKeysPath: filepath.Join(dir, "ak"),
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		NewModel:           newModel,
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String(), signer
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent
// readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// since returns the output from byte offset off on, ANSI stripped, and the
// offset of its end.
func (l *lockedBuffer) since(off int) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ansi.Strip(l.b.String()[off:]), l.b.Len()
}

// redrawnScreen finds text on an SSH session's screen. The renderer sends
// only the cells that changed, so a new line of text may arrive in pieces
// around cells it shares with the old screen; a resize makes it redraw
// everything, so the test resizes (alternating between two widths) and
// looks at what follows.
type redrawnScreen struct {
	t     *testing.T
	sess  *gossh.Session
	stdin io.Writer
	out   *lockedBuffer
	w, h  int
	flip  bool
	last  string // the last redraw looked at
}

// press types keys into the session.
func (s *redrawnScreen) press(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, keys); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// shows redraws the screen until it shows want, at most tries times, 20 ms
// apart, and reports whether it did.
func (s *redrawnScreen) shows(want string, tries int) bool {
	s.t.Helper()
	for range tries {
		_, off := s.out.since(0)
		s.flip = !s.flip
		w := s.w
		if s.flip {
			w--
		}
		if err := s.sess.WindowChange(s.h, w); err != nil {
			s.t.Fatalf("WindowChange: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
		if s.last, _ = s.out.since(off); strings.Contains(s.last, want) {
			return true
		}
	}
	return false
}

// waitFor fails the test unless the screen shows want within 500 redraws.
func (s *redrawnScreen) waitFor(want string) {
	s.t.Helper()
	if s.shows(want, 500) {
		return
	}
	text := s.last
	if len(text) > 2000 {
		text = "…" + text[len(text)-2000:]
	}
	s.t.Fatalf("the screen never showed %q; last redraw:\n%s", want, text)
}

// TestSSHSessionKeepsHeadChecker: wrapping a session's backend to report
// its verdicts must not hide the log-head watcher, or SSH sessions would
// judge log heads with the weaker legacy path the local explorer no longer
// uses.
func TestSSHSessionKeepsHeadChecker(t *testing.T) {
	if _, ok := newReportingBackend(&backend.Backend{}, sshui.SessionInfo{}).(ui.HeadChecker); !ok {
		t.Error("a session over the real backend lost its ui.HeadChecker")
	}
	if _, ok := newReportingBackend(fakebackend.New(), sshui.SessionInfo{}).(ui.HeadChecker); ok {
		t.Error("a session over a backend without a head checker claims one")
	}
	if _, ok := newReportingBackend(&backend.Backend{}, sshui.SessionInfo{}).(ui.HostWriter); !ok {
		t.Error("a session backend lost ui.HostWriter (its capability checks)")
	}
}
