package ui_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// TestFooterKeepsHelpAndQuit: at every size, in every pane and with a
// long status message, the footer still offers "? help" and "q quit".
func TestFooterKeepsHelpAndQuit(t *testing.T) {
	k := ui.DefaultKeyMap()
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 50}, {60, 20}} {
		a, _ := newTestApp(t, sz[0], sz[1])
		openImage(t, a, "demo/app", "v1.0")
		for p := range 4 {
			send(t, a, keyMsg(string(rune('1'+p))))
			if f := footer(screen(t, a, sz[0], sz[1])); !strings.Contains(f, "? help") || !strings.Contains(f, "q quit") {
				t.Errorf("%dx%d pane %d: footer %q lacks ? help / q quit", sz[0], sz[1], p+1, f)
			}
		}
		press(t, a, k.Verify) // leaves a long status (the verdict)
		if f := footer(screen(t, a, sz[0], sz[1])); !strings.Contains(f, "? help") || !strings.Contains(f, "q quit") {
			t.Errorf("%dx%d with a status: footer %q lacks ? help / q quit", sz[0], sz[1], f)
		}
	}
}

// TestEnterWalksForwardInOnePane: at 80×24 enter on a tag shows its
// entries, then the proof, then the detail.
func TestEnterWalksForwardInOnePane(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	k := ui.DefaultKeyMap()
	openImage(t, a, "demo/app", "v1.0")
	if a.Focus() != ui.PaneImages {
		t.Fatalf("focus %v after selecting, want images", a.Focus())
	}
	for _, want := range []ui.Pane{ui.PaneEntries, ui.PaneProof, ui.PaneDetail} {
		press(t, a, k.Enter)
		if a.Focus() != want {
			t.Fatalf("enter: focus %v, want %v:\n%s", a.Focus(), want, screen(t, a, 80, 24))
		}
	}
	// An index stays: enter shows its platforms.
	a, _ = newTestApp(t, 80, 24)
	openImage(t, a, "demo/app", "latest")
	press(t, a, k.Enter)
	if a.Focus() != ui.PaneImages || !strings.Contains(screen(t, a, 80, 24), "linux/arm64") {
		t.Errorf("enter on an index: focus %v, want its platforms shown in images:\n%s", a.Focus(), screen(t, a, 80, 24))
	}
	press(t, a, k.Down)
	press(t, a, k.Enter)
	if a.Focus() != ui.PaneEntries {
		t.Errorf("enter on a platform: focus %v, want entries", a.Focus())
	}
}

// TestPaneKeys: digits jump to panes, ←/→ and h/l move between them,
// and l no longer opens the log picker (L does).
func TestPaneKeys(t *testing.T) {
	a, _ := newTestApp(t, 120, 40, func(a *ui.App) {})
	for i, want := range []ui.Pane{ui.PaneImages, ui.PaneEntries, ui.PaneProof, ui.PaneDetail} {
		send(t, a, keyMsg(string(rune('1'+i))))
		if a.Focus() != want {
			t.Errorf("key %d: focus %v, want %v", i+1, a.Focus(), want)
		}
	}
	send(t, a, keyMsg("1"))
	for _, step := range []struct {
		key  string
		want ui.Pane
	}{{"right", ui.PaneEntries}, {"l", ui.PaneProof}, {"left", ui.PaneEntries}, {"h", ui.PaneImages}, {"left", ui.PaneDetail}} {
		send(t, a, keyMsg(step.key))
		if a.Focus() != step.want {
			t.Errorf("%s: focus %v, want %v", step.key, a.Focus(), step.want)
		}
		if a.Overlay() != 0 {
			t.Fatalf("%s opened an overlay", step.key)
		}
	}
	if got := ui.DefaultKeyMap().LogPicker.Keys(); len(got) != 1 || got[0] != "L" {
		t.Errorf("log picker keys %q, want [L]", got)
	}
}

// failingHead is the fake world whose log head cannot be read.
type failingHead struct {
	*fakebackend.Backend
	err error
}

func (f failingHead) LogInfo(context.Context) (model.LogInfo, error) { return model.LogInfo{}, f.err }

var truncatedVerdict = regexp.MustCompile(`[✓✗○!?◇] (v|ve|ver|veri|verif|verifi|verifie|f|fa|fai|fail|faile|u|un|uns|unsi|unsig|unsign|unsigne|n|no|not|not l|not lo|not log|not logg|not logge|e|er|err|erro|p|pe|pen|pend|pendi|pendin)…`)

