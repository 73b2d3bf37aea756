package ui_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/internal/hostile"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/model"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

var watchSeen = time.Date(2026, 12, 7, 6, 30, 0, 0, time.UTC)

func startWatching(t *testing.T, w, h int) (*ui.App, *fakebackend.Watching) {
	t.Helper()
	fw := fakebackend.NewWatching(fakebackend.New())
	a := startWith(t, fw, w, h, func(c *ui.Common) {
		c.ExportDir = t.TempDir()
		c.LogName = "fake"
		c.RegistryHost = "127.0.0.1:5000"
	}, ui.WithWatchInterval(0))
	return a, fw
}

// TestWatchOverlay: W asks what to watch; enter starts the watch, which
// shows the first checkpoint, each consistent step that grew the log and
// each matching entry (time, index, signer, kind); a SAN carrying escape
// sequences reaches the screen sanitised; a step the log failed raises
// the inconsistent-log banner and stops the watch; esc closes the overlay
// and releases the watch's state. At 80×24 and 120×40.
func TestWatchOverlay(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			a, fw := startWatching(t, w, h)
			evil := "mallory" + hostile.Mixed() + "@example.com"
			fw.Push(ui.WatchStep{From: 22, To: 22, First: true}, nil)
			fw.Push(ui.WatchStep{From: 22, To: 25, Scanned: 3, Entries: []ui.WatchEntry{
				{Seen: watchSeen, LogIndex: 23, Kind: "hashedrekord", Signers: []model.Signer{{Subject: "alice@example.com", Issuer: "https://issuer.example"}}},
				{Seen: watchSeen, LogIndex: 24, Kind: "dsse", Signers: []model.Signer{{Subject: evil, Issuer: "https://issuer.example"}}},
			}}, nil)
			fw.Push(ui.WatchStep{From: 25, To: 25}, nil)
			fw.Push(ui.WatchStep{From: 25, To: 25, Problem: errors.New("checking the new checkpoint against the kept one: log history changed")}, nil)

			k := ui.DefaultKeyMap()
			press(t, a, k.Watch)
			if s := screen(t, a, w, h); !strings.Contains(s, "Watch the log for new entries by") {
				t.Fatalf("W did not ask what to watch:\n%s", s)
			}
			typeText(t, a, "alice@example.com https://issuer.example")
			send(t, a, keyMsg("enter"))

			qs := fw.Queries()
			if len(qs) != 4 || qs[0] != (ui.WatchQuery{Identity: "alice@example.com", Issuer: "https://issuer.example"}) {
				t.Fatalf("watch queries = %+v; want 4 steps for alice@example.com https://issuer.example", qs)
			}
			raw := a.View().Content
			if err := hostile.Check(raw); err != nil {
				t.Errorf("watch overlay: %v", err)
			}
			s := screen(t, a, w, h)
			for _, want := range []string{
				"Watching alice@example.com https://issuer.example",
				"✓ checkpoint 22 verified",
				"✓ 22 → 25 consistent · 3 new, 2 by this signer",
				"06:30:00Z  #23  alice@example.com",
				// The SAN sanitised and cut by the pane (ui/text.go), not
				// only by the whole-frame pass.
				"#24  " + safetext.Truncate(evil+" (https://issuer.example)", 48) + "  dsse",
				"INCONSISTENT LOG (watch): checking the new checkpoint",
				"watch stopped",
			} {
				if !strings.Contains(s, want) {
					t.Errorf("watch overlay lacks %q:\n%s", want, s)
				}
			}
			if !strings.Contains(a.Banner(), "INCONSISTENT LOG") {
				t.Errorf("banner = %q; want the inconsistent-log alarm", a.Banner())
			}
			if len(fw.Ended()) != 0 {
				t.Errorf("the watch was released while its overlay is open: %+v", fw.Ended())
			}
			press(t, a, k.Back)
			if strings.Contains(screen(t, a, w, h), "Watching alice") {
				t.Error("esc did not close the watch")
			}
			if e := fw.Ended(); len(e) != 1 || e[0].Handle != "fake-watch-1" || e[0].Size != 25 {
				t.Errorf("released states = %+v; want the watch's, at size 25", e)
			}
			if len(fw.Queries()) != 4 {
				t.Errorf("the watch went on after it stopped: %d steps", len(fw.Queries()))
			}
		})
	}
}

