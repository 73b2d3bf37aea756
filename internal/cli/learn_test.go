package cli

import (
	"bytes"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/provscope/provscope/ui/learn"
)

func TestLearnBadLessonIsUsageError(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"learn", "--lesson", "9"}, &out, &errb); code != exitUsageErr {
		t.Fatalf("run(learn --lesson 9) = %d, want %d (stderr %q)", code, exitUsageErr, errb.String())
	}
}

func TestLearnRootQuitKeys(t *testing.T) {
	r := newLearnRoot(learn.Config{Seed: 1, NoLessonMenu: true}, 0)
	if v := r.View(); !v.AltScreen {
		t.Error("View().AltScreen = false, want true")
	}
	// "i" starts typing a leaf: "q" is then text, not quit.
	if _, cmd := r.Update(tea.KeyPressMsg{Code: 'i', Text: "i"}); cmd != nil {
		t.Fatalf("Update(i) returned a command")
	}
	if _, cmd := r.Update(tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd != nil {
		t.Fatalf("Update(q) while typing returned a command, want none")
	}
	r.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if got := string(r.pane.Log().Entry(0)); got != "q" {
		t.Errorf("typed leaf = %q, want %q", got, "q")
	}
	_, cmd := r.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("Update(q) = nil command, want tea.Quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("Update(q) command = %T, want tea.QuitMsg", cmd())
	}
}

func TestLearnRootStartsLesson(t *testing.T) {
	r := newLearnRoot(learn.Config{Seed: 1}, 3)
	if !r.pane.InLesson() || r.pane.Screen() != learn.ScreenInclusion {
		t.Errorf("--lesson 3: InLesson %v, screen %v, want a lesson on Inclusion", r.pane.InLesson(), r.pane.Screen())
	}
}