// TestBannerWrapsAndIsDismissed: a long log head error is a banner that
// wraps with nothing cut, names its dismiss key, stays until that key,
// then leaves a short mark in the header.
func TestBannerWrapsAndIsDismissed(t *testing.T) {
	long := errors.New(`getting log info: Get "https://rekor.sigstore.example/api/v1/log?shard=2026-11-25&verbose=true": dial tcp 203.0.113.7:443: i/o timeout`)
	fb := fakebackend.New()
	a := startWith(t, failingHead{fb, long}, 80, 24, nil)
	s := screen(t, a, 80, 24)
	lines := strings.Split(s, "\n")
	var banner []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "1 Images") {
			break
		}
		banner = append(banner, strings.TrimSpace(l))
	}
	joined := strings.Join(banner, " ")
	if len(banner) < 2 || !strings.Contains(strings.ReplaceAll(joined, " ", ""), strings.ReplaceAll(long.Error(), " ", "")) {
		t.Fatalf("banner %q does not hold the whole error %q on several lines:\n%s", banner, long, s)
	}
	if strings.Contains(joined, "…") || !strings.Contains(joined, "x dismiss") {
		t.Errorf("banner cut or without its key: %q", banner)
	}
	if strings.Contains(lines[0], "…") || strings.Contains(lines[0], "Get ") {
		t.Errorf("header carries the error: %q", lines[0])
	}
	press(t, a, ui.DefaultKeyMap().Up) // any other key leaves it
	if len(a.Alerts()) != 1 {
		t.Fatalf("alert gone after ↑: %q", a.Alerts())
	}
	press(t, a, ui.DefaultKeyMap().Dismiss)
	s = screen(t, a, 80, 24)
	if len(a.Alerts()) != 0 || strings.Contains(s, "i/o timeout") {
		t.Errorf("alert still shown after x:\n%s", s)
	}
	if !strings.Contains(strings.Split(s, "\n")[0], "head unreadable") {
		t.Errorf("header lost the mark of the dismissed error:\n%s", s)
	}
}

// TestInconsistencyBannerUntilDismissed: a rewritten history is a banner
// (not a header line) until x, then a header mark.
func TestInconsistencyBannerUntilDismissed(t *testing.T) {
	a, fb := newTestApp(t, 80, 24)
	fb.AppendNoise(5)
	fb.Rewrite()
	send(t, a, ui.RefreshHeadMsg{})
	s := screen(t, a, 80, 24)
	if !strings.Contains(s, "INCONSISTENT LOG") || !strings.Contains(s, "x dismiss") || len(a.Alerts()) != 1 {
		t.Fatalf("no inconsistency banner:\n%s", s)
	}
	press(t, a, ui.DefaultKeyMap().Dismiss)
	s = screen(t, a, 80, 24)
	if strings.Contains(s, "INCONSISTENT LOG") || !strings.Contains(strings.Split(s, "\n")[0], "inconsistent") || a.Banner() == "" {
		t.Errorf("after x: want the banner gone, a header mark and the alarm kept:\n%s", s)
	}
}

// helpText is the whole help overlay, scrolled through.
func helpText(t *testing.T, a *ui.App, w, h int) string {
	t.Helper()
	k := ui.DefaultKeyMap()
	press(t, a, k.Help)
	var b strings.Builder
	for range 30 {
		b.WriteString(screen(t, a, w, h))
		press(t, a, k.PageDown)
	}
	press(t, a, k.Help)
	return b.String()
}

