package ui_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provscope/provscope/ui"
	"github.com/provscope/provscope/ui/fakebackend"
)

// TestConsistencyShowsTheLastGrowth: the log grew between two heads the
// explorer checked in the background (the auto refresh moved the
// remembered checkpoint on), then `c` finds no growth since: the pane says
// so in plain words and still shows the proof, with its hashes, that the
// last growth was verified with.
func TestConsistencyShowsTheLastGrowth(t *testing.T) {
	fb := fakebackend.New()
	a := startWith(t, fb, 120, 40, nil)
	first := headOf(t, fb).TreeSize

	press(t, a, ui.DefaultKeyMap().Consistency)
	s := screen(t, a, 120, 40)
	if !strings.Contains(s, "the log has not grown since the remembered") || !strings.Contains(s, fmt.Sprintf("(size %d)", first)) {
		t.Errorf("c on an unchanged log does not say so in plain words:\n%s", s)
	}
	if strings.Contains(s, "proof[0]") || strings.Contains(s, "the last growth") {
		t.Errorf("c on a log that never grew shows a proof:\n%s", s)
	}

	fb.AppendNoise(5)
	send(t, a, ui.RefreshHeadMsg{}) // the background check proves first → first+5
	press(t, a, ui.DefaultKeyMap().Back)
	press(t, a, ui.DefaultKeyMap().Consistency)
	s = screen(t, a, 120, 40)
	for _, want := range []string{
		fmt.Sprintf("remembered size %d → current size %d", first+5, first+5),
		fmt.Sprintf("size %d → %d: the last growth this session", first, first+5),
		"proof[0]", "proof[1]",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("c after the log grew in the background lacks %q:\n%s", want, s)
		}
	}
}
