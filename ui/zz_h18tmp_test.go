package ui_test

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/provscope/provscope/ui"
)

func TestH18TmpOpenView(t *testing.T) {
	a, _ := newTestApp(t, 80, 24, ui.WithRecent([]string{"ghcr.io/a/b:v1", "127.0.0.1:5000/x:y"}, nil))
	_, cmd := a.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	run(t, a, cmd)
	_, cmd = a.Update(tea.PasteMsg{Content: "ghcr.io/x:v1\x1b]0;pwn\x07"})
	run(t, a, cmd)
	t.Log("\n" + ansi.Strip(a.View().Content))
	_, cmd = a.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	run(t, a, cmd)
	t.Log("\n" + ansi.Strip(a.View().Content))
}