// TestHelpPerPaneWithLegend: the help starts with the focused pane's keys
// and explains every status glyph and verdict.
func TestHelpPerPaneWithLegend(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	openImage(t, a, "demo/app", "v1.0")
	send(t, a, keyMsg("2"))
	press(t, a, ui.DefaultKeyMap().Help)
	s := screen(t, a, 80, 24)
	if !regexp.MustCompile(`Help.*\n.*This pane: Entries`).MatchString(s) || !strings.Contains(s, "show its inclusion proof") {
		t.Errorf("help does not start with the entries pane's keys:\n%s", s)
	}
	press(t, a, ui.DefaultKeyMap().Help)
	all := helpText(t, a, 80, 24)
	for _, want := range []string{
		"✓ verified", "✗ failed", "○ unsigned", "! not logged", "? error", "… running", "· not verified yet", "– step skipped", "~ ephemeral",
		"every check that applies passed", "at least one check failed", "no signature at all", "the log has no entry for it", "could not be carried out",
		"jump to pane", "filter this list", "dismiss alert",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestKeysDoc: docs/keys.md is the key map's table; PROVSCOPE_WRITE_KEYS=1
// rewrites it.
func TestKeysDoc(t *testing.T) {
	want := ui.KeysMarkdown(ui.DefaultKeyMap())
	const path = "../docs/keys.md"
	if os.Getenv("PROVSCOPE_WRITE_KEYS") == "1" && os.Getenv("CI") == "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil { //nolint:gosec // a doc
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/keys.md is stale; regenerate: PROVSCOPE_WRITE_KEYS=1 go test ./ui -run TestKeysDoc\nwant:\n%s", want)
	}
	for _, b := range []string{"`L`", "`f`", "`x`", "`1`, `2`, `3`, `4`", "| Navigation |", "| Actions |"} {
		if !strings.Contains(want, b) {
			t.Errorf("keys table lacks %s", b)
		}
	}
}

// TestFilterInPlace: f narrows the images and the entries lists as typed
// (a fuzzy subsequence), enter keeps the filter, esc clears it.
func TestFilterInPlace(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	k := ui.DefaultKeyMap()
	openImage(t, a, "demo/app", "v1.0")
	all := a.ImageRowCount()
	press(t, a, k.Filter)
	typeText(t, a, "stlth")
	if n := a.ImageRowCount(); n != 1 {
		t.Errorf("filter stlth: %d rows, want 1 (demo/stealth)", n)
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, "filter: stlth") || !strings.Contains(s, "demo/stealth") || strings.Contains(s, "▾ demo/app") {
		t.Errorf("filtered images pane:\n%s", s)
	}
	typeText(t, a, "q") // a letter, not quit, while typing
	if n := a.ImageRowCount(); n != 0 {
		t.Errorf("filter stlthq: %d rows, want 0", n)
	}
	send(t, a, keyMsg("backspace"))
	send(t, a, keyMsg("enter"))
	press(t, a, k.Back)
	if n := a.ImageRowCount(); n != all {
		t.Errorf("after esc: %d rows, want all %d", n, all)
	}
	press(t, a, k.Filter)
	send(t, a, tea.PasteMsg{Content: "unsig"})
	if n := a.ImageRowCount(); n != 1 {
		t.Errorf("pasted filter unsig: %d rows, want 1 (demo/unsigned)", n)
	}
	send(t, a, keyMsg("esc"))
	// Entries: a search listing several entries, filtered by log index.
	press(t, a, k.Search)
	typeText(t, a, "*")
	send(t, a, keyMsg("enter"))
	total := a.EntryRows()
	if total < 3 {
		t.Fatalf("search lists %d entries, want several", total)
	}
	press(t, a, k.Filter)
	typeText(t, a, "1009")
	if n := a.EntryRows(); n < 1 || n >= total {
		t.Errorf("entries filtered by 1009: %d of %d rows", n, total)
	}
	if !strings.Contains(screen(t, a, 120, 40), "1009") {
		t.Error("the matching entry is not shown")
	}
	send(t, a, keyMsg("esc"))
	if n := a.EntryRows(); n != total {
		t.Errorf("after esc: %d entries, want %d", n, total)
	}
}

// TestMouse: a click focuses the pane under it and selects the row; a
// second click opens it; the wheel scrolls the pane under the pointer.
func TestMouse(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	if a.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the view does not ask for mouse reports")
	}
	// Images pane: row 0 of the list is on screen line 3 (header, top
	// border, column header).
	click := func(x, y int) { send(t, a, tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft}) }
	click(5, 3) // demo/app, selected already: expands it
	click(5, 4) // demo/app:v1.0
	if a.SelectedImage() != "demo/app:v1.0" {
		t.Fatalf("clicks selected %q, want demo/app:v1.0:\n%s", a.SelectedImage(), screen(t, a, 120, 40))
	}
	click(100, 3) // the entries pane, its first row
	if a.Focus() != ui.PaneEntries {
		t.Errorf("click on entries: focus %v", a.Focus())
	}
	click(100, 3)
	if a.Focus() != ui.PaneProof {
		t.Errorf("second click on the entry: focus %v, want proof", a.Focus())
	}
	click(5, 3)
	if a.Focus() != ui.PaneImages {
		t.Errorf("click on images: focus %v", a.Focus())
	}
	// The wheel, over the images pane, moves down three rows.
	before := a.CurrentImageRow()
	send(t, a, tea.MouseWheelMsg{X: 5, Y: 6, Button: tea.MouseWheelDown})
	if a.CurrentImageRow() == before {
		t.Errorf("wheel down did not move from %s", before)
	}
	send(t, a, tea.MouseWheelMsg{X: 5, Y: 6, Button: tea.MouseWheelUp})
	if a.CurrentImageRow() != before {
		t.Errorf("wheel up: on %s, want %s", a.CurrentImageRow(), before)
	}
	// In the one-pane layout a click on a tab shows that pane.
	send(t, a, tea.WindowSizeMsg{Width: 80, Height: 24})
	tabY := -1
	for i, l := range strings.Split(screen(t, a, 80, 24), "\n") {
		if strings.HasPrefix(l, "1 Images │ 2 Entries") {
			tabY = i
			break
		}
	}
	if tabY < 0 {
		t.Fatalf("no tab bar at 80×24:\n%s", screen(t, a, 80, 24))
	}
	click(13, tabY) // "2 Entries"
	if a.Focus() != ui.PaneEntries {
		t.Errorf("click on the Entries tab: focus %v\n%s", a.Focus(), screen(t, a, 80, 24))
	}
}

