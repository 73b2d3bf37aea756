package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/replica"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// TestRootTakesExplorerFlags: provscope IMAGE takes provscope tui's flags
// (--log here, which it once refused as "unknown flag"): the explorer
// starts and stops at the unknown log name, an input error.
func TestRootTakesExplorerFlags(t *testing.T) {
	isolateEnv(t)
	code, out, errs := runCLI(t, "127.0.0.1:1/team/app:v1", "--log", "no-such-log", "--trusted-root", filepath.Join(t.TempDir(), "absent.json"))
	if strings.Contains(errs, "unknown flag") || !strings.Contains(errs, "choosing the log") || code != exitUsageErr {
		t.Fatalf("provscope IMAGE --log no-such-log = %d\n%s%s\nwant %d: choosing the log", code, out, errs, exitUsageErr)
	}
	code, _, errs = runCLI(t, "team/app:v1", "--log", "no-such-log")
	if code != exitUsageErr || !strings.Contains(errs, "no registry host") {
		t.Fatalf("provscope team/app:v1 = %d %s, want %d: no registry host", code, errs, exitUsageErr)
	}
}

func TestSplitImageHost(t *testing.T) {
	tests := []struct {
		ref, registry string
		host, rest    string
		ok            bool
	}{
		{"ghcr.io/org/app:v1", "", "ghcr.io", "org/app:v1", true},
		{"127.0.0.1:5000/demo/web:v1.2.0", "", "127.0.0.1:5000", "demo/web:v1.2.0", true},
		{"localhost/app@sha256:00", "", "localhost", "app@sha256:00", true},
		{"ghcr.io/org/app:v1", "ghcr.io", "ghcr.io", "org/app:v1", true},
		{"demo/web:v1.2.0", "127.0.0.1:5000", "", "", false},
		{"my.org/app:v1", "ghcr.io", "", "", false}, // a path on --registry
		{"app:v1", "", "", "", false},
		{"ghcr.io/", "", "", "", false},
	}
	for _, tt := range tests {
		host, rest, ok := splitImageHost(tt.ref, tt.registry)
		if host != tt.host || rest != tt.rest || ok != tt.ok {
			t.Errorf("splitImageHost(%q, %q) = %q, %q, %v, want %q, %q, %v", tt.ref, tt.registry, host, rest, ok, tt.host, tt.rest, tt.ok)
		}
	}
}

