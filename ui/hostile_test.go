package ui_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// attackerSGR is styling an attacker may try: allowed by safetext.Frame
// (it conceals nothing), so only the first line of defence (each value
// sanitised where it is drawn) keeps it off the screen.
const attackerSGR = "\x1b[38;2;1;2;3;48;2;1;2;3m"

// payloadTexts are internal/hostile's attack strings and attackerSGR.
func payloadTexts() []string {
	out := []string{attackerSGR + "invisible"}
	for _, p := range hostile.Payloads() {
		out = append(out, p.Text)
	}
	return out
}

// checkFrames fails the test when anything the explorer drew (each pane's
// own view, the composed screen before safetext.Frame, and the frame View
// returns) holds a sequence hostile.Check refuses, or an attack string
// byte for byte, or when the frame is not exactly w×h.
func checkFrames(t testing.TB, a *ui.App, w, h int, step string) {
	t.Helper()
	for name, v := range a.PaneViews() {
		checkText(t, step+": pane "+name, v)
	}
	checkText(t, step+": composed screen", a.Compose())
	v := a.View().Content
	checkText(t, step+": View", v)
	if gw, gh := lipgloss.Size(v); gw != w || gh != h {
		t.Fatalf("%s: view is %d×%d, want %d×%d:\n%s", step, gw, gh, w, h, ansi.Strip(v))
	}
}

func checkText(t testing.TB, what, s string) {
	t.Helper()
	if err := hostile.Check(s); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if raw := hostile.RawPayloads(s); len(raw) > 0 {
		t.Fatalf("%s: attack strings shown raw: %v", what, raw)
	}
	for _, sgr := range []string{attackerSGR, "\x1b[8m", "\x1b[2J", "\x1b[H"} {
		if strings.Contains(s, sgr) {
			t.Fatalf("%s: holds the attacker's %q", what, sgr)
		}
	}
}

// walkHostile drives the explorer through every pane over the hostile
// world, calling check after each key press.
func walkHostile(t testing.TB, a *ui.App, fb *fakebackend.Hostile, check func(step string)) {
	t.Helper()
	k := ui.DefaultKeyMap()
	check("start")
	// Expand every repository (the broken one's listing fails) and walk
	// every row, verifying each image.
	press(t, a, k.Top)
	for i := range 80 {
		before := a.CurrentImageRow()
		press(t, a, k.Enter)
		check("images enter " + before)
		press(t, a, k.Verify)
		check("images verify " + before)
		focus(t, a, ui.PaneImages)
		press(t, a, k.Down)
		check("images down " + before)
		if a.CurrentImageRow() == before && i > 0 {
			break
		}
	}
	// Copy the selection: the status line quotes it.
	press(t, a, k.Copy)
	check("copy")
	// Every entry of the forged tag's image, then the proof and the detail.
	selectTag(t, a, fakebackend.HostileRepo, fb.TagForged())
	check("forged tag")
	press(t, a, k.Verify)
	check("forged tag verified")
	for _, pane := range []string{"entries", "proof", "detail"} {
		press(t, a, k.NextPane)
		check("focus " + pane)
		for range 3 {
			press(t, a, k.Enter)
			check(pane + " enter")
			press(t, a, k.Verify)
			check(pane + " verify")
			press(t, a, k.PageDown)
			check(pane + " page down")
		}
	}
	press(t, a, k.Consistency)
	check("consistency")
	// Every log entry, the undecodable one included.
	press(t, a, k.Search)
	typeText(t, a, "*")
	send(t, a, keyMsg("enter"))
	check("search")
	press(t, a, k.Bottom)
	check("search bottom")
	for range 12 {
		press(t, a, k.Up)
		check("search up")
	}
	// A paste of attack text into the search prompt.
	press(t, a, k.Search)
	send(t, a, tea.PasteMsg{Content: strings.Join(payloadTexts(), "")})
	check("paste")
	send(t, a, keyMsg("esc"))
	// Errors quoting a server's answer everywhere.
	fb.Err = errors.New("server said: " + strings.Join(payloadTexts(), " "))
	press(t, a, k.Refresh)
	check("errors")
	press(t, a, k.Search)
	typeText(t, a, "x")
	send(t, a, keyMsg("enter"))
	check("search error")
}

