package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

func TestStartListsRepositoriesAndVerifiesInBackground(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	k := ui.DefaultKeyMap()
	if got := a.Focus(); got != ui.PaneImages {
		t.Fatalf("focus = %v, want Images", got)
	}
	press(t, a, k.Enter) // expand demo/app: tags load, background verification runs
	for _, ref := range []string{"demo/app:v1.0", "demo/app:v1.1", "demo/app:latest"} {
		if v, ok := a.VerdictOf(ref); !ok || v != "verified" {
			t.Errorf("VerdictOf(%q) = %q, %v; want verified", ref, v, ok)
		}
	}
	s := screen(t, a, 120, 40)
	if !strings.Contains(s, "✓ verified") {
		t.Errorf("no verified badge on screen:\n%s", s)
	}
}

func TestSelectImageLoadsEntriesAndProof(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	openImage(t, a, "demo/app", "v1.0")
	if n := a.EntryCount(); n != 1 {
		t.Fatalf("EntryCount() = %d, want 1", n)
	}
	if !a.ProofMatch() {
		t.Error("the inclusion proof of the selected entry does not match its checkpoint")
	}
	k := ui.DefaultKeyMap()
	press(t, a, k.NextPane)
	press(t, a, k.Enter)
	if got := a.Focus(); got != ui.PaneProof {
		t.Fatalf("after tab, enter: focus = %v, want Proof", got)
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, "✓ match") || !strings.Contains(s, "H(0x00‖body)") {
		t.Errorf("proof pane does not show a matching tree:\n%s", s)
	}
	press(t, a, k.Back)
	if got := a.Focus(); got != ui.PaneEntries {
		t.Errorf("esc from Proof: focus = %v, want Entries", got)
	}
}

func TestVerifyStealthSignedImageSaysNoLogEntry(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	openImage(t, a, "demo/stealth", "v1")
	press(t, a, ui.DefaultKeyMap().Verify)
	if v, _ := a.VerdictOf("demo/stealth:v1"); v != "not-logged" {
		t.Fatalf("verdict = %q, want not-logged", v)
	}
	if r := a.Reason("demo/stealth:v1"); !strings.Contains(r, "no log entry") {
		t.Errorf("Reason = %q, want it to say no log entry", r)
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, "no log entry") || !strings.Contains(s, "✗") {
		t.Errorf("screen does not show the failing step:\n%s", s)
	}
}

func TestVerifyStreamsStepsOneByOne(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	openImage(t, a, "demo/app", "v1.1")
	// Run v's command by hand: each step arrives as its own message.
	_, cmd := a.Update(keyMsg("v"))
	if v, _ := a.VerdictOf("demo/app:v1.1"); v != "pending" {
		t.Fatalf("right after v: verdict = %q, want pending", v)
	}
	steps := 0
	runWatched(t, a, cmd, nil, func() {
		if n := a.StepsShown("demo/app:v1.1"); n > steps {
			if n != steps+1 {
				t.Fatalf("steps jumped from %d to %d", steps, n)
			}
			steps = n
		}
	})
	if steps < 4 {
		t.Errorf("saw %d steps arrive, want at least 4", steps)
	}
	if v, _ := a.VerdictOf("demo/app:v1.1"); v != "verified" {
		t.Errorf("final verdict = %q, want verified", v)
	}
}

func TestTamperedAndUnsigned(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	for _, tc := range []struct{ repo, tag, want string }{
		{"demo/tampered", "v1", "failed"},
		{"demo/unsigned", "v1", "unsigned"},
	} {
		openImage(t, a, tc.repo, tc.tag)
		press(t, a, ui.DefaultKeyMap().Verify)
		if v, _ := a.VerdictOf(tc.repo + ":" + tc.tag); v != tc.want {
			t.Errorf("verdict of %s:%s = %q, want %q", tc.repo, tc.tag, v, tc.want)
		}
	}
}

func TestSearchAndBack(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	k := ui.DefaultKeyMap()
	openImage(t, a, "demo/app", "v1.0")
	press(t, a, k.Search)
	if a.Overlay() == 0 {
		t.Fatal("/ did not open the search overlay")
	}
	typeText(t, a, "*")
	send(t, a, keyMsg("enter"))
	if got := a.Focus(); got != ui.PaneEntries {
		t.Fatalf("after a search: focus = %v, want Entries", got)
	}
	if n := a.EntryCount(); n < 20 {
		t.Fatalf("search * found %d entries, want the whole log", n)
	}
	press(t, a, k.Bottom)
	if c := a.EntryCursor(); c != a.EntryCount()-1 {
		t.Errorf("G: cursor = %d, want %d", c, a.EntryCount()-1)
	}
	press(t, a, k.Back) // back to the image's entries
	if n := a.EntryCount(); n != 1 {
		t.Errorf("esc after search: %d entries, want the image's 1", n)
	}
}

