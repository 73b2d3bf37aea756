package ui_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// TestHostileWorldFrames runs the explorer on internal/hostile's world (the
// embedded registry and log on loopback, seeded with attack strings in tag
// and repository listings, annotations, labels, simple-signing fields,
// attestations, SBOMs, a keyless certificate's SAN and issuer, and log
// entries), through ui/backend as a user would: it walks every tag of the
// hostile repository, verifies each, steps through the entries, the proof
// and the detail panes and a search of the whole log, and checks every raw
// frame (and each pane's own view, and the screen before safetext.Frame)
// after each key. Then it hands the explorer, as it stands, to a real
// Bubble Tea program and checks the bytes it writes for the terminal.
func TestHostileWorldFrames(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the hostile world")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := hostile.Start(ctx)
	if err != nil {
		t.Fatalf("starting the hostile world: %v", err)
	}
	defer func() { _ = w.Close() }()
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	logKey, err := os.ReadFile(w.LogPublicKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.RegistryHost,
		Log:          logs.Log{Name: "hostile", URL: w.LogURL, Kind: logs.KindRekorV1},
		KeyPEM:       logKey, Policy: inspect.Policy{TrustedRoot: tr},
	})
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
	const width, height = 140, 45
	c := ui.NewCommon(b, true, false)
	c.Ctx, c.RefreshInterval, c.LogName, c.RegistryHost = ctx, 0, "hostile", w.RegistryHost
	a := ui.New(c)
	run(t, a, a.Init())
	send(t, a, keyMsgSize(width, height))
	k := ui.DefaultKeyMap()
	frames := 0
	check := func(step string) {
		t.Helper()
		frames++
		checkFrames(t, a, width, height, step)
	}
	check("start")

	// Every repository (the catalog lists one named with the payloads),
	// every tag of the hostile one (its listing adds one per payload).
	focus(t, a, ui.PaneImages)
	press(t, a, k.Top)
	seen := map[string]bool{}
	for range 200 {
		row := a.CurrentImageRow()
		if seen[row] {
			break
		}
		seen[row] = true
		if strings.HasPrefix(row, "repo:") {
			press(t, a, k.Enter)
			check("expand " + row)
		} else {
			press(t, a, k.Verify)
			check("verify " + row)
			focus(t, a, ui.PaneImages)
		}
		press(t, a, k.Down)
		check("down from " + row)
	}
	tags := 0
	for r := range seen {
		if strings.HasPrefix(r, hostile.Repository+":v1") {
			tags++
		}
	}
	if want := len(hostile.Tags()) + 1; tags < want {
		t.Fatalf("walked %d tags of %s, want at least %d (the image and every hostile listing): %v", tags, hostile.Repository, want, seen)
	}
	if v, _ := a.VerdictOf(hostile.Repository + ":tampered"); v != "failed" {
		t.Errorf("%s:tampered verdict = %q, want failed", hostile.Repository, v)
	}

	// The image with every payload in its fields: its entries, proof and
	// detail (the attestation entry's body, the checkpoint).
	selectTag(t, a, hostile.Repository, "v1")
	check("select v1")
	for _, p := range []ui.Pane{ui.PaneEntries, ui.PaneProof, ui.PaneDetail} {
		focus(t, a, p)
		for range 4 {
			press(t, a, k.Enter)
			check(p.String() + " enter")
			press(t, a, k.PageDown)
			check(p.String() + " page down")
		}
		press(t, a, k.Down)
		check(p.String() + " down")
	}
	selectTag(t, a, hostile.Repository, "keyless")
	press(t, a, k.Verify)
	check("keyless verified")
	focus(t, a, ui.PaneDetail)
	for range 6 {
		press(t, a, k.PageDown)
		check("keyless detail")
	}
	press(t, a, k.Search)
	typeText(t, a, "*")
	send(t, a, keyMsg("enter"))
	check("search")
	for range 10 {
		press(t, a, k.Down)
		check("search down")
	}
	t.Logf("checked %d frames", frames)

	// The bytes a terminal receives: the explorer as it stands, drawn by a
	// real Bubble Tea program.
	selectTag(t, a, hostile.Repository, "v1")
	focus(t, a, ui.PaneDetail)
	out := programOutput(t, a, width, height)
	for _, bad := range []string{"\x1b]52", "\x1b]8;", "\x1b]0;pwned", "\x1bP", "\x1b_", "\u009b", "\u009d", "\u202e", "\u200b", "\ufeff", "\x1b[8m", "\r" + "Verdict"} {
		if strings.Contains(out, bad) {
			t.Errorf("the terminal receives %q", bad)
		}
	}
	if raw := hostile.RawPayloads(out); len(raw) > 0 {
		t.Errorf("the terminal receives attack strings raw: %v", raw)
	}
	if !strings.Contains(out, `\x1b]52;c;`) {
		t.Errorf("the captured frame does not show the hostile fields escaped; output:\n%q", out)
	}
}

// frozen is an explorer whose state the test built: it starts nothing and
// quits at once, so the program draws its view once and exits.
type frozen struct{ a *ui.App }

func (f frozen) Init() tea.Cmd                       { return tea.Quit }
func (f frozen) Update(tea.Msg) (tea.Model, tea.Cmd) { return f, nil }
func (f frozen) View() tea.View                      { return f.a.View() }

// programOutput is what a Bubble Tea program writes to the terminal to
// draw a at w×h.
func programOutput(t *testing.T, a *ui.App, w, h int) string {
	t.Helper()
	var out bytes.Buffer
	p := tea.NewProgram(frozen{a}, tea.WithInput(nil), tea.WithOutput(&out), tea.WithWindowSize(w, h),
		tea.WithEnvironment([]string{"TERM=xterm-256color", "COLORTERM=truecolor"}))
	if _, err := p.Run(); err != nil {
		t.Fatalf("running the program: %v", err)
	}
	return out.String()
}
