package ui_test

import (
	"strings"
	"testing"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/ui"
)

// TestDemoWorldFlow walks the flow a new user takes on the real demo world
// (embedded registry and log on loopback, through ui/backend, under the
// demo's trust policy as provscope demo pins it): select an
// image, see its signatures and log entry, verify it, watch the proof, then
// see the stealth-signed image fail with "no log entry".
func TestDemoWorldFlow(t *testing.T) {
	ctx, w, tr := startDemo(t)
	b := openDemo(ctx, t, w, inspect.Policy{TrustedRoot: tr, Trusted: w.TrustedSigners()})
	c := ui.NewCommon(b, true, false)
	c.Ctx, c.RefreshInterval, c.ExportDir, c.LogName = ctx, 0, t.TempDir(), "demo"
	a := ui.New(c)
	run(t, a, a.Init())
	send(t, a, keyMsgSize(120, 40))
	k := ui.DefaultKeyMap()

	// Select an image: its signatures (Detail) and its log entry (Entries).
	openImage(t, a, "demo/web", "v1.2.0")
	if n := a.EntryCount(); n < 1 {
		t.Fatalf("demo/web:v1.2.0 has %d log entries, want at least 1", n)
	}
	s := screen(t, a, 120, 40)
	if !strings.Contains(s, "signature") || !strings.Contains(s, "hashedrekord") {
		t.Errorf("the image's signature and entry are not shown:\n%s", s)
	}
	// Verify it: every step passes.
	press(t, a, k.Verify)
	if v, _ := a.VerdictOf("demo/web:v1.2.0"); v != "verified" {
		t.Fatalf("demo/web:v1.2.0 verdict = %q (%s), want verified", v, a.Reason("demo/web:v1.2.0"))
	}
	// Watch the proof: the tree from the leaf to the checkpoint's root.
	press(t, a, k.NextPane)
	press(t, a, k.Enter)
	if !a.ProofMatch() {
		t.Error("the entry's inclusion proof does not reach the checkpoint root")
	}
	if s := screen(t, a, 120, 40); !strings.Contains(s, "✓ match") || !strings.Contains(s, "H(0x00‖body)") {
		t.Errorf("proof pane:\n%s", s)
	}
	// The stealth-signed image: signed, never logged.
	press(t, a, k.PrevPane)
	press(t, a, k.PrevPane)
	openImage(t, a, "demo/worker", "v1.0.0")
	press(t, a, k.Verify)
	if v, _ := a.VerdictOf("demo/worker:v1.0.0"); v != "not-logged" {
		t.Fatalf("demo/worker:v1.0.0 verdict = %q (%s), want not-logged", v, a.Reason("demo/worker:v1.0.0"))
	}
	if s := strings.ToLower(screen(t, a, 120, 40)); !strings.Contains(s, "no log entry") {
		t.Errorf("the stealth-signed image does not say \"no log entry\":\n%s", s)
	}
}

// TestDemoKeyboardOnly80x24 is a newcomer at 80×24 on the real demo
// world, keyboard only, finding each key on the screen (the footer, or the
// help the footer points to) before pressing it: from the repositories to
// the verified image's log entry and its inclusion proof.
func TestDemoKeyboardOnly80x24(t *testing.T) {
	ctx, w, tr := startDemo(t)
	b := openDemo(ctx, t, w, inspect.Policy{TrustedRoot: tr, Trusted: w.TrustedSigners()})
	c := ui.NewCommon(b, true, false)
	c.Ctx, c.RefreshInterval, c.ExportDir, c.LogName = ctx, 0, t.TempDir(), "demo"
	c.RegistryHost = w.RegistryHost
	a := ui.New(c)
	run(t, a, a.Init())
	send(t, a, keyMsgSize(80, 24))

	// shown fails unless the screen (or what was read of the help) offers
	// label; then the key is pressed.
	var helpRead string
	pressShown := func(label, k string) {
		t.Helper()
		s := screen(t, a, 80, 24)
		if !strings.Contains(s, label) && !strings.Contains(helpRead, label) {
			t.Fatalf("about to press %q: %q is not on screen nor in the help:\n%s", k, label, s)
		}
		send(t, a, keyMsg(k))
	}
	// The footer names the help; read all of it, scrolling as its title
	// says, and close it as it says.
	if f := footer(screen(t, a, 80, 24)); !strings.Contains(f, "? help") || !strings.Contains(f, "q quit") {
		t.Fatalf("footer %q does not offer help and quit", f)
	}
	pressShown("? help", "?")
	for range 40 {
		s := screen(t, a, 80, 24)
		helpRead += s
		if !strings.Contains(s, "↑↓ scroll") {
			break
		}
		pressShown("↑↓ scroll", "down")
	}
	for _, want := range []string{"↓/j", "enter", "esc", "verify selection", "✓ verified"} {
		if !strings.Contains(helpRead, want) {
			t.Errorf("the help does not offer %q", want)
		}
	}
	pressShown("esc closes", "esc")
	if a.Overlay() != 0 {
		t.Fatal("esc did not close the help")
	}

	// Down to demo/web, enter to open it, down to v1.2.0.
	for range 10 {
		if strings.Contains(a.CurrentImageRow(), "demo/web") {
			break
		}
		pressShown("↓/j", "down")
	}
	pressShown("enter open", "enter")
	for range 10 {
		if a.SelectedImage() == "demo/web:v1.2.0" {
			break
		}
		pressShown("↓/j", "down")
	}
	if a.SelectedImage() != "demo/web:v1.2.0" {
		t.Fatalf("selected %q, want demo/web:v1.2.0:\n%s", a.SelectedImage(), screen(t, a, 80, 24))
	}
	pressShown("v verify selection", "v")
	if v, _ := a.VerdictOf("demo/web:v1.2.0"); v != "verified" {
		t.Fatalf("demo/web:v1.2.0 verdict = %q (%s), want verified", v, a.Reason("demo/web:v1.2.0"))
	}
	// One pane at a time, the steps showed in the detail pane; esc goes
	// back to the images, where enter goes on to the log entries, then to
	// the entry's proof.
	if a.Focus() != ui.PaneDetail {
		t.Fatalf("v: focus %v, want the steps in the detail pane", a.Focus())
	}
	pressShown("esc", "esc")
	if a.Focus() != ui.PaneImages {
		t.Fatalf("esc from the image's detail: focus %v, want images", a.Focus())
	}
	pressShown("enter open", "enter")
	if a.Focus() != ui.PaneEntries {
		t.Fatalf("enter on the tag: focus %v, want entries:\n%s", a.Focus(), screen(t, a, 80, 24))
	}
	if s := screen(t, a, 80, 24); !strings.Contains(s, "✓ hashedrekord") {
		t.Errorf("the entry is not shown verified:\n%s", s)
	}
	pressShown("enter show proof", "enter")
	if a.Focus() != ui.PaneProof || !a.ProofMatch() {
		t.Fatalf("focus %v, proof match %v, want the matching proof", a.Focus(), a.ProofMatch())
	}
	if s := screen(t, a, 80, 24); !strings.Contains(s, "✓ match") || !strings.Contains(s, "H(0x00‖body)") {
		t.Errorf("proof pane:\n%s", s)
	}
}

// footer is the screen's last line.
func footer(s string) string {
	ls := strings.Split(s, "\n")
	return ls[len(ls)-1]
}