func TestSearchErrorShowsInPaneWithRetry(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	press(t, a, ui.DefaultKeyMap().Search)
	typeText(t, a, "99999")
	send(t, a, keyMsg("enter"))
	s := screen(t, a, 80, 24)
	if !strings.Contains(s, "outside the log") || !strings.Contains(s, "press r to retry") {
		t.Errorf("the error is not shown in the entries pane:\n%s", s)
	}
}

func TestConsistencyCheckAfterGrowth(t *testing.T) {
	a, fb := newTestApp(t, 120, 40)
	fb.AppendNoise(13)
	press(t, a, ui.DefaultKeyMap().Consistency)
	shown, err := a.ConsistencyShown()
	if !shown || err != nil {
		t.Fatalf("ConsistencyShown() = %v, %v; want a consistent proof", shown, err)
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, "✓ consistent") {
		t.Errorf("screen:\n%s", s)
	}
	if a.Banner() != "" {
		t.Errorf("banner %q on a consistent log", a.Banner())
	}
}

func TestHelpOverlayAndQuit(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	k := ui.DefaultKeyMap()
	press(t, a, k.Help)
	s := screen(t, a, 80, 24)
	for _, want := range []string{"verify selection", "search the log", "export evidence", "pick a log", "check consistency"} {
		if !strings.Contains(s, want) {
			t.Errorf("help lacks %q:\n%s", want, s)
		}
	}
	press(t, a, k.Down) // scrolls (nothing to scroll here), stays open
	if a.Overlay() == 0 {
		t.Error("help closed on j")
	}
	press(t, a, k.Back)
	if a.Overlay() != 0 {
		t.Error("help still open after esc")
	}
	press(t, a, k.Help)
	press(t, a, k.Help)
	if a.Overlay() != 0 {
		t.Error("help still open after ? ?")
	}
	_, cmd := a.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q did not quit")
	}
}

// TestHelpFitsEverySize: at each size the help shows every key of the
// KeyMap, scrolling with j/k where it does not fit, and the App's view
// keeps its size.
func TestHelpFitsEverySize(t *testing.T) {
	k := ui.DefaultKeyMap()
	var wants []string
	for _, g := range k.FullHelp() {
		for _, b := range g {
			wants = append(wants, b.Help().Desc)
		}
	}
	for _, sz := range [][2]int{{80, 24}, {40, 12}, {200, 50}, {30, 8}} {
		a, _ := newTestApp(t, sz[0], sz[1])
		press(t, a, k.Help)
		seen := ""
		for range 100 { // the help's lines, scrolled one at a time at 30x8
			seen += screen(t, a, sz[0], sz[1])
			press(t, a, k.Down)
		}
		for _, w := range wants {
			if !strings.Contains(seen, w) {
				t.Errorf("%dx%d: scrolling the help never shows %q", sz[0], sz[1], w)
			}
		}
		if a.Overlay() == 0 {
			t.Errorf("%dx%d: scrolling closed the help", sz[0], sz[1])
		}
		press(t, a, k.Top)
		if s := screen(t, a, sz[0], sz[1]); !strings.Contains(s, k.Up.Help().Key+" ") {
			t.Errorf("%dx%d: g did not scroll back to the top:\n%s", sz[0], sz[1], s)
		}
	}
}

func TestCopyUsesOSC52(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	openImage(t, a, "demo/app", "v1.0")
	_, cmd := a.Update(keyMsg("y"))
	if cmd == nil {
		t.Fatal("y returned no command")
	}
	if !strings.HasPrefix(a.Status(), "copied demo/app@sha256:") {
		t.Errorf("status = %q", a.Status())
	}
}