// TestWatchStopsWhenClosed: closing the overlay while a step is waiting in
// the backend cancels it: the goroutine running it returns, the count of
// goroutines comes back to where it was, and the watch's state is
// released once.
func TestWatchStopsWhenClosed(t *testing.T) {
	a, fw := startWatching(t, 120, 40)
	runtime.GC()
	baseline := runtime.NumGoroutine()
	fw.Push(ui.WatchStep{From: 5, To: 5, First: true}, nil)

	k := ui.DefaultKeyMap()
	press(t, a, k.Watch)
	typeText(t, a, "alice@example.com")
	var held []tea.Msg
	_, cmd := a.Update(keyMsg("enter"))
	runWatched(t, a, cmd, func(m tea.Msg) bool {
		if _, ok := m.(ui.WatchSteppedMsg); ok {
			held = append(held, m)
			return true
		}
		return false
	}, nil)
	if len(held) != 1 {
		t.Fatalf("first step messages = %d, want 1", len(held))
	}
	_, next := a.Update(held[0])
	if next == nil {
		t.Fatal("the watch was not re-armed after its first step")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- next() }()
	<-fw.Waiting // the second step is parked in the backend

	press(t, a, k.Back)
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(time.Minute): // a hang guard, not a margin
		t.Fatal("the step waiting in the backend did not return after the watch closed")
	}
	send(t, a, msg)
	if e := fw.Ended(); len(e) != 1 || e[0].Handle != "fake-watch-1" {
		t.Errorf("released states = %+v; want the watch's once", e)
	}
	for i := 0; runtime.NumGoroutine() > baseline; i++ {
		if i > 1000 {
			t.Fatalf("goroutines = %d after closing the watch, want %d", runtime.NumGoroutine(), baseline)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// TestWatchPinnedSigner: with a signer pinned (P), W offers it: enter
// alone watches it.
func TestWatchPinnedSigner(t *testing.T) {
	fw := fakebackend.NewWatching(fakebackend.New())
	a := startWith(t, fw, 120, 40, func(c *ui.Common) {
		c.PinSigner = func(_ context.Context, b ui.Backend, spec string) (ui.Backend, string, error) { return b, spec, nil }
	}, ui.WithWatchInterval(0))
	k := ui.DefaultKeyMap()
	press(t, a, k.PinSigner)
	typeText(t, a, "bob@example.com https://issuer.example")
	send(t, a, keyMsg("enter"))
	fw.Push(ui.WatchStep{Problem: errors.New("stop")}, nil)
	press(t, a, k.Watch)
	send(t, a, keyMsg("enter"))
	if qs := fw.Queries(); len(qs) != 1 || qs[0] != (ui.WatchQuery{Identity: "bob@example.com", Issuer: "https://issuer.example"}) {
		t.Fatalf("watch queries = %+v; want the pinned bob@example.com https://issuer.example", qs)
	}
}

// TestWatchOverlayScrolls: the watch overlay keeps the newest line at the
// bottom; page up reaches the oldest entries and page down comes back to
// the newest. At 80×24.
func TestWatchOverlayScrolls(t *testing.T) {
	a, fw := startWatching(t, 80, 24)
	var es []ui.WatchEntry
	for i := uint64(100); i < 160; i++ {
		es = append(es, ui.WatchEntry{Seen: watchSeen, LogIndex: i, Kind: "hashedrekord", Signers: []model.Signer{{Subject: "alice@example.com", Issuer: "https://issuer.example"}}})
	}
	fw.Push(ui.WatchStep{From: 22, To: 22, First: true}, nil)
	fw.Push(ui.WatchStep{From: 22, To: 160, Scanned: 60, Entries: es}, nil)
	fw.Push(ui.WatchStep{From: 160, To: 160, Problem: errors.New("stop here")}, nil)
	k := ui.DefaultKeyMap()
	press(t, a, k.Watch)
	typeText(t, a, "alice@example.com https://issuer.example")
	send(t, a, keyMsg("enter"))
	if s := screen(t, a, 80, 24); !strings.Contains(s, "#159  ") || strings.Contains(s, "#100  ") {
		t.Fatalf("the watch does not open on its newest entries:\n%s", s)
	}
	for range 10 {
		press(t, a, k.PageUp)
	}
	if s := screen(t, a, 80, 24); !strings.Contains(s, "#100  ") || strings.Contains(s, "#159  ") {
		t.Fatalf("page up did not reach the oldest entries:\n%s", s)
	}
	press(t, a, k.Down)
	for range 10 {
		press(t, a, k.PageDown)
	}
	if s := screen(t, a, 80, 24); !strings.Contains(s, "#159  ") {
		t.Fatalf("page down did not come back to the newest entries:\n%s", s)
	}
}