// TestRecentRefs: the o prompt's memory keeps well-formed references,
// newest first, bounded; lines with escape sequences or anything else are
// dropped when read back.
func TestRecentRefs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "recent")
	hostile := "ghcr.io/a:b\x1b]52;c;cm0gLXJmIH4=\x07\n$(rm -rf ~)\nghcr.io/ok/app:v1\n"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(hostile), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := readRecent(path); len(got) != 1 || got[0] != "ghcr.io/ok/app:v1" {
		t.Fatalf("readRecent(hostile file) = %q, want only ghcr.io/ok/app:v1", got)
	}
	if err := rememberRecent(path, "ghcr.io/x\x1b[2J:v1"); err == nil {
		t.Error("rememberRecent(escape sequence) = nil, want an error")
	}
	for i := range maxRecentRefs + 5 {
		if err := rememberRecent(path, fmt.Sprintf("127.0.0.1:5000/app:v%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	got := readRecent(path)
	if len(got) != maxRecentRefs || got[0] != fmt.Sprintf("127.0.0.1:5000/app:v%d", maxRecentRefs+4) {
		t.Fatalf("after %d refs: %d remembered, first %q; want %d, newest first", maxRecentRefs+5, len(got), got[0], maxRecentRefs)
	}
}

// drive runs cmd and everything it leads to synchronously, feeding each
// message back into a (spinner ticks and timers skipped).
func drive(t *testing.T, a *ui.App, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 20000 {
			t.Fatal("command loop did not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case nil, spinner.TickMsg, tea.QuitMsg:
		case tea.BatchMsg:
			queue = append(queue, m...)
		default:
			_, next := a.Update(m)
			queue = append(queue, next)
		}
	}
}

func press(t *testing.T, a *ui.App, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "pgdown":
			msg = tea.KeyPressMsg{Code: tea.KeyPgDown}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		_, cmd := a.Update(msg)
		drive(t, a, cmd)
	}
}

// replicaExplorer opens the explorer (as runExplorer does, without a
// terminal) on rw's catalog-less replica at 80×24, pinned to rw's key.
func replicaExplorer(t *testing.T, rw *replicaWorld, opts ...ui.Option) *ui.App {
	t.Helper()
	return replicaExplorerOn(t, rw, rw.rep.Host(), opts...)
}

// replicaExplorerOn is replicaExplorer browsing host ("": none).
func replicaExplorerOn(t *testing.T, rw *replicaWorld, host string, opts ...ui.Option) *ui.App {
	t.Helper()
	keyPEM, err := os.ReadFile(rw.key)
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := os.ReadFile(rw.logArgs[3])
	if err != nil {
		t.Fatal(err)
	}
	cfg := explorerConfig{
		RegistryHost: host, LogURL: rw.logArgs[1], LogPublicKeyPEM: logKey,
		ForgetCheckpoints: true, Policy: inspect.Policy{KeyPEM: keyPEM}, HostFiles: backend.AllCapabilities(),
	}
	b, _, err := openBackend(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := ui.NewCommon(b, true, true)
	c.RegistryHost, c.LogName = cfg.RegistryHost, cfg.LogName
	c.RefreshInterval = 0
	c.Now = func() time.Time { return time.Now() }
	a := ui.New(c, append(opts, ui.WithRegistryOpener(openRegistry))...)
	drive(t, a, a.Init())
	_, cmd := a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(t, a, cmd)
	return a
}

func screen(a *ui.App) string { return ansi.Strip(a.View().Content) }

// TestExplorerOpensCatalogLessReplica: the explorer opened on HOST/REPO:TAG
// of a ghcr.io-like registry (no catalog, bearer tokens, credentials
// from a helper) lists the repository's tags through tags/list, says in
// one line why it lists no repositories (no red failure) and shows the
// image's verdict and the registry's pull quota, at 80×24, waiting out
// 429 answers.
func TestExplorerOpensCatalogLessReplica(t *testing.T) {
	rw := startReplicaWorld(t, replica.RegistryOptions{Quota: 1000, RetryAfter: "0"})
	// The first answers are 429 Too Many Requests: the explorer's client
	// waits as Retry-After asks and carries on.
	rw.rep.Throttle(3)
	a := replicaExplorer(t, rw, ui.WithImage("team/app:v1"))
	got := screen(a)
	for _, want := range []string{"does not list its repositories", "team/app", "v1", "verified"} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "✗") || strings.Contains(got, "UNSUPPORTED") {
		t.Errorf("screen shows a failure for a registry without a catalog:\n%s", got)
	}
	if !strings.Contains(got, "quota") {
		t.Errorf("screen does not show the registry's pull quota:\n%s", got)
	}
}

// TestExplorerOpenPromptReplica: o opens HOST/REPO:TAG typed in the
// explorer started on no image; a reference with an escape sequence is
// refused as an input error, shown sanitised, and costs no request.
func TestExplorerOpenPromptReplica(t *testing.T) {
	rw := startReplicaWorld(t, replica.RegistryOptions{})
	var remembered []string
	a := replicaExplorer(t, rw, ui.WithRecent(nil, func(ref string) { remembered = append(remembered, ref) }))
	before := rw.rep.Counts()
	press(t, a, "o")
	_, cmd := a.Update(tea.PasteMsg{Content: rw.rep.Host() + "/team/app:v1\x1b]0;pwned\x07"})
	drive(t, a, cmd)
	if v := a.View().Content; strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x07") {
		t.Fatalf("the prompt shows the escape sequence raw: %q", v)
	}
	press(t, a, "enter")
	if st := a.Status(); !strings.Contains(st, "not an image reference") || strings.ContainsAny(st, "\x1b\x07") {
		t.Fatalf("status after a hostile reference = %q, want it refused, sanitised", st)
	}
	if diff, total := requests(before, rw.rep.Counts()); total != 0 || len(remembered) != 0 {
		t.Fatalf("a refused reference cost %d requests %v, remembered %q", total, diff, remembered)
	}
	press(t, a, "o")
	_, cmd = a.Update(tea.PasteMsg{Content: rw.rep.Host() + "/team/app:v1"})
	drive(t, a, cmd)
	press(t, a, "enter")
	if got := screen(a); !strings.Contains(got, "verified") {
		t.Fatalf("after o %s/team/app:v1 the screen shows no verdict:\n%s", rw.rep.Host(), got)
	}
	if len(remembered) != 1 || remembered[0] != rw.rep.Host()+"/team/app:v1" {
		t.Fatalf("remembered %q, want the reference opened", remembered)
	}
	// A refresh lists the repositories again (none: no catalog) and
	// keeps the one opened by name.
	press(t, a, "r")
	if got := screen(a); !strings.Contains(got, "team/app") || strings.Contains(got, "✗") {
		t.Fatalf("after r the opened repository is gone:\n%s", got)
	}
}