func TestExportWritesEvidence(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	openImage(t, a, "demo/app", "v1.0")
	press(t, a, ui.DefaultKeyMap().Export)
	st := a.Status()
	if !strings.HasPrefix(st, "wrote ") {
		t.Fatalf("status = %q, want wrote … to …", st)
	}
	dir := st[strings.Index(st, " to ")+4:]
	for _, f := range []string{"image.json", "attachments.json", "entries.json", "report.json", "report.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("export: %v", err)
		}
	}
	// An entry's export carries its proof walk, as verify-entry prints it.
	k := ui.DefaultKeyMap()
	press(t, a, k.NextPane)
	press(t, a, k.Export)
	st = a.Status()
	dir = st[strings.Index(st, " to ")+4:]
	b, err := os.ReadFile(filepath.Join(dir, "inclusion-proof.txt"))
	if err != nil || !strings.HasPrefix(string(b), "Hash walk: leaf ") || !strings.HasSuffix(string(b), "✓ matches\n") {
		t.Errorf("inclusion-proof.txt = %q, %v", b, err)
	}
	// And its bundle in cosign's annotation format, parsed back by the
	// registry package as cosign's is.
	bundles, _ := filepath.Glob(filepath.Join(dir, "entry-*.rekor-bundle.json"))
	if len(bundles) != 1 {
		t.Fatalf("export wrote %d rekor bundles, want 1", len(bundles))
	}
	b, err = os.ReadFile(bundles[0])
	if err != nil {
		t.Fatal(err)
	}
	rb, err := registry.ParseRekorBundle(string(b))
	if err != nil || string(rb.SignedEntryTimestamp) != "fake-set" || len(rb.Body) == 0 || !strings.HasSuffix(bundles[0], fmt.Sprintf("entry-%d.rekor-bundle.json", rb.LogIndex)) {
		t.Errorf("ParseRekorBundle(%s) = %+v, %v", b, rb, err)
	}
	// The log head as loginfo --output json writes a tree: the checkpoint
	// with its root in hex, and the signed note.
	b, err = os.ReadFile(filepath.Join(dir, "log-head.json"))
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		Checkpoint struct {
			Origin   string `json:"origin"`
			Size     int64  `json:"size"`
			RootHash string `json:"rootHash"`
		} `json:"checkpoint"`
		SignedTreeHead string `json:"signedTreeHead"`
	}
	cp := &head.Checkpoint
	if err := json.Unmarshal(b, &head); err != nil || cp.Size <= 0 || cp.Origin == "" || head.SignedTreeHead == "" || len(cp.RootHash) != 64 || strings.Trim(cp.RootHash, "0123456789abcdef") != "" {
		t.Errorf("log-head.json = %s (%v), want a checkpoint (origin, size, 64-hex root hash) and its note", b, err)
	}
}

func TestLearnTabRoundTrip(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	k := ui.DefaultKeyMap()
	press(t, a, k.Learn)
	if a.Focus() != ui.PaneLearn {
		t.Fatalf("T: focus = %v, want Learn", a.Focus())
	}
	if s := screen(t, a, 80, 24); !strings.Contains(s, "Guided lessons") {
		t.Errorf("learn screen:\n%s", s)
	}
	press(t, a, k.NextPane) // tab belongs to the teaching mode there
	if a.Focus() != ui.PaneLearn {
		t.Errorf("tab left the teaching mode")
	}
	press(t, a, k.Learn)
	if a.Focus() != ui.PaneImages {
		t.Errorf("T again: focus = %v, want Images", a.Focus())
	}
}

