package ui_test

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// BenchmarkFrameDefence measures the second line of defence on the
// 100,000-row path at 120×40 (the entries pane full of a search's
// results): Compose is the screen as the panes draw it, View adds
// safetext.Frame, Frame is the filter alone on that screen (clean: the fast
// path), and FrameHostile the filter on the hostile world's screen, whose
// foreign text the panes escaped already.
func BenchmarkFrameDefence(b *testing.B) {
	be := &bigLog{Backend: fakebackend.New(), n: 100_000}
	c := ui.NewCommon(be, true, false)
	c.RefreshInterval = 0
	a := ui.New(c)
	run(b, a, a.Init())
	send(b, a, tea.WindowSizeMsg{Width: 120, Height: 40})
	send(b, a, keyMsg("/"))
	typeText(b, a, "*")
	send(b, a, keyMsg("enter"))
	if got := a.EntryCount(); got != 100_000 {
		b.Fatalf("loaded %d entries, want 100000", got)
	}
	b.Run("Compose", func(b *testing.B) {
		for range b.N {
			_ = a.Compose()
		}
	})
	b.Run("View", func(b *testing.B) {
		for range b.N {
			_ = a.View()
		}
	})
	screen := a.Compose()
	b.Run("Frame", func(b *testing.B) {
		b.SetBytes(int64(len(screen)))
		for range b.N {
			_ = safetext.Frame(screen)
		}
	})
	fb := fakebackend.NewHostile(payloadTexts()...)
	h := startWith(b, fb, 120, 40, nil)
	selectTag(b, h, fakebackend.HostileRepo, fb.TagForged())
	send(b, h, keyMsg("v"))
	hs := h.Compose()
	b.Run("FrameHostile", func(b *testing.B) {
		b.SetBytes(int64(len(hs)))
		for range b.N {
			_ = safetext.Frame(hs)
		}
	})
}