// TestHostileTextNeverReachesTheTerminal walks every pane over a world
// whose every foreign field carries internal/hostile's attack strings (OSC
// 52 and 8, DCS, APC, C1, bidi, zero-width, carriage returns, concealing
// SGR) at the grid and the tabbed sizes, and checks each pane's view, the
// composed screen and the final frame after every key.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	for _, sz := range [][2]int{{120, 40}, {80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			fb := fakebackend.NewHostile(payloadTexts()...)
			a := startWith(t, fb, sz[0], sz[1], func(c *ui.Common) { c.ExportDir = t.TempDir() })
			walkHostile(t, a, fb, func(step string) { checkFrames(t, a, sz[0], sz[1], step) })
		})
	}
}

// TestForgedStatusStaysInItsColumn: a tag named "v1 ✓ verified" followed
// by a concealing SGR shows, in its own row, its escaped name flagged as
// outside the grammar and its real status (failed) in the status column.
func TestForgedStatusStaysInItsColumn(t *testing.T) {
	fb := fakebackend.NewHostile(payloadTexts()...)
	a := startWith(t, fb, 120, 40, nil)
	selectTag(t, a, fakebackend.HostileRepo, fb.TagForged())
	press(t, a, ui.DefaultKeyMap().Verify)
	if v, _ := a.VerdictOf(fakebackend.HostileRepo + ":" + fb.TagForged()); v != "failed" {
		t.Fatalf("forged tag verdict = %q, want failed", v)
	}
	s := screen(t, a, 120, 40)
	var row string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "│") && strings.Contains(l, `"v1 \u2713 verified`) {
			row = l
			break
		}
	}
	if row == "" {
		t.Fatalf("no row shows the forged tag escaped:\n%s", s)
	}
	// The images pane is the left column of the grid: its row ends at the
	// pane's right border.
	left := row[:strings.Index(row, "│")+len("│")]
	rest := row[len(left):]
	cell := rest[:strings.Index(rest, "│")]
	if !strings.Contains(cell, `⚠"v1 \u2713 verified`) {
		t.Errorf("forged tag not flagged: %q", cell)
	}
	if strings.Contains(cell, "✓") {
		t.Errorf("forged tag row shows a ✓: %q", cell)
	}
	if !strings.HasSuffix(strings.TrimRight(cell, " "), "✗ failed") {
		t.Errorf("forged tag row's status column = %q, want it to end in ✗ failed", cell)
	}
}

// selectTag moves the images cursor to repo:tag, expanding repo if it is
// not expanded yet.
func selectTag(t testing.TB, a *ui.App, repo, tag string) {
	t.Helper()
	k := ui.DefaultKeyMap()
	focus(t, a, ui.PaneImages)
	press(t, a, k.Top)
	for range 100 {
		if a.CurrentImageRow() == "repo:"+repo {
			break
		}
		press(t, a, k.Down)
	}
	if a.CurrentImageRow() != "repo:"+repo {
		t.Fatalf("no row for repository %q", repo)
	}
	press(t, a, k.Down)
	if !strings.HasPrefix(a.CurrentImageRow(), repo+":") {
		press(t, a, k.Up)
		press(t, a, k.Enter)
	}
	for range 100 {
		if a.CurrentImageRow() == repo+":"+tag {
			return
		}
		press(t, a, k.Down)
	}
	t.Fatalf("could not select %s:%s (at %q)", repo, tag, a.CurrentImageRow())
}

// focus moves the focus to pane p.
func focus(t testing.TB, a *ui.App, p ui.Pane) {
	t.Helper()
	for range 6 {
		if a.Focus() == p {
			return
		}
		press(t, a, ui.DefaultKeyMap().NextPane)
	}
	t.Fatalf("cannot focus %v (at %v)", p, a.Focus())
}

