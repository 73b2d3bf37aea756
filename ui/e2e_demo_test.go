package ui_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provscope/provscope/demo"
	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/backend"
)

// TestDemoWorldFlow walks the flow a new user takes on the real demo world
// (embedded registry and log on loopback, through ui/backend): select an
// image, see its signatures and log entry, verify it, watch the proof, then
// see the stealth-signed image fail with "no log entry".
func TestDemoWorldFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo world")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		t.Fatalf("starting the demo world: %v", err)
	}
	defer w.Close()
	tr, err := os.ReadFile(w.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.Open(ctx, backend.Config{
		RegistryHost: w.RegistryHost,
		Log:          logs.Log{Name: "demo", URL: w.LogURL, Kind: logs.KindRekorV1},
		KeyPEM:       w.LogPublicKeyPEM, Policy: inspect.Policy{TrustedRoot: tr},
	})
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
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