func TestTooSmallAndResize(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	for _, sz := range [][2]int{{10, 3}, {1, 1}, {40, 12}, {250, 80}, {0, 0}, {80, 24}} {
		send(t, a, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		if sz[0] == 0 {
			continue
		}
		screen(t, a, sz[0], sz[1])
	}
}

func TestStaleEntriesAreDropped(t *testing.T) {
	a, _ := newTestApp(t, 120, 40)
	k := ui.DefaultKeyMap()
	press(t, a, k.Enter) // expand demo/app
	// Select v1.0 and hold its loading commands; move on to v1.1 and let
	// it load; then deliver v1.0's late answers: they must be dropped.
	_, sel := a.Update(keyMsg("j"))
	_, held := a.Update(sel())
	_, second := a.Update(keyMsg("j"))
	run(t, a, second)
	run(t, a, held)
	// A selection request that arrives after the cursor moved is ignored.
	send(t, a, ui.SelectImageMsg{Ref: "demo/app:v1.0"})
	if got := a.SelectedImage(); got != "demo/app:v1.1" {
		t.Fatalf("selected %q, want demo/app:v1.1", got)
	}
	s := screen(t, a, 120, 40)
	if !strings.Contains(s, "Entries · demo/app:v1.1") {
		t.Errorf("entries pane shows another image's entries:\n%s", s)
	}
}

func TestNoColorHasNoColourCodes(t *testing.T) {
	fb := fakebackend.New()
	c := ui.NewCommon(fb, true, true)
	c.RefreshInterval = 0
	a := ui.New(c)
	run(t, a, a.Init())
	send(t, a, tea.WindowSizeMsg{Width: 120, Height: 40})
	openImage(t, a, "demo/app", "v1.0")
	press(t, a, ui.DefaultKeyMap().Verify)
	v := a.View().Content
	for _, sgr := range []string{"[38;", "[48;", "[3" + "1m", "[32m"} {
		if strings.Contains(v, sgr) {
			t.Fatalf("NO_COLOR view contains colour sequence %q", sgr)
		}
	}
	if !strings.Contains(ansi.Strip(v), "✓ verified") {
		t.Error("without colour the verdict must still read as glyph and word")
	}
}

func TestLightAndDarkBackgrounds(t *testing.T) {
	a, _ := newTestApp(t, 80, 24)
	dark := a.View().Content
	send(t, a, tea.BackgroundColorMsg{Color: color.White})
	light := a.View().Content
	if dark == light {
		t.Error("a light background did not change the palette")
	}
	if ansi.Strip(dark) != ansi.Strip(light) {
		t.Error("the palette changed the layout")
	}
}

func TestLogPickerSwitchesLogs(t *testing.T) {
	fb := fakebackend.New()
	other := fakebackend.New()
	other.AppendNoise(100)
	c := ui.NewCommon(fb, true, false)
	c.RefreshInterval = 0
	c.LogName = "first"
	c.Logs = []ui.LogChoice{{Name: "first", URL: "http://127.0.0.1:1"}, {Name: "second", URL: "http://127.0.0.1:2"}}
	c.OpenLog = func(_ context.Context, lc ui.LogChoice) (ui.Backend, error) {
		if lc.Name != "second" {
			return nil, errors.New("unexpected choice " + lc.Name)
		}
		return other, nil
	}
	a := ui.New(c)
	run(t, a, a.Init())
	send(t, a, tea.WindowSizeMsg{Width: 80, Height: 24})
	press(t, a, ui.DefaultKeyMap().LogPicker)
	typeText(t, a, "scd") // fuzzy: s…c…d in "second"
	send(t, a, keyMsg("enter"))
	if got := a.Common().LogName; got != "second" {
		t.Fatalf("LogName = %q, want second (status %q)", got, a.Status())
	}
	if s := screen(t, a, 80, 24); !strings.Contains(s, "size 129") {
		t.Errorf("header does not show the new log's head:\n%s", s)
	}
}

func TestRetryAfterError(t *testing.T) {
	a, fb := newTestApp(t, 80, 24)
	fb.Err = errors.New("connection refused")
	press(t, a, ui.DefaultKeyMap().Refresh)
	if s := screen(t, a, 80, 24); !strings.Contains(s, "connection refused") {
		t.Fatalf("no error shown:\n%s", s)
	}
	fb.Err = nil
	press(t, a, ui.DefaultKeyMap().Refresh)
	if s := screen(t, a, 80, 24); strings.Contains(s, "connection refused") || !strings.Contains(s, "demo/app") {
		t.Errorf("r did not recover:\n%s", s)
	}
}

func TestHeadRefreshDetectsRewrittenHistory(t *testing.T) {
	a, fb := newTestApp(t, 80, 24)
	fb.AppendNoise(5)
	fb.Rewrite() // same entries count, different history
	send(t, a, ui.RefreshHeadMsg{})
	if a.Banner() == "" {
		t.Fatal("no banner after the log rewrote its history")
	}
}

func TestOpenWithImage(t *testing.T) {
	for _, ref := range []string{"demo/stealth:v1", "demo/app@" + fakebackend.DigestOf("demo/app:v1.0")} {
		a, _ := newTestApp(t, 120, 40, ui.WithImage(ref))
		if got := a.SelectedImage(); got != ref {
			t.Errorf("WithImage(%q): selected %q", ref, got)
		}
	}
}

// pinnedFake is the fake world seen by a session that pinned a signer no
// image was signed by: every image verification fails at a signer step.
type pinnedFake struct {
	*fakebackend.Backend
}

func (p pinnedFake) Verify(ctx context.Context, s ui.Subject, progress func(model.Step)) (model.Result, error) {
	res, err := p.Backend.Verify(ctx, s, progress)
	if s.Ref != "" && err == nil {
		res.Add(model.Step{Name: "signer", Title: "Signer", Status: model.StatusFail, Detail: "signed by someone else"})
	}
	return res, err
}

// TestPinSignerReverifiesImages: P opens the signer prompt; what is typed
// goes to Common.PinSigner with the current backend; the header shows the
// new signer and every loaded image is verified again under it (its old
// verdict dropped, results of the old signer still in flight ignored);
// errors stay in the status line and change nothing; a log switch keeps the
// pinned signer; without PinSigner the key says it is not available.
func TestPinSignerReverifiesImages(t *testing.T) {
	fb := fakebackend.New()
	other := fakebackend.New()
	var asked []string
	var given []ui.Backend
	a := startWith(t, fb, 120, 40, func(c *ui.Common) {
		c.LogName = "first"
		c.Logs = []ui.LogChoice{{Name: "first", URL: "http://127.0.0.1:1"}, {Name: "second", URL: "http://127.0.0.1:2"}}
		c.OpenLog = func(context.Context, ui.LogChoice) (ui.Backend, error) { return other, nil }
		c.PinSigner = func(_ context.Context, b ui.Backend, spec string) (ui.Backend, string, error) {
			asked, given = append(asked, spec), append(given, b)
			switch spec {
			case "mallory@example.com https://issuer.example":
				return pinnedFake{b.(*fakebackend.Backend)}, "mallory@example.com", nil
			case "none":
				return b, "", nil
			}
			return nil, "", errors.New("a certificate identity needs its OIDC issuer")
		}
	})
	k := ui.DefaultKeyMap()
	// prompt types text into the prompt key opens and ends with final.
	prompt := func(open key.Binding, text, final string) {
		t.Helper()
		press(t, a, open)
		typeText(t, a, text)
		send(t, a, keyMsg(final))
	}
	press(t, a, k.Enter) // expand demo/app: its tags verify in the background
	if v, _ := a.VerdictOf("demo/app:v1.0"); v != "verified" {
		t.Fatalf("before pinning: demo/app:v1.0 %q, want verified", v)
	}

	press(t, a, k.PinSigner)
	if s := screen(t, a, 120, 40); !strings.Contains(s, "Pin a signer") || !strings.Contains(s, "IDENTITY ISSUER") {
		t.Fatalf("P shows no signer prompt:\n%s", s)
	}
	typeText(t, a, "mallory@example.com   https://issuer.example")
	send(t, a, keyMsg("enter"))
	if len(asked) != 1 || asked[0] != "mallory@example.com https://issuer.example" || given[0] != ui.Backend(fb) {
		t.Fatalf("PinSigner asked %q with %v, want the typed spec (spaces collapsed) and the current backend", asked, given)
	}
	if got := a.Common().Signer; got != "mallory@example.com" {
		t.Errorf("Signer = %q, want mallory@example.com (status %q)", got, a.Status())
	}
	for _, ref := range []string{"demo/app:v1.0", "demo/app:v1.1", "demo/app:latest"} {
		if v, _ := a.VerdictOf(ref); v != "failed" {
			t.Errorf("after pinning: %s %q, want failed (verified again under the new signer)", ref, v)
		}
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, "signer mallory@example.com") {
		t.Errorf("header does not name the pinned signer:\n%s", s)
	}

	// A spec the pinner refuses: the status says why, nothing changes.
	prompt(k.PinSigner, "alice@example.com", "enter")
	if st := a.Status(); !strings.Contains(st, "✗ signer: a certificate identity needs its OIDC issuer") {
		t.Errorf("status %q, want the pinner's error", st)
	}
	if got := a.Common().Signer; got != "mallory@example.com" {
		t.Errorf("after a refused spec Signer = %q, want it unchanged", got)
	}

	// esc cancels without asking.
	prompt(k.PinSigner, "none", "esc")
	if len(asked) != 2 {
		t.Errorf("esc asked PinSigner (%q)", asked)
	}

	// A log switch re-pins the signer on the new log's backend.
	prompt(k.LogPicker, "second", "enter")
	if n := len(asked); n != 3 || asked[2] != "mallory@example.com https://issuer.example" || given[2] != ui.Backend(other) {
		t.Fatalf("after the log switch PinSigner asked %q, want the pinned spec again on the new backend", asked)
	}
	if got := a.Common().Signer; got != "mallory@example.com" {
		t.Errorf("after the log switch Signer = %q, want mallory@example.com", got)
	}

	// Unpinning.
	prompt(k.PinSigner, "none", "enter")
	if got := a.Common().Signer; got != "" || !strings.Contains(a.Status(), "unpinned") {
		t.Errorf("after none: Signer %q, status %q; want no signer and a status saying so", got, a.Status())
	}

	// Without a pinner the key only says so.
	b, _ := newTestApp(t, 80, 24)
	press(t, b, k.PinSigner)
	if st := b.Status(); !strings.Contains(st, "not available") {
		t.Errorf("P without PinSigner: status %q, want not available", st)
	}
}

// TestStaleSignerResultsAreDropped: a background verdict computed for the
// signer pinned before is not shown after a new one is pinned.
func TestStaleSignerResultsAreDropped(t *testing.T) {
	fb := fakebackend.New()
	a := startWith(t, fb, 120, 40, func(c *ui.Common) {
		c.PinSigner = func(_ context.Context, b ui.Backend, _ string) (ui.Backend, string, error) {
			return pinnedFake{fb}, "mallory@example.com", nil
		}
	})
	k := ui.DefaultKeyMap()
	// Expand demo/app, holding back the background verdict of v1.0 (the
	// others complete).
	_, cmd := a.Update(keyMsg(k.Enter.Keys()[0]))
	var held []tea.Msg
	runWatched(t, a, cmd, func(m tea.Msg) bool {
		if strings.Contains(fmt.Sprintf("%T %+v", m, m), "backgroundDoneMsg {ref:demo/app:v1.0 ") {
			held = append(held, m)
			return true
		}
		return false
	}, nil)
	if len(held) == 0 {
		t.Fatal("no background verification was started")
	}

	press(t, a, k.PinSigner)
	typeText(t, a, "x y")
	send(t, a, keyMsg("enter")) // every image verified again under the new signer: failed
	if v, _ := a.VerdictOf("demo/app:v1.0"); v != "failed" {
		t.Fatalf("demo/app:v1.0 %q under the new signer, want failed", v)
	}
	for _, m := range held { // the old signer's verdict arrives late
		send(t, a, m)
	}
	if v, _ := a.VerdictOf("demo/app:v1.0"); v != "failed" {
		t.Errorf("demo/app:v1.0 %q after a late verdict for the old signer, want failed", v)
	}
}

// TestFailedStepScrolledIntoView: at 100×24, when a verification fails at a step
// below the fold of the detail pane, the pane scrolls to it and the status
// line names it, so the first failure shows without scrolling by hand.
func TestFailedStepScrolledIntoView(t *testing.T) {
	fb := fakebackend.New()
	a := startWith(t, pinnedFake{fb}, 100, 24, nil)
	k := ui.DefaultKeyMap()
	press(t, a, k.Enter) // expand demo/app
	press(t, a, k.Down)  // its first tag
	press(t, a, k.Verify)
	s := screen(t, a, 100, 24)
	if !strings.Contains(s, "✗ Signer: signed by someone else") {
		t.Errorf("the failed step is not on screen:\n%s", s)
	}
	if st := a.Status(); !strings.Contains(st, "failed · Signer: signed by someone else") {
		t.Errorf("status %q, want the verdict and the first failure", st)
	}
}

// refusingBackend refuses every search the way an SSH session's backend
// refuses a key-file search: the session may not read the host's files.
type refusingBackend struct{ *fakebackend.Backend }

func (refusingBackend) Search(context.Context, string) (ui.SearchResult, error) {
	return ui.SearchResult{}, fmt.Errorf("reading public key file /srv/k.pub: %w", ui.ErrNotPermitted)
}

// TestRefusedSearchOffersNoRetry: a refusal is not a log failure: the pane
// says what was refused and offers no retry, which could never succeed.
func TestRefusedSearchOffersNoRetry(t *testing.T) {
	a := startWith(t, refusingBackend{fakebackend.New()}, 80, 24, nil)
	press(t, a, ui.DefaultKeyMap().Search)
	typeText(t, a, "/srv/k.pub")
	send(t, a, keyMsg("enter"))
	s := screen(t, a, 80, 24)
	if !strings.Contains(s, "not permitted") {
		t.Errorf("the refusal is not shown:\n%s", s)
	}
	if strings.Contains(s, "press r to retry") || strings.Contains(s, "reading the log") {
		t.Errorf("a refusal is offered a retry or blamed on the log:\n%s", s)
	}
}