// TestExplorerOpenPromptOtherRegistry: the explorer started on no
// registry (provscope tui without --registry) opens HOST/REPO:TAG typed
// at o on that host and shows its verdict.
func TestExplorerOpenPromptOtherRegistry(t *testing.T) {
	rw := startReplicaWorld(t, replica.RegistryOptions{})
	a := replicaExplorerOn(t, rw, "")
	press(t, a, "o")
	_, cmd := a.Update(tea.PasteMsg{Content: rw.rep.Host() + "/team/app:v1"})
	drive(t, a, cmd)
	press(t, a, "enter")
	got := screen(a)
	if !strings.Contains(got, "registry "+rw.rep.Host()) || !strings.Contains(got, "verified") {
		t.Fatalf("after o %s/team/app:v1 from no registry:\n%s", rw.rep.Host(), got)
	}
}

// TestExplorerRegistryRequests counts what expanding a 500-tag repository
// on a catalog-less registry costs there: one tags/list page, and
// manifest requests for the rows on screen only, also after scrolling one
// screen.
func TestExplorerRegistryRequests(t *testing.T) {
	rw := startReplicaWorld(t, replica.RegistryOptions{})
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		ref, err := name.ParseReference(fmt.Sprintf("%s/team/big:t%03d", rw.rep.Backend(), i))
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
	}
	before := rw.rep.Counts()
	a := replicaExplorer(t, rw, ui.WithImage("team/big:t000"))
	count := func(what string) (tagPages, manifests int) {
		diff, total := requests(before, rw.rep.Counts())
		for k, v := range diff {
			switch {
			case strings.HasSuffix(k, "/tags/list"):
				tagPages += v
			case strings.Contains(k, "/manifests/"):
				manifests += v
			}
		}
		logRequests(t, what, diff, total, manifests)
		return tagPages, manifests
	}
	pages, opened := count("opened on team/big:t000")
	t.Logf("screen:\n%s", screen(a))
	if pages != 1 {
		t.Errorf("tags/list requests = %d, want 1", pages)
	}
	// Each row on screen costs its resolution and its attachment probes
	// (a handful of requests), never the 500 tags.
	const perRow = 6
	if opened > 24*perRow {
		t.Errorf("opening cost %d manifest requests, want at most %d (rows on screen)", opened, 24*perRow)
	}
	// The first pgdown takes the cursor to the bottom of the screen, the
	// second shows the next screen.
	press(t, a, "pgdown", "pgdown")
	pages, scrolled := count("after scrolling one screen")
	if pages != 1 {
		t.Errorf("tags/list requests after scrolling = %d, want 1", pages)
	}
	if scrolled-opened > 24*perRow {
		t.Errorf("scrolling one screen cost %d manifest requests, want at most %d", scrolled-opened, 24*perRow)
	}
	// Each tag on screen was resolved once, the selection included.
	diff, _ := requests(before, rw.rep.Counts())
	tags := 0
	for k, v := range diff {
		if strings.HasPrefix(k, "GET /v2/team/big/manifests/t") || strings.HasPrefix(k, "HEAD /v2/team/big/manifests/t") {
			tags++
			if v != 1 {
				t.Errorf("%s: %d requests, want 1 (each image resolved once)", k, v)
			}
		}
	}
	if tags < 2*17 || tags > 2*22 {
		t.Errorf("%d tags resolved after two screens at 80x24, want the rows shown (34 to 44)", tags)
	}
}

// TestExplorerLogKeyFlag: the explorer takes --log-key as the other
// commands do (a tlog-tiles log given by URL serves no key and needs one);
// a file that holds no key, or a private key, is an input error (exit 2)
// before anything is opened.
func TestExplorerLogKeyFlag(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("\x1b]52;c;AAAA\x07not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"tui", "--log", "tiles+http://127.0.0.1:1/api/v2", "--log-key", garbage},
		{"127.0.0.1:1/team/app:v1", "--log", "tiles+http://127.0.0.1:1/api/v2", "--log-key", garbage},
		{"tui", "--log", "tiles+http://127.0.0.1:1/api/v2", "--log-key", filepath.Join(dir, "absent.pem")},
	} {
		code, out, errs := runCLI(t, args...)
		if code != exitUsageErr || !strings.Contains(errs, "reading --log-key") || strings.Contains(errs+out, "\x1b]52") {
			t.Errorf("provscope %s = %d\n%s%s\nwant exit %d naming --log-key, the file's bytes escaped", strings.Join(args, " "), code, out, errs, exitUsageErr)
		}
	}
}
