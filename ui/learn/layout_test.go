package learn

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestLegendsAndFootersFit80x24: at the design size every screen's
// legend and key hints are whole (wrapped, never cut) and the view keeps
// its size.
func TestLegendsAndFootersFit80x24(t *testing.T) {
	for _, screen := range []string{"1", "2", "3", "4", "5"} {
		m := New(Config{Seed: 42, IsDark: true, QuitHint: "T back to the explorer"})
		m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		m = press(m, "esc", "a", "a", "a", "a", "a", screen)
		v := m.View()
		checkSize(t, v, 80, 24)
		s := ansi.Strip(v)
		for _, want := range []string{"L lessons", "tab screens", "T back to the explorer"} {
			if !strings.Contains(s, want) {
				t.Errorf("screen %s: footer lacks %q:\n%s", screen, want, s)
			}
		}
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, " · ") && strings.HasSuffix(strings.TrimSpace(l), "…") {
				t.Errorf("screen %s: a legend or footer line is cut: %q", screen, l)
			}
		}
		if screen == "1" && !strings.Contains(s, "highlighted: selected node") {
			t.Errorf("grow legend cut:\n%s", s)
		}
		if screen == "4" {
			m = press(m, "t")
			if s := ansi.Strip(m.View()); !strings.Contains(s, "underlined: its proof hashes") {
				t.Errorf("tamper legend cut:\n%s", s)
			}
		}
	}
}
