package ui_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/ui"
)

// TestUnpinnedBadge: on the real demo world at 80×24, an image verified
// with no signer pinned shows the unpinned badge and the header says the
// signer is not pinned; under the demo's own trust policy the same image
// shows verified with the policy in the header, and the image signed by a
// key nobody trusts fails.
func TestUnpinnedBadge(t *testing.T) {
	ctx, w, tr := startDemo(t)
	open := func(t *testing.T, pol inspect.Policy, signer string) *ui.App {
		t.Helper()
		pol.TrustedRoot = tr
		b := openDemo(ctx, t, w, pol)
		c := ui.NewCommon(b, true, false)
		c.Ctx, c.RefreshInterval, c.ExportDir, c.LogName, c.Signer = ctx, 0, t.TempDir(), "demo", signer
		c.PinSigner = func(context.Context, ui.Backend, string) (ui.Backend, string, error) {
			return nil, "", errors.New("not in this test")
		}
		a := ui.New(c)
		run(t, a, a.Init())
		send(t, a, keyMsgSize(80, 24))
		return a
	}
	k := ui.DefaultKeyMap()
	t.Run("no signer pinned", func(t *testing.T) {
		a := open(t, inspect.Policy{}, "")
		openImage(t, a, "demo/web", "v1.2.0")
		press(t, a, k.Verify)
		if v, _ := a.VerdictOf("demo/web:v1.2.0"); v != "unpinned" {
			t.Fatalf("verdict = %q (%s), want unpinned", v, a.Reason("demo/web:v1.2.0"))
		}
		send(t, a, keyMsg("1")) // back to the images, where the badges are
		s := screen(t, a, 80, 24)
		t.Logf("80×24:\n%s", s)
		if !strings.Contains(s, "◇ unpinned") || strings.Contains(s, "verified") {
			t.Errorf("want the unpinned badge and no verified one:\n%s", s)
		}
		if !strings.Contains(s, "signer not pinned") {
			t.Errorf("the header does not say the signer is not pinned:\n%s", s)
		}
	})
	t.Run("the demo policy", func(t *testing.T) {
		a := open(t, inspect.Policy{Trusted: w.TrustedSigners()}, "key 2025, key 2026, alice, release workflow")
		openImage(t, a, "demo/web", "v1.2.0")
		press(t, a, k.Verify)
		if v, _ := a.VerdictOf("demo/web:v1.2.0"); v != "verified" {
			t.Fatalf("verdict = %q (%s), want verified", v, a.Reason("demo/web:v1.2.0"))
		}
		s := screen(t, a, 80, 24)
		if !strings.Contains(s, "demo/web:v1.2.0: verified") || strings.Contains(s, "unpinned") || !strings.Contains(s, "signer key 2025, key 2026") {
			t.Errorf("want the verified verdict and the pinned policy in the header:\n%s", s)
		}
		a = open(t, inspect.Policy{Trusted: w.TrustedSigners()}, "key 2025, key 2026, alice, release workflow")
		openImage(t, a, "demo/z-rogue", "v1")
		press(t, a, k.Verify)
		if v, _ := a.VerdictOf("demo/z-rogue:v1"); v != "failed" {
			t.Fatalf("demo/z-rogue:v1 verdict = %q (%s), want failed", v, a.Reason("demo/z-rogue:v1"))
		}
		if r := a.Reason("demo/z-rogue:v1"); !strings.Contains(r, "not a trusted signer") {
			t.Errorf("demo/z-rogue:v1 reason %q does not name the untrusted signer", r)
		}
	})
}

// TestProofPaneUntrustedLog: the proof pane shows "✓ match" for an entry
// of a log the session trusts, and for one it does not (LogTrusted says
// no) shows that instead, with the reason: the path reaching the root
// the log itself sent is no evidence.
func TestProofPaneUntrustedLog(t *testing.T) {
	ctx, w, _ := startDemo(t)
	for _, trusted := range []bool{true, false} {
		b := openDemo(ctx, t, w, inspect.Policy{})
		c := ui.NewCommon(b, true, false)
		c.Ctx, c.RefreshInterval, c.ExportDir, c.LogName = ctx, 0, t.TempDir(), "demo"
		c.LogTrusted = func(string) (bool, string) {
			return trusted, "this entry comes from log abcdef01…, which your trusted root does not list"
		}
		a := ui.New(c)
		run(t, a, a.Init())
		send(t, a, keyMsgSize(120, 40))
		k := ui.DefaultKeyMap()
		openImage(t, a, "demo/web", "v1.2.0")
		press(t, a, k.NextPane)
		press(t, a, k.Enter)
		s := screen(t, a, 120, 40)
		switch {
		case trusted && !strings.Contains(s, "✓ match"):
			t.Errorf("trusted log: no ✓ match:\n%s", s)
		case !trusted && (strings.Contains(s, "✓ match") || !strings.Contains(s, "! untrusted log") || !strings.Contains(s, "from log abcdef01…")):
			t.Errorf("untrusted log: want no ✓ match, the warning and its reason:\n%s", s)
		}
	}
}