// TestExpandIndexRevealsChildren: expanding an index on the last visible
// row scrolls its platforms into view.
func TestExpandIndexRevealsChildren(t *testing.T) {
	k := ui.DefaultKeyMap()
	// The height at which the index is the last of four or more visible
	// rows.
	var a *ui.App
	var vis []string
	for h := 8; h <= 20; h++ {
		a, _ = newTestApp(t, 80, h)
		openImage(t, a, "demo/app", "latest")
		if vis = a.ImageRowsVisible(); len(vis) >= 4 && vis[len(vis)-1] == "demo/app:latest" {
			break
		}
	}
	if vis[len(vis)-1] != "demo/app:latest" {
		t.Fatalf("at no height is latest the last visible row: %q", vis)
	}
	press(t, a, k.Enter)
	vis = a.ImageRowsVisible()
	if !strings.Contains(strings.Join(vis, " "), "demo/app:latest") || !strings.Contains(vis[len(vis)-1], "demo/app@") || !strings.Contains(vis[len(vis)-2], "demo/app@") {
		t.Errorf("expanded index, visible rows %q: want latest and its two platforms", vis)
	}
}

var cutKind = regexp.MustCompile(`[✓✗○!?◇·] (h|ha|has|hash|hashe|hashed|hashedr|hashedre|hashedrek|hashedreko|hashedrekor|hashedrekord|hashedrekord \S*|d|ds|dss|dsse|i|in|int|into|intot|intoto)…`)

var cutSigner = regexp.MustCompile(`\d+ +key [0-9a-f]{0,15}…`)

// TestColumnsNotTruncated: in every golden state and size the images
// pane's STATUS column and verdicts are whole and the header and banner
// lines are not cut.
func TestColumnsNotTruncated(t *testing.T) {
	for _, st := range goldenStates {
		for _, sz := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 50}} {
			a, _ := newTestApp(t, sz[0], sz[1])
			st.setup(t, a)
			s := screen(t, a, sz[0], sz[1])
			if m := truncatedVerdict.FindString(s); m != "" || strings.Contains(s, "ST…") || strings.Contains(s, "STATU…") {
				t.Errorf("%s %dx%d: a status cell is cut (%q):\n%s", st.name, sz[0], sz[1], m, s)
			}
			if head := strings.Split(s, "\n")[0]; strings.HasSuffix(strings.TrimSpace(head), "…") {
				t.Errorf("%s %dx%d: header cut: %q", st.name, sz[0], sz[1], head)
			}
			if sz[0] >= 100 && strings.Contains(s, "REPOSITORY") && !strings.Contains(s, "DIGEST") {
				t.Errorf("%s %dx%d: images pane without its DIGEST column:\n%s", st.name, sz[0], sz[1], s)
			}
			if m := cutSigner.FindString(s); m != "" {
				t.Errorf("%s %dx%d: entries SIGNER cut (%q):\n%s", st.name, sz[0], sz[1], m, s)
			}
			if m := cutKind.FindString(s); m != "" {
				t.Errorf("%s %dx%d: entries KIND cut (%q):\n%s", st.name, sz[0], sz[1], m, s)
			}
		}
	}
}

// TestEnterBeforeImageLoads: enter on a tag whose image is still loading
// moves on to its entries once it has loaded.
func TestEnterBeforeImageLoads(t *testing.T) {
	// Every image load (the user's and the background verifications') is
	// held back until enter has been pressed.
	var held []tea.Msg
	hold := func(m tea.Msg) bool {
		switch fmt.Sprintf("%T", m) {
		case "ui.imageLoadedMsg", "ui.backgroundDoneMsg":
			held = append(held, m)
			return true
		}
		return false
	}
	c := ui.NewCommon(fakebackend.New(), true, false)
	c.Now = func() time.Time { return fixedNow }
	c.RefreshInterval = 0
	a := ui.New(c)
	runWatched(t, a, a.Init(), hold, nil)
	_, cmd := a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	runWatched(t, a, cmd, hold, nil)
	for _, km := range []string{"enter", "down", "enter"} { // demo/app's tags, v1.0, enter
		_, cmd := a.Update(keyMsg(km))
		runWatched(t, a, cmd, hold, nil)
	}
	if len(held) == 0 {
		t.Fatal("nothing was loading")
	}
	if a.SelectedImage() != "demo/app:v1.0" || a.Focus() != ui.PaneImages {
		t.Fatalf("selected %q, focus %v before the image loaded, want demo/app:v1.0 in images", a.SelectedImage(), a.Focus())
	}
	for _, m := range held {
		send(t, a, m)
	}
	if a.Focus() != ui.PaneEntries {
		t.Errorf("focus %v once the image loaded, want entries", a.Focus())
	}
}