// TestOwnStylingPassesFrame: everything the explorer draws itself (every
// golden state at every golden size, in colour and without, and the
// teaching mode) is left byte for byte as it is by the second line of
// defence, so safetext.Frame in View costs no styling: lipgloss, bubbles'
// help and the spinner write nothing but SGR.
func TestOwnStylingPassesFrame(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		for _, st := range append(goldenStates, struct {
			name  string
			setup func(t *testing.T, a *ui.App)
		}{"learn", func(t *testing.T, a *ui.App) { press(t, a, ui.DefaultKeyMap().Learn) }}) {
			for _, sz := range goldenSizes {
				t.Run(fmt.Sprintf("%s/%dx%d/nocolor=%v", st.name, sz[0], sz[1], noColor), func(t *testing.T) {
					a := startWith(t, fakebackend.New(), sz[0], sz[1], func(c *ui.Common) {
						c.ExportDir, c.LogName, c.RegistryHost = t.TempDir(), "fake", "127.0.0.1:5000"
						if noColor {
							c.NoColor = true
							c.Styles = ui.NoColorStyles()
						}
					})
					st.setup(t, a)
					raw, framed := a.Compose(), a.View().Content
					// fit makes a line's controls visible as it cuts it: an
					// escaped sequence in a world without foreign controls
					// is one of the explorer's own.
					if plain := ansi.Strip(framed); strings.Contains(plain, `\x`) || strings.Contains(plain, `\u`) {
						i := max(strings.Index(plain, `\x`), strings.Index(plain, `\u`))
						t.Fatalf("the explorer's own output was escaped: %q", plain[max(i-40, 0):min(i+40, len(plain))])
					}
					if raw == framed {
						return
					}
					i := 0
					for i < len(raw) && i < len(framed) && raw[i] == framed[i] {
						i++
					}
					t.Fatalf("safetext.Frame changed the explorer's own frame at byte %d: %q became %q", i, raw[max(i-20, 0):min(i+40, len(raw))], framed[max(i-20, 0):min(i+40, len(framed))])
				})
			}
		}
	}
}

// FuzzHostileText puts random foreign strings in every field of the fake
// world the explorer shows and walks every pane: no view may panic, hold a
// sequence hostile.Check refuses, or leave its size.
func FuzzHostileText(f *testing.F) {
	for _, p := range payloadTexts() {
		f.Add(p, "x")
	}
	f.Add("\x1b[38;5;8m\x1b[8", "\xe2\x80") // a colour index 8, a cut escape, a cut rune
	f.Add("\x1b]8;;", "\u202e\u2066\u200d") // an unterminated OSC; bidi and joiners
	f.Add(strings.Repeat("界", 80), "\t\v\f\x00")
	f.Fuzz(func(t *testing.T, s1, s2 string) {
		if len(s1) > 256 || len(s2) > 256 {
			t.Skip()
		}
		fb := fakebackend.NewHostile(s1, s2, s1+s2)
		a := startWith(t, fb, 100, 30, nil)
		quickWalk(t, a, fb, func(step string) {
			t.Helper()
			for name, v := range a.PaneViews() {
				if err := hostile.Check(v); err != nil {
					t.Fatalf("%s: pane %s: %v", step, name, err)
				}
			}
			v := a.View().Content
			if err := hostile.Check(v); err != nil {
				t.Fatalf("%s: View: %v", step, err)
			}
			if gw, gh := lipgloss.Size(v); gw != 100 || gh != 30 {
				t.Fatalf("%s: view is %d×%d, want 100×30", step, gw, gh)
			}
		})
	})
}

// quickWalk is walkHostile's few keys that reach every kind of field: the
// forged tag verified, the index tag's platforms, its entry's proof and
// detail, a listing error, every log entry, then errors everywhere.
func quickWalk(t testing.TB, a *ui.App, fb *fakebackend.Hostile, check func(step string)) {
	t.Helper()
	k := ui.DefaultKeyMap()
	selectTag(t, a, fakebackend.HostileRepo, fb.TagForged())
	press(t, a, k.Verify)
	check("forged tag verified")
	press(t, a, k.Down)
	press(t, a, k.Down)
	press(t, a, k.Enter)
	check("index expanded")
	press(t, a, k.Bottom)
	press(t, a, k.Enter)
	check("broken repository")
	for _, p := range []ui.Pane{ui.PaneEntries, ui.PaneProof, ui.PaneDetail} {
		focus(t, a, p)
		press(t, a, k.Enter)
		check(p.String())
	}
	press(t, a, k.Search)
	typeText(t, a, "*")
	send(t, a, keyMsg("enter"))
	press(t, a, k.Bottom)
	check("search bottom")
	fb.Err = errors.New("server said: " + fb.TagForged())
	press(t, a, k.Refresh)
	check("errors")
}
